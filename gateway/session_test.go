package gateway_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestSessionLifetimes checks the idle and absolute timeouts and
// remember-me as a user meets them.
func TestSessionLifetimes(t *testing.T) {
	t.Parallel()

	t.Run("idle timeout", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.newClient(t)
		c.signIn(appHost, bob)
		// Activity keeps the session alive past one idle period.
		for range 3 {
			h.clock.Advance(20 * time.Minute)
			c.get(appHost, "/").wantStatus(t, http.StatusOK)
		}
		h.clock.Advance(h.cfg.Session.IdleTimeout + time.Second)
		c.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	})

	t.Run("absolute timeout", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.newClient(t)
		c.signIn(appHost, bob)
		for elapsed := time.Duration(0); elapsed < h.cfg.Session.AbsoluteTimeout-25*time.Minute; elapsed += 25 * time.Minute {
			h.clock.Advance(25 * time.Minute)
			c.get(appHost, "/").wantStatus(t, http.StatusOK)
		}
		h.clock.Advance(25 * time.Minute)
		c.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	})

	t.Run("remember me", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.newClient(t)
		r := c.api(appHost, "login", map[string]any{"username": "bob", "password": bob.password, "remember_me": true})
		r.wantStatus(t, http.StatusOK)
		want := "Max-Age=" + strconv.Itoa(int(h.cfg.Session.RememberMe/time.Second))
		if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
		h.clock.Advance(3 * time.Hour) // far past the idle timeout
		c.get(appHost, "/").wantStatus(t, http.StatusOK)
		h.clock.Advance(h.cfg.Session.RememberMe)
		c.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	})

	t.Run("secure cookie by default", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Session.Secure = true }})
		r := h.newClient(t).login(appHost, bob)
		r.wantStatus(t, http.StatusOK)
		if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, "; Secure") {
			t.Errorf("Set-Cookie %q is not Secure", sc)
		}
	})
}

// TestSendQuota checks otp.max_sends per phone number.
func TestSendQuota(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	for i := 2; i <= h.cfg.OTP.MaxSends.Count; i++ {
		h.clock.Advance(h.cfg.OTP.ResendCooldown)
		c.api(crmHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
	}
	if n := h.sms.count(t); n != h.cfg.OTP.MaxSends.Count {
		t.Fatalf("%d SMS sent, want %d", n, h.cfg.OTP.MaxSends.Count)
	}
	h.clock.Advance(h.cfg.OTP.ResendCooldown)
	r := c.api(crmHost, "otp/resend", nil)
	r.wantError(t, http.StatusTooManyRequests, "rate_limited")
	retry, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || retry <= 0 || time.Duration(retry)*time.Second > h.cfg.OTP.MaxSends.Window {
		t.Errorf("Retry-After = %q, want the rest of the quota window", r.header.Get("Retry-After"))
	}
	// Another login to the same phone is refused too, without sending.
	h.newClient(t).login(crmHost, alice).wantError(t, http.StatusTooManyRequests, "rate_limited")
	if n := h.sms.count(t); n != h.cfg.OTP.MaxSends.Count {
		t.Errorf("%d SMS sent past the quota", n-h.cfg.OTP.MaxSends.Count)
	}
	// The last code sent still works.
	c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)

	h.clock.Advance(h.cfg.OTP.MaxSends.Window)
	h.newClient(t).login(crmHost, alice).wantStatus(t, http.StatusOK)
}

// TestBruteForceBan checks that repeated wrong passwords ban the account
// for a while, even against the right password.
func TestBruteForceBan(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	for i := 1; i < h.cfg.Regulation.MaxFailures; i++ {
		c.api(appHost, "login", map[string]string{"username": "bob", "password": "guess-" + strconv.Itoa(i)}).
			wantError(t, http.StatusUnauthorized, "invalid_credentials")
	}
	r := c.api(appHost, "login", map[string]string{"username": "bob", "password": "last-guess"})
	if r.status != http.StatusUnauthorized && r.status != http.StatusTooManyRequests {
		t.Fatalf("failure %d: status %d", h.cfg.Regulation.MaxFailures, r.status)
	}
	r = c.login(appHost, bob)
	r.wantError(t, http.StatusTooManyRequests, "banned")
	retry, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || retry <= 0 || time.Duration(retry)*time.Second > h.cfg.Regulation.BanTime {
		t.Errorf("Retry-After = %q, want up to ban_time", r.header.Get("Retry-After"))
	}
	// Other accounts are not locked out by bob's attacker.
	h.newClient(t).signIn(appHost, alice)

	h.clock.Advance(h.cfg.Regulation.BanTime + time.Second)
	h.newClient(t).signIn(appHost, bob)
}

// TestProxyHostMatching checks that the Host header is normalised before
// routes are matched, and preserve_host.
func TestProxyHostMatching(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, up string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "keep", Host: "keep.example.com", PathPrefix: "/", Upstream: up, Policy: "bypass", PreserveHost: true})
	}})
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	for _, host := range []string{"CRM.EXAMPLE.COM", "crm.example.com:8080", "crm.example.com.", "Crm.Example.Com.:443"} {
		t.Run(host, func(t *testing.T) {
			c.get(host, "/x").wantStatus(t, http.StatusOK)
			h.verify(t, h.up.last(t).Header.Get("X-Auth-Assertion"), "crm")
			h.newClient(t).get(host, "/x").wantError(t, http.StatusUnauthorized, "unauthenticated")
		})
	}
	c.get("Keep.Example.com:8443", "/x").wantStatus(t, http.StatusOK)
	if got := h.up.last(t).Host; got != "Keep.Example.com:8443" {
		t.Errorf("preserve_host: upstream Host %q, want the client's", got)
	}
}

// TestPasswordSprayingBansTheClient checks the per-IP ban (10 ×
// max_failures across any names), and that a client cannot dodge it with
// X-Forwarded-For unless it is a trusted proxy.
func TestPasswordSprayingBansTheClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		trusted []string
		// sprayFrom gives the X-Forwarded-For of the i-th guess.
		sprayFrom func(i int) string
		// otherClient is an address whose login must still work, "" if none.
		otherClient string
	}{
		{"client behind a trusted proxy", []string{"127.0.0.1/32"}, func(int) string { return "198.51.100.1" }, "198.51.100.2"},
		{"untrusted client rotating X-Forwarded-For", []string{"10.0.0.0/8"}, func(i int) string { return "203.0.113." + strconv.Itoa(i) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = tt.trusted }})
			login := func(xff, user, password string) reply {
				return h.newClient(t).do(request{method: http.MethodPost, host: appHost, path: prefix + "/api/login",
					body: strings.NewReader(`{"username":"` + user + `","password":"` + password + `"}`), contentType: "application/json",
					header: http.Header{"X-Forwarded-For": {xff}}})
			}
			limit := 10 * h.cfg.Regulation.MaxFailures
			for i := range limit {
				r := login(tt.sprayFrom(i), "sprayed-"+strconv.Itoa(i), "Winter2024!")
				if r.status != http.StatusUnauthorized {
					t.Fatalf("guess %d: status %d %s", i, r.status, r.body)
				}
			}
			login(tt.sprayFrom(limit), "alice", alice.password).wantError(t, http.StatusTooManyRequests, "banned")
			if tt.otherClient != "" {
				login(tt.otherClient, "alice", alice.password).wantStatus(t, http.StatusOK)
			}
		})
	}
}
