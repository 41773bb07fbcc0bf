package replicas

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// ackedLogout is a logout a gateway answered 200, with the cookie it ended.
type ackedLogout struct {
	cookie string
	at     time.Time
}

// ackedLogin is a login a gateway answered "authenticated": the session,
// and the cookie and code of its code step, which must not work twice.
type ackedLogin struct {
	c         *client
	preCookie string
	code      string
	at        time.Time
}

// durabilityLoad signs people in and out on gateways ps until stop is
// closed, recording what was acknowledged. Logouts end the sessions of
// pool, one every 15 ms; logins sign bob in, one after the other.
type durabilityLoad struct {
	mu      sync.Mutex
	logouts []ackedLogout
	logins  []ackedLogin
	wg      sync.WaitGroup
}

func runDurabilityLoad(t *testing.T, w *world, ps []*proc, pool []*client, stop <-chan struct{}) *durabilityLoad {
	l := &durabilityLoad{}
	l.wg.Add(2)
	go func() {
		defer l.wg.Done()
		for i, c := range pool {
			select {
			case <-stop:
				return
			case <-time.After(15 * time.Millisecond):
			}
			cookie := c.cookie
			r, err := c.try(ps[i%len(ps)], http.MethodPost, "/_gatehouse/api/logout", map[string]string{})
			if err == nil && r.status == http.StatusOK {
				l.mu.Lock()
				l.logouts = append(l.logouts, ackedLogout{cookie: cookie, at: time.Now()})
				l.mu.Unlock()
			}
		}
	}()
	go func() {
		defer l.wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := ps[i%len(ps)]
			c := newClient(t, fmt.Sprintf("198.51.100.%d", i%250+1))
			sent := 0
			if b, err := os.ReadFile(w.sms); err == nil {
				sent = strings.Count(string(b), "\n")
			}
			r, err := c.try(p, http.MethodPost, "/_gatehouse/api/login", map[string]string{"username": bob.name, "password": bob.password})
			if err != nil || r.status != http.StatusOK {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			code, ok := w.awaitCode(bob.phone, sent, 3*time.Second)
			if !ok {
				continue
			}
			pre := c.cookie
			r, err = c.try(p, http.MethodPost, "/_gatehouse/api/otp", map[string]string{"code": code})
			if err == nil && r.status == http.StatusOK {
				l.mu.Lock()
				l.logins = append(l.logins, ackedLogin{c: c, preCookie: pre, code: code, at: time.Now()})
				l.mu.Unlock()
			}
		}
	}()
	return l
}

