package gateway_test

import (
	"net/http"
	"testing"
)

// TestCodeGuessesAfterThePasswordReachABan: someone who has bob's
// password guesses the text-message code of the two-factor route three
// at a time, signing in with the password alone on a password route
// between rounds (which ended the account's count and its run towards a
// lock). The wrong codes count against bob's text-message factor too,
// which the password does not forget: the second round's guesses ban it,
// and the next sign-in on the two-factor route is refused before a code
// is sent. Before, the rounds went on without end.
func TestCodeGuessesAfterThePasswordReachABan(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	thief := h.newClient(t)
	for round := 0; round < 2; round++ {
		r := thief.login(crmHost, bob)
		r.wantStatus(t, http.StatusOK)
		if got := r.jsonMap(t)["status"]; got != "otp_required" {
			t.Fatalf("round %d: %v, want otp_required", round, got)
		}
		for i := 0; i < 3; i++ {
			if r := thief.api(crmHost, "otp", map[string]string{"code": "000000"}); r.status == http.StatusOK {
				t.Fatal("000000 was the code: the test shows nothing")
			}
		}
		thief.signIn(appHost, bob) // the password alone: the account's count ends
	}
	sent := h.sms.count(t)
	r := thief.login(crmHost, bob)
	if r.status != http.StatusTooManyRequests || r.errorCode(t) != "banned" || h.sms.count(t) != sent {
		t.Fatalf("after 6 wrong codes between password sign-ins: %d %s, %d new SMS; want 429 banned, none sent", r.status, r.body, h.sms.count(t)-sent)
	}
	// The ban is the factor's: the password alone still signs in where
	// it is all a route asks.
	other := h.newClient(t)
	other.signIn(appHost, bob)
}

// TestCodeGuessesAfterAVerifiedPasskeyReachABan: someone holding bob's
// passkey, which verifies its user (a synced passkey taken with the
// account it syncs through, unlocked by the thief's own fingerprint),
// signs in without the password and guesses the text-message code that
// the sms route steps up to, three at a time, signing in with the key
// again between rounds (which ended the account's count and its run, and
// the known device's). A user-verified passkey stands in for the
// password (docs/contract.md, "Policies"), so those wrong codes count
// against bob's text-message factor as they would after the password:
// the second round's guesses ban it, and the next step-up sends nothing.
// Before, they counted against the account and the browser only, which
// each sign-in with the key forgot: the rounds went on without end.
func TestCodeGuessesAfterAVerifiedPasskeyReachABan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	owner := h.newClient(t)
	owner.signIn(crmHost, bob)
	key := registerPasskey(t, owner, "Synced")
	thief := h.newClient(t)
	for round := 0; round < 2; round++ {
		usePasskey(t, thief, key, true).wantStatus(t, http.StatusOK)
		thief.api(smsHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
		for i := 0; i < 3; i++ {
			if r := thief.api(smsHost, "otp", map[string]string{"code": "000000"}); r.status == http.StatusOK {
				t.Fatal("000000 was the code: the test shows nothing")
			}
		}
	}
	usePasskey(t, thief, key, true).wantStatus(t, http.StatusOK)
	sent := h.sms.count(t)
	r := thief.api(smsHost, "otp/resend", nil)
	if r.status != http.StatusTooManyRequests || r.errorCode(t) != "banned" || h.sms.count(t) != sent {
		t.Fatalf("after 6 wrong codes between passkey sign-ins: %d %s, %d new SMS; want 429 banned, none sent", r.status, r.body, h.sms.count(t)-sent)
	}
	// The ban is the factor's: the key still signs in where it is all a
	// route asks, and so does the password.
	usePasskey(t, h.newClient(t), key, true).wantStatus(t, http.StatusOK)
	h.newClient(t).signIn(appHost, bob)
}
