package gateway_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestSMSBudgetCapsAnonymousSends: codes asked for anonymously (here,
// code-only sign-ins to a run of numbers in one range, as SMS pumping
// does) stop at otp.budget's cap for the number prefix, with 503
// sms_budget_exhausted and an audit event; a person who proved the
// password still gets their code.
func TestSMSBudgetCapsAnonymousSends(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	h := newHarness(t, withAccounts, setup{logger: slog.New(slog.NewJSONHandler(logs, nil)), edit: func(cfg *config.Config, _ string) {
		cfg.Users.Backend = "redis"
		cfg.OTP.Budget.PerPrefixPerHour = 3
	}})
	pump := h.newClient(t)
	for _, number := range []string{"+12015550170", "+12015550171", "+12015550172"} {
		pump.api(smsHost, "sms/start", map[string]string{"phone": number}).wantStatus(t, http.StatusOK)
	}
	pump.api(smsHost, "sms/start", map[string]string{"phone": "+12015550173"}).wantError(t, http.StatusServiceUnavailable, "sms_budget_exhausted")
	if !strings.Contains(logs.String(), `"event":"sms_budget_exhausted"`) {
		t.Errorf("no sms_budget_exhausted audit event:\n%s", logs.String())
	}
	// alice's number is in the same range; her password login is a proof.
	c := h.newClient(t)
	r := c.login(crmHost, alice)
	if r.status != http.StatusOK || r.jsonMap(t)["status"] != "otp_required" {
		t.Fatalf("alice's login after the budget ran out: %d %s", r.status, r.body)
	}
	h.sms.code(t, alice.phone)
}

// TestAnotherAccountsPasswordProvesNoNumber: bob, signed in with his own
// password, starts a code-only sign-in for alice's number in the same
// session and lets each code die. Restarting it on resend must not count
// as following a proof (bob's password proves nothing about alice's
// number): before, each resend took alice's proved budget, which only
// her own password may spend, and after five of them her right-password
// login got 429 for the hour; the same resends also escaped otp.budget.
func TestAnotherAccountsPasswordProvesNoNumber(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) { cfg.OTP.Budget.PerPrefixPerHour = 2 }})
	bobc := h.newClient(t)
	bobc.login(appHost, bob).wantStatus(t, http.StatusOK) // a password route: pwd only
	bobc.api(smsHost, "sms/start", map[string]string{"phone": alice.phone}).wantStatus(t, http.StatusOK)
	toAlice := func() (n int) {
		for _, m := range h.sms.messages(t) {
			if m.To == alice.phone {
				n++
			}
		}
		return n
	}
	before := toAlice()
	for range h.cfg.OTP.MaxSends.Count {
		h.clock.Advance(h.cfg.OTP.TTL + time.Second) // the code dies; no guess needed
		bobc.api(smsHost, "otp/resend", nil)
	}
	// The budget allows one more text to the range after the start.
	if n := toAlice() - before; n > 1 {
		t.Errorf("bob's resends texted alice's number %d times past otp.budget (per_prefix_per_hour 2)", n)
	}
	r := h.newClient(t).login(crmHost, alice)
	if r.status != http.StatusOK || r.jsonMap(t)["status"] != "otp_required" {
		t.Fatalf("alice's right-password login after bob's resends: %d %s; want her code sent", r.status, r.body)
	}
	h.sms.code(t, alice.phone)
}

// TestIPv6SiteSharesTheSendQuota: one holder of an IPv6 /48 (a tunnel
// broker gives one away; 65,536 /64s) asks code-only sign-ins from a new
// /64 each. Before, the per-client quota counted each /64 as a client of
// its own, so the /48 had 65,536 quotas: every request was 200 and went
// on to otp.budget, which it could spend alone. A /48 is one site and
// shares auth.IPv6SiteShare clients' quotas; a /64 keeps its own, and
// another /48 is not held up (docs/contract.md, "SMS delivery").
func TestIPv6SiteSharesTheSendQuota(t *testing.T) {
	t.Parallel()
	const perClient = 2
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
		cfg.OTP.MaxSendsPerIP.Count = perClient
	}})
	asks := siteAsks(0x77, perClient, http.StatusOK)
	sent := h.sms.count(t)
	for i, a := range asks {
		// Numbers no account has, in ranges of their own: decoys,
		// counted as sends, and no cap of otp.budget in the way.
		r := h.newClient(t).apiFrom(a.ip, smsHost, "sms/start", map[string]string{"phone": fmt.Sprintf("+1201%03d0100", 200+i)})
		if r.status != a.want {
			t.Fatalf("%s (%s): %d %s, want %d", a.name, a.ip, r.status, r.body, a.want)
		}
		if a.want == http.StatusTooManyRequests {
			r.wantError(t, a.want, "rate_limited")
		}
	}
	if n := h.sms.count(t) - sent; n != 0 {
		t.Errorf("%d texts to numbers without an account", n)
	}
}
