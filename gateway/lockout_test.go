package gateway_test

import (
	"net/http"
	"testing"
)

// TestAnonymousCodesCannotLockOutALogin: an outsider asks for password
// reset codes and passwordless codes to alice's number until its send
// quota (otp.max_sends, 5 an hour) is spent; alice then signs in with the
// right password and still gets her code, because sends that follow a
// proof have their own budget (before, she got 429 for an hour, renewable
// by the outsider every hour).
func TestAnonymousCodesCannotLockOutALogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	outsider := h.newClient(t)
	for i := 0; i < 6; i++ {
		r := outsider.api(appHost, "reset", map[string]string{"username": "alice"})
		if r.status != http.StatusOK && r.status != http.StatusTooManyRequests {
			t.Fatalf("reset %d: %d %s", i, r.status, r.body)
		}
		outsider.api(smsHost, "sms/start", map[string]string{"phone": alice.phone})
	}
	if r := outsider.api(smsHost, "sms/start", map[string]string{"phone": alice.phone}); r.status != http.StatusTooManyRequests {
		t.Fatalf("the anonymous budget is not spent (%d): the test shows nothing", r.status)
	}
	sent := h.sms.count(t)

	alices := h.newClient(t)
	r := alices.login(crmHost, alice)
	r.wantStatus(t, http.StatusOK)
	if got := r.jsonMap(t)["status"]; got != "otp_required" || h.sms.count(t) != sent+1 {
		t.Fatalf("alice's login after the outsider: %v, %d new SMS; want her code sent", got, h.sms.count(t)-sent)
	}
	alices.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
}
