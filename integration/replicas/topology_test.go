package replicas

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestSentinelFailover runs two gateways on a Sentinel-managed Redis
// (store.redis.master_name) and kills the master under traffic: while the
// sentinels fail over, requests get 503 quickly and nobody gets in; then
// service resumes by itself on the promoted replica, with the sessions
// that were replicated, and new logins work.
func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	s := testredis.NewSentinel(t)
	w := newWorld(t, redisConfig{addrs: s.Addrs, masterName: s.MasterName})
	a, b := w.start(t, "a"), w.start(t, "b")
	waitReady(t, http.StatusOK, 5*time.Second, a, b)
	u := newClient(t, "203.0.113.1")
	u.signIn(w, a, b, alice)
	want(t, "before the failover", u.get(b, "/reports"), http.StatusOK, "")
	if err := s.WaitSynced(10 * time.Second); err != nil {
		t.Fatal(err)
	}

	tr := startTraffic(t, u.cookie, time.Second+w.opTimeout, a, b)
	defer tr.end()
	time.Sleep(300 * time.Millisecond)
	if c := tr.snapshot(); c["signed-in 200"] == 0 {
		t.Fatalf("before the failover: %v", c)
	}

	old := s.MasterServer(t)
	old.Kill()
	killed := time.Now()
	if _, err := s.WaitNewMaster(old.Addr, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	promoted := time.Since(killed)
	// Service resumes without any restart: the signed-in client's requests
	// succeed again on both gateways.
	deadline := time.Now().Add(15 * time.Second)
	for {
		okA, okB := u.get(a, "/reports").status == http.StatusOK, u.get(b, "/reports").status == http.StatusOK
		if okA && okB {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateways still fail 15s after the sentinels promoted a new master: %v", tr.snapshot())
		}
		time.Sleep(100 * time.Millisecond)
	}
	during := tr.snapshot()
	t.Logf("master killed; sentinels promoted the replica after %v; service back after %v; answers meanwhile: %v",
		promoted.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond), during)
	for k := range during {
		if k != "signed-in 200" && k != "signed-in 503" && k != "anonymous 401" && k != "anonymous 503" {
			t.Errorf("unexpected answers during the failover: %s", k)
		}
	}

	fresh := newClient(t, "203.0.113.2")
	fresh.signIn(w, b, a, bob)
	want(t, "new login after the failover", fresh.get(a, "/reports"), http.StatusOK, "")
}

// TestCluster runs two gateways on a three-master Redis Cluster (several
// store.redis.addrs): the whole login flow works across them, and its keys
// land on more than one master.
func TestCluster(t *testing.T) {
	t.Parallel()
	c := testredis.NewCluster(t, 3)
	w := newWorld(t, redisConfig{addrs: c.Addrs})
	a, b := w.start(t, "a"), w.start(t, "b")
	waitReady(t, http.StatusOK, 5*time.Second, a, b)

	for i, u := range []user{alice, bob, carol} {
		cl := newClient(t, "203.0.113.10")
		first, second := a, b
		if i%2 == 1 {
			first, second = b, a
		}
		cl.signIn(w, first, second, u)
		want(t, u.name+" on a", cl.get(a, "/reports"), http.StatusOK, "")
		want(t, u.name+" on b", cl.get(b, "/reports"), http.StatusOK, "")
		want(t, "logout", cl.api(second, "logout", nil), http.StatusOK, "")
		want(t, u.name+" after logout", cl.get(first, "/reports"), http.StatusUnauthorized, "unauthenticated")
	}
	// A wrong code and a wrong password exercise the counters too.
	cl := newClient(t, "203.0.113.11")
	sent := w.smsCount(t)
	want(t, "login", cl.login(a, dave), http.StatusOK, "")
	right := w.code(t, dave.phone, sent)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	want(t, "wrong code", cl.api(b, "otp", map[string]string{"code": wrong}), http.StatusUnauthorized, "invalid_code")
	want(t, "right code", cl.api(a, "otp", map[string]string{"code": right}), http.StatusOK, "")
	want(t, "wrong password", newClient(t, "203.0.113.12").api(b, "login", map[string]string{"username": "erin", "password": "nope-nope"}), http.StatusUnauthorized, "invalid_credentials")

	holding := 0
	for _, n := range c.KeysPerNode(t) {
		if n > 0 {
			holding++
		}
	}
	if holding < 2 {
		t.Errorf("the gateways' keys are on %d of 3 masters, want them spread", holding)
	}
}
