package replicas

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestReplicasBehaveAsOne runs three gateway processes on one Redis and
// spreads each person's requests over them, as a load balancer without
// sticky sessions would.
func TestReplicasBehaveAsOne(t *testing.T) {
	t.Parallel()
	w := newWorld(t, redisConfig{addrs: []string{testredis.Start(t)}})
	a, b, c := w.start(t, "a"), w.start(t, "b"), w.start(t, "c")
	all := []*proc{a, b, c}

	t.Run("a session made on one works on all; logout on one ends it everywhere", func(t *testing.T) {
		u := newClient(t, "192.0.2.10")
		u.signIn(w, a, b, alice) // password on a, code on b
		for _, p := range all {
			r := u.get(p, "/reports")
			want(t, "signed-in request on "+p.name, r, http.StatusOK, "")
			var s seen
			if err := json.Unmarshal(r.body, &s); err != nil || s.User != "alice" || s.Methods != "pwd,sms" {
				t.Fatalf("app saw %+v (%v) through %s", s, err, p.name)
			}
			if s.RequestID == "" || s.RequestID != r.header.Get("X-Request-Id") {
				t.Errorf("app got X-Request-Id %q, the client %q", s.RequestID, r.header.Get("X-Request-Id"))
			}
		}
		// More requests and each replica answers this session from its
		// client cache (each replica's first request slid the idle expiry,
		// which Redis announces to every cache): the logout below must
		// still end it on all of them at once. A loaded machine can answer
		// the tracker's ping late, or deliver another replica's slide
		// after a read filled the cache, and then that request goes to
		// Redis; so ask until each replica has served a hit, for a while.
		deadline := time.Now().Add(5 * time.Second)
		for _, p := range all {
			for p.metric(t, "gatehouse_store_cache_hits_total") == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("%s: no client cache hit in 5s of requests with one session", p.name)
				}
				want(t, "another request on "+p.name, u.get(p, "/reports"), http.StatusOK, "")
				time.Sleep(10 * time.Millisecond)
			}
		}
		cookie := u.cookie
		want(t, "logout on c", u.api(c, "logout", nil), http.StatusOK, "")
		stale := newClient(t, "192.0.2.10")
		stale.cookie = cookie
		for _, p := range all {
			want(t, "old cookie on "+p.name+" after logout", stale.get(p, "/reports"), http.StatusUnauthorized, "unauthenticated")
		}
	})

	t.Run("wrong codes count across replicas", func(t *testing.T) {
		u := newClient(t, "192.0.2.11")
		sent := w.smsCount(t)
		want(t, "login", u.login(a, bob), http.StatusOK, "")
		right := w.code(t, bob.phone, sent)
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		// otp.max_attempts is 3: one wrong code on each replica uses them up.
		want(t, "wrong code on a", u.api(a, "otp", map[string]string{"code": wrong}), http.StatusUnauthorized, "invalid_code")
		want(t, "wrong code on b", u.api(b, "otp", map[string]string{"code": wrong}), http.StatusUnauthorized, "invalid_code")
		want(t, "last wrong code on c", u.api(c, "otp", map[string]string{"code": wrong}), http.StatusGone, "code_expired")
		want(t, "right code after the attempts ran out", u.api(a, "otp", map[string]string{"code": right}), http.StatusGone, "code_expired")
	})

	t.Run("the resend cooldown is shared", func(t *testing.T) {
		u := newClient(t, "192.0.2.12")
		want(t, "login on a", u.login(a, carol), http.StatusOK, "")
		r := u.api(b, "otp/resend", nil)
		want(t, "resend on b at once", r, http.StatusTooManyRequests, "rate_limited")
		if r.header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})

	t.Run("the send quota per phone is shared", func(t *testing.T) {
		// otp.max_sends is 5 per phone: five logins, over the three
		// replicas, get a code each; the sixth is refused.
		for i := range 5 {
			u := newClient(t, "192.0.2.13")
			want(t, "login", u.login(all[i%3], dave), http.StatusOK, "")
		}
		u := newClient(t, "192.0.2.13")
		want(t, "sixth login", u.login(c, dave), http.StatusTooManyRequests, "rate_limited")
	})

	t.Run("bans are shared", func(t *testing.T) {
		// regulation.max_failures is 5: wrong passwords spread over the
		// replicas ban the name on all of them, even with the right one.
		u := newClient(t, "192.0.2.14")
		for i := range 5 {
			r := u.api(all[i%3], "login", map[string]string{"username": erin.name, "password": "wrong-" + erin.password})
			if r.status != http.StatusUnauthorized && r.status != http.StatusTooManyRequests {
				t.Fatalf("wrong password %d: %s", i+1, r)
			}
		}
		for _, p := range all {
			fresh := newClient(t, "192.0.2.15")
			want(t, "right password on "+p.name+" while banned", fresh.login(p, erin), http.StatusTooManyRequests, "banned")
		}
		var bans float64
		for _, p := range all {
			bans += p.metric(t, "gatehouse_bans_total")
		}
		if bans != 1 {
			t.Errorf("gatehouse_bans_total summed over the replicas = %v, want 1", bans)
		}
	})

	t.Run("logs are JSON, carry request ids and audit events, and no secrets", func(t *testing.T) {
		events := map[string]bool{}
		for _, p := range all {
			for _, l := range p.logLines(t) {
				if l["msg"] == "request" && l["request_id"] == nil {
					t.Errorf("%s: access log line without request_id: %v", p.name, l)
				}
				if l["msg"] == "audit" {
					events[l["event"].(string)] = true
					if l["request_id"] == nil || l["ip"] == nil {
						t.Errorf("%s: audit event without request_id or ip: %v", p.name, l)
					}
				}
			}
			text := p.logText()
			for _, secret := range []string{alice.password, bob.password, erin.password, alice.phone} {
				if strings.Contains(text, secret) {
					t.Errorf("%s logged a secret or a full phone number", p.name)
				}
			}
			for _, m := range w.smsLines(t) {
				if code := codeRE.FindString(m.Body); code != "" && strings.Contains(text, `"`+code+`"`) {
					t.Errorf("%s logged a code", p.name)
				}
			}
		}
		for _, e := range []string{"login_succeeded", "login_failed", "otp_sent", "otp_verified", "otp_failed", "banned", "logout"} {
			if !events[e] {
				t.Errorf("no %s audit event in any log", e)
			}
		}
	})
}
