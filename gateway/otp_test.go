package gateway_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// wrongCode returns a code of the right length that is not code.
func wrongCode(code string, i int) string {
	w := strings.Repeat(strconv.Itoa(i%10), len(code))
	if w == code {
		w = strings.Repeat(strconv.Itoa((i+1)%10), len(code))
	}
	return w
}

// TestOTPAttemptsKillTheChallenge checks that five wrong codes end the
// challenge: even the right code is refused afterwards.
func TestOTPAttemptsKillTheChallenge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	code := h.sms.code(t, alice.phone)

	for i := 1; i <= 4; i++ {
		c.api(crmHost, "otp", map[string]string{"code": wrongCode(code, i)}).wantError(t, http.StatusUnauthorized, "invalid_code")
	}
	c.api(crmHost, "otp", map[string]string{"code": wrongCode(code, 5)}).wantError(t, http.StatusGone, "code_expired")
	c.api(crmHost, "otp", map[string]string{"code": code}).wantError(t, http.StatusGone, "code_expired")
	c.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")

	// A new code (the dead challenge is replaced) works.
	h.clock.Advance(31 * time.Second)
	c.api(crmHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
	c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
	c.get(crmHost, "/").wantStatus(t, http.StatusOK)
}

// TestOTPExpires checks that a code stops working after otp.ttl.
func TestOTPExpires(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	code := h.sms.code(t, alice.phone)
	h.clock.Advance(h.cfg.OTP.TTL + time.Second)
	c.api(crmHost, "otp", map[string]string{"code": code}).wantError(t, http.StatusGone, "code_expired")
	c.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
}

// TestOTPResend checks the cooldown and that a resent code replaces the
// old one.
func TestOTPResend(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	first := h.sms.code(t, alice.phone)

	h.clock.Advance(10 * time.Second)
	r := c.api(crmHost, "otp/resend", nil)
	r.wantError(t, http.StatusTooManyRequests, "rate_limited")
	if got := r.header.Get("Retry-After"); got != "20" {
		t.Errorf("Retry-After = %q, want 20 (30 s cooldown, 10 s gone)", got)
	}
	// The form says the same, in words: how long to wait.
	r = c.form(crmHost, "/otp/resend", url.Values{})
	r.wantStatus(t, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "20" || !strings.Contains(string(r.body), "Wait 20 seconds before asking for a new code.") {
		t.Errorf("resend form during cooldown: Retry-After %q\n%s", r.header.Get("Retry-After"), r.body)
	}
	if n := h.sms.count(t); n != 1 {
		t.Fatalf("%d SMS sent, want 1 (resends were refused)", n)
	}

	h.clock.Advance(21 * time.Second)
	r = c.api(crmHost, "otp/resend", nil)
	r.wantStatus(t, http.StatusOK)
	otp, _ := r.jsonMap(t)["otp"].(map[string]any)
	if otp["resend_in"] != float64(30) || otp["expires_in"] != float64(300) {
		t.Errorf("resend otp = %v", otp)
	}
	second := h.sms.code(t, alice.phone)
	if h.sms.count(t) != 2 {
		t.Fatal("resend sent no SMS")
	}
	if second != first {
		c.api(crmHost, "otp", map[string]string{"code": first}).wantError(t, http.StatusUnauthorized, "invalid_code")
	}
	c.api(crmHost, "otp", map[string]string{"code": second}).wantStatus(t, http.StatusOK)
	c.get(crmHost, "/").wantStatus(t, http.StatusOK)
}

// TestOTPResendWithoutLogin checks that a resend needs a pending login or
// a signed-in session.
func TestOTPResendWithoutLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.newClient(t).api(crmHost, "otp/resend", nil).wantError(t, http.StatusBadRequest, "no_pending_code")
	if h.sms.count(t) != 0 {
		t.Error("a resend without a login sent an SMS")
	}
}

// TestOTPConcurrentSubmits races one right code from many requests with
// the same cookie: exactly one may sign in.
func TestOTPConcurrentSubmits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	id := c.cookie()
	code := h.sms.code(t, alice.phone)

	const n = 20
	replies := make([]reply, n)
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = h.clientWithCookie(t, id)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i] = clients[i].api(crmHost, "otp", map[string]string{"code": code})
		}()
	}
	close(start)
	wg.Wait()

	winners := 0
	var winner *client
	for i, r := range replies {
		switch {
		case r.status == http.StatusOK:
			winners++
			winner = clients[i]
		case r.status >= 400 && r.status < 500:
			r.errorCode(t)
		default:
			t.Errorf("reply %d: status %d %s", i, r.status, r.body)
		}
	}
	if winners != 1 {
		t.Fatalf("%d requests signed in with one code, want exactly 1", winners)
	}
	winner.get(crmHost, "/").wantStatus(t, http.StatusOK)
	for i, cl := range clients {
		if cl != winner {
			if r := cl.get(crmHost, "/"); r.status == http.StatusOK {
				t.Errorf("loser %d is signed in too", i)
			}
		}
	}
}
