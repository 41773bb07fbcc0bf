package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestCodePageTellsTheTruth: the code page warns before the last try,
// says "Too many wrong codes" (not "expired") after it with Send a new
// code as the way on, confirms a new code was sent and where, and a
// refused resend does not mark the code field (docs/contract.md, "Portal
// pages").
func TestCodePageTellsTheTruth(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	code := h.sms.code(t, alice.phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	var r reply
	for i := 1; i <= 4; i++ {
		r = c.form(crmHost, "/otp", url.Values{"code": {wrong}})
	}
	if !strings.Contains(string(r.body), "You have one more try") || !strings.Contains(string(r.body), `aria-invalid="true"`) {
		t.Fatalf("4th wrong code: %d\n%s", r.status, r.body)
	}
	r = c.form(crmHost, "/otp", url.Values{"code": {wrong}})
	body := string(r.body)
	if r.status != http.StatusGone || !strings.Contains(body, "Too many wrong codes — send a new code.") || strings.Contains(body, "expired") || strings.Contains(body, `id="code"`) {
		t.Fatalf("5th wrong code: %d\n%s", r.status, body)
	}
	h.clock.Advance(time.Minute)
	sent := h.sms.count(t)
	r = c.form(crmHost, "/otp/resend", url.Values{})
	if r.status != http.StatusSeeOther {
		t.Fatalf("resend: %d %s", r.status, r.body)
	}
	if h.sms.count(t) != sent+1 {
		t.Fatal("no new code sent")
	}
	r = c.browse(crmHost, r.header.Get("Location"))
	if !strings.Contains(string(r.body), `role="status"`) || !strings.Contains(string(r.body), "We sent a new code to &#43;1 ••• ••• 0100.") {
		t.Fatalf("after resend: %d\n%s", r.status, r.body)
	}
	// Too early: refused, and the code field is not said to be wrong.
	r = c.form(crmHost, "/otp/resend", url.Values{})
	if r.status != http.StatusTooManyRequests || strings.Contains(string(r.body), `aria-invalid="true"`) {
		t.Fatalf("resend too early: %d\n%s", r.status, r.body)
	}
}

// TestLoginWarnsBeforeTheBan: the wrong password before the one that
// bans says so, for an unknown name alike (it tells nothing); the ban
// says how long and offers the reset (docs/contract.md, "Portal pages").
func TestLoginWarnsBeforeTheBan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	for _, name := range []string{"alice", "nobody-at-all"} {
		c := h.newClient(t)
		var r reply
		for range 4 {
			r = c.form(crmHost, "/login", url.Values{"username": {name}, "password": {"wrong"}})
		}
		if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "One more wrong try and signing in is blocked for 15 minutes.") || !strings.Contains(string(r.body), prefix+"/reset") {
			t.Fatalf("%s, 4th wrong password: %d\n%s", name, r.status, r.body)
		}
		c.form(crmHost, "/login", url.Values{"username": {name}, "password": {"wrong"}})
		r = c.form(crmHost, "/login", url.Values{"username": {name}, "password": {"wrong"}})
		if r.status != http.StatusTooManyRequests || !strings.Contains(string(r.body), "Try again in 15 minutes.") || !strings.Contains(string(r.body), "Reset your password") {
			t.Fatalf("%s, banned: %d\n%s", name, r.status, r.body)
		}
	}
}