// TestPlannedFailoverLosesNothing runs two gateways on a Sentinel-managed
// Redis (a master, two replicas, three sentinels) under a stream of
// logouts and logins, and asks the sentinels for a failover, as every
// Redis upgrade does. The old master takes writes for about a second
// after the replica's promotion, and Redis throws them away when it
// resyncs: without store.redis.replay_window, acknowledged logouts come
// back. With it: no acknowledged logout is undone, no acknowledged login
// is lost, no code works twice (docs/contract.md, "Failover durability").
func TestPlannedFailoverLosesNothing(t *testing.T) {
	t.Parallel()
	s := testredis.NewSentinelReplicas(t, 2)
	w := newWorld(t, redisConfig{addrs: s.Addrs, masterName: s.MasterName})
	checkFailoverDurability(t, w, func() {
		if err := s.WaitSynced(10 * time.Second); err != nil {
			t.Fatal(err)
		}
	}, func() {
		old, err := s.Master()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := testredis.Do(s.Sentinels[0].Addr, "SENTINEL", "FAILOVER", s.MasterName); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WaitNewMaster(old, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	})
}

// TestClusterFailoverLosesNothing is the same with a Redis Cluster (three
// masters, a replica each): a replica takes over its master's slots with
// CLUSTER FAILOVER FORCE, without waiting for the master, which goes on
// taking writes until it hears of the new epoch.
func TestClusterFailoverLosesNothing(t *testing.T) {
	t.Parallel()
	c := testredis.NewClusterReplicas(t, 3, 1)
	w := newWorld(t, redisConfig{addrs: c.Addrs})
	var replica *testredis.Server
	checkFailoverDurability(t, w, func() {
		time.Sleep(time.Second) // the replicas catch up (loopback: at once)
		replica = c.Replicas(t)[0]
	}, func() {
		if _, err := testredis.Do(replica.Addr, "CLUSTER", "FAILOVER", "FORCE"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			if info, err := testredis.Do(replica.Addr, "INFO", "replication"); err == nil && strings.Contains(fmt.Sprint(info), "role:master") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the replica did not take over within 15s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := c.WaitOK(15 * time.Second); err != nil {
			t.Fatal(err)
		}
	})
}

// checkFailoverDurability signs 150 people in on two gateways of w, waits
// for settle, then runs logouts and logins through failover and checks
// that everything acknowledged held.
func checkFailoverDurability(t *testing.T, w *world, settle, failover func()) {
	t.Helper()
	w.maxSends = 100_000
	a, b := w.start(t, "a"), w.start(t, "b")
	waitReady(t, http.StatusOK, 10*time.Second, a, b)
	ps := []*proc{a, b}

	pool := make([]*client, 150)
	for i := range pool {
		pool[i] = newClient(t, fmt.Sprintf("203.0.113.%d", i%250+1))
		pool[i].signIn(w, ps[i%2], ps[(i+1)%2], alice)
	}
	settle()

	stop := make(chan struct{})
	load := runDurabilityLoad(t, w, ps, pool, stop)
	time.Sleep(500 * time.Millisecond)
	asked := time.Now()
	failover()
	switched := time.Now()
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	load.wg.Wait()
	waitReady(t, http.StatusOK, 15*time.Second, a, b)
	// Let the demoted master resync as a replica, which is when Redis
	// throws away what it took after the promotion.
	time.Sleep(2 * time.Second)

	inWindow := 0
	for _, lo := range load.logouts {
		if lo.at.After(asked) && lo.at.Before(switched.Add(time.Second)) {
			inWindow++
		}
	}
	t.Logf("failover asked; done after %v; acknowledged %d logouts (%d around the failover) and %d logins",
		switched.Sub(asked).Round(time.Millisecond), len(load.logouts), inWindow, len(load.logins))
	if inWindow == 0 {
		t.Fatal("no logout was acknowledged around the failover: the test proved nothing")
	}

	undone := 0
	for _, lo := range load.logouts {
		c := &client{t: t, hc: pool[0].hc, cookie: lo.cookie, ip: "192.0.2.1"}
		for _, p := range ps {
			if r := c.get(p, "/reports"); r.status == http.StatusOK {
				undone++
				t.Errorf("a logout acknowledged at %s (failover asked at %s) is undone: its session answers 200 on %s",
					lo.at.Format("15:04:05.000"), asked.Format("15:04:05.000"), p.name)
			}
		}
	}
	for _, li := range load.logins {
		for _, p := range ps {
			if r := li.c.get(p, "/reports"); r.status != http.StatusOK {
				t.Errorf("a login acknowledged at %s (failover asked at %s) is lost: %s on %s",
					li.at.Format("15:04:05.000"), asked.Format("15:04:05.000"), r, p.name)
			}
		}
		again := &client{t: t, hc: li.c.hc, cookie: li.preCookie, ip: "192.0.2.2"}
		if r := again.api(a, "otp", map[string]string{"code": li.code}); r.status == http.StatusOK {
			t.Errorf("a code verified at %s works a second time", li.at.Format("15:04:05.000"))
		}
	}
	if undone > 0 {
		t.Logf("%d answers of 200 for sessions logged out", undone)
	}
	if t.Failed() {
		for _, p := range ps {
			for _, l := range strings.Split(p.logText(), "\n") {
				if strings.Contains(l, "redis") {
					t.Logf("%s: %s", p.name, l)
				}
			}
		}
	}
}

// awaitCode is code for a goroutine: no t.Fatal, false after timeout.
func (w *world) awaitCode(phone string, after int, timeout time.Duration) (string, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(w.sms)
		if err == nil {
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			for _, l := range lines[min(after, len(lines)):] {
				var m smsLine
				if json.Unmarshal([]byte(l), &m) == nil && m.To == phone {
					if c := codeRE.FindStringSubmatch(m.Body); c != nil {
						return c[1], true
					}
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "", false
}

// TestAOFRestartLosesNothing: a standalone Redis with an append-only file
// (appendfsync everysec) killed under logouts and logins and restarted
// from its file: what a gateway acknowledged holds afterwards. A killed
// process loses nothing that reached the kernel (Redis writes the file on
// every loop); the journal covers a host that dies with its page cache,
// which a test cannot stage, and replays on the restarted server either
// way (its run id is new).
func TestAOFRestartLosesNothing(t *testing.T) {
	t.Parallel()
	r := testredis.NewAOFServer(t)
	w := newWorld(t, redisConfig{addrs: []string{r.Addr}})
	checkFailoverDurability(t, w, func() {}, func() {
		r.Kill()
		r.Restart()
	})
}
