package gateway_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

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
