package gateway_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// redisSetup returns a harness setup whose store is the Redis at addr.
// Several harnesses on one addr behave as replicas of one deployment.
func redisSetup(addr string) setup {
	return setup{store: func(t *testing.T) auth.Store {
		client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: 2 * time.Second, OpTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		return redisstore.New(client, "gatehouse-attack:", time.Second)
	}}
}

// TestAttacksAgainstRedis runs the attacks an outsider would try against
// two gateway replicas sharing one real Redis: what holds in memory must
// hold where production keeps its state.
func TestAttacksAgainstRedis(t *testing.T) {
	t.Parallel()
	srv := testredis.NewServer(t)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	a := newHarness(t, redisSetup(srv.Addr), setup{key: key})
	b := newHarness(t, redisSetup(srv.Addr), setup{key: key})

	t.Run("brute force is banned on every replica", func(t *testing.T) {
		attacker := a.newClient(t)
		for i := 0; i < 5; i++ {
			attacker.api(appHost, "login", map[string]string{"username": bob.name, "password": "guess"}).
				wantError(t, http.StatusUnauthorized, "invalid_credentials")
		}
		r := b.newClient(t).login(appHost, bob) // right password, other replica
		r.wantError(t, http.StatusTooManyRequests, "banned")
		if r.header.Get("Retry-After") == "" {
			t.Error("ban without Retry-After")
		}
	})

	t.Run("forged identity headers never reach the upstream", func(t *testing.T) {
		c := a.newClient(t)
		c.signIn(crmHost, alice)
		forged := http.Header{"X-Auth-User": {"root"}, "x_auth_groups": {"admins"}, "X-AUTH-ASSERTION": {"forged"},
			"Connection": {"X-Auth-User, X-Auth-Assertion"}}
		c.do(request{host: crmHost, path: "/", accept: "application/json", header: forged}).wantStatus(t, http.StatusOK)
		seen := a.up.last(t)
		if seen.Header.Get("X-Auth-User") != "alice" || len(seen.Header.Values("X-Auth-User")) != 1 {
			t.Fatalf("upstream X-Auth-User = %v", seen.Header.Values("X-Auth-User"))
		}
		for name := range seen.Header {
			if strings.Contains(strings.ToLower(name), "x_auth") {
				t.Errorf("smuggled header %s reached the upstream", name)
			}
		}
		a.verify(t, seen.Header.Get("X-Auth-Assertion"), "crm")
	})

	// One code, submitted at once through both replicas: it signs in
	// once. As many submits as the code has attempts: each is counted and
	// checked, and exactly one consumes the code. With more submits than
	// attempts, the ones past the limit kill the code, maybe before any
	// right one consumes it (the attempt limit at work): at most one wins.
	for _, submits := range []int{a.cfg.OTP.MaxAttempts, 50} {
		t.Run(fmt.Sprintf("a code succeeds once under %d concurrent submits across replicas", submits), func(t *testing.T) {
			c := a.newClient(t)
			c.login(crmHost, alice).wantStatus(t, http.StatusOK)
			code := a.sms.code(t, alice.phone)
			cookie := c.cookie()
			var mu sync.Mutex
			wins := 0
			answers := map[string]int{}
			var wg sync.WaitGroup
			for i := 0; i < submits; i++ {
				h := a
				if i%2 == 1 {
					h = b
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := h.clientWithCookie(t, cookie).api(crmHost, "otp", map[string]string{"code": code})
					mu.Lock()
					defer mu.Unlock()
					answers[fmt.Sprintf("%d %s", r.status, r.body)]++
					if r.status == http.StatusOK {
						wins++
					}
				}()
			}
			wg.Wait()
			if wins > 1 || (wins == 0 && submits <= a.cfg.OTP.MaxAttempts) {
				t.Fatalf("%d of %d submits of one code succeeded, want 1; answers: %v", wins, submits, answers)
			}
			for answer := range answers {
				if !strings.HasPrefix(answer, "200 ") && !strings.Contains(answer, `"code_expired"`) && !strings.Contains(answer, `"no_pending_code"`) {
					t.Fatalf("a losing submit was answered %s, want code_expired or no_pending_code; answers: %v", answer, answers)
				}
			}
		})
	}

	t.Run("a planted pre-login cookie never becomes a session", func(t *testing.T) {
		attacker := a.newClient(t)
		attacker.api(smsHost, "sms/start", map[string]string{"phone": "+12015550177"}).wantStatus(t, http.StatusOK)
		planted := attacker.cookie()
		if planted == "" {
			t.Fatal("no pre-login cookie")
		}
		victim := b.clientWithCookie(t, planted)
		victim.signIn(crmHost, alice)
		if victim.cookie() == planted {
			t.Fatal("the planted cookie was kept through login")
		}
		a.clientWithCookie(t, planted).get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	})

	t.Run("unknown, wrong and disabled look the same", func(t *testing.T) {
		var bodies []string
		for _, creds := range [][2]string{{"nobody", "x-password"}, {carol.name, "wrong-password"}, {dave.name, dave.password}} {
			r := b.newClient(t).api(publicHost, "login", map[string]string{"username": creds[0], "password": creds[1]})
			r.wantError(t, http.StatusUnauthorized, "invalid_credentials")
			bodies = append(bodies, string(r.body))
		}
		if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
			t.Errorf("login failures differ:\n%s", strings.Join(bodies, "\n"))
		}
	})

	t.Run("open redirects fall back to /", func(t *testing.T) {
		c := a.newClient(t)
		for _, rd := range []string{"//evil.example.net/", "https://evil.example.net/", "/\\evil.example.net", "https://crm.example.com@evil.example.net/"} {
			r := c.form(appHost, "/login", url.Values{"username": {alice.name}, "password": {alice.password}, "rd": {rd}})
			if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != "/" {
				t.Errorf("rd %q: %d Location %q, want 303 /", rd, r.status, loc)
			}
		}
	})

	t.Run("redis down fails closed, then recovers", func(t *testing.T) {
		c := a.newClient(t)
		c.signIn(crmHost, alice)
		c.get(crmHost, "/").wantStatus(t, http.StatusOK)
		before := a.up.count()
		srv.Stop()
		start := time.Now()
		c.get(crmHost, "/").wantError(t, http.StatusServiceUnavailable, "store_unavailable")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("503 took %s", d)
		}
		if a.up.count() != before {
			t.Error("a request reached the upstream while the store was down")
		}
		srv.Restart()
		deadline := time.Now().Add(10 * time.Second)
		for {
			r := c.get(publicHost, "/")
			if r.status == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no recovery after Redis came back")
			}
			time.Sleep(100 * time.Millisecond)
		}
		// The session was lost with the unpersisted Redis: sign in again.
		c.signIn(crmHost, alice)
		c.get(crmHost, "/").wantStatus(t, http.StatusOK)
	})
}
