package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestTOTPEnrolmentsFinishedAtOnceKeepOneApp: two sessions of bob's,
// each with fresh proofs (the owner's two browsers, or the owner and a
// SIM swapper with the password), set up an authenticator app at the
// same moment: the first's code is checked and its secret a round trip
// from being written when the second starts its own (the account has
// no app yet) and confirms it. Before, both answered 200 and the
// secret written last was the account's: the other person was told
// their app was set up, and its codes never worked (and a thief's
// secret written last replaced the owner's without a word). An account
// has one app: a secret is made the account's only while it has none,
// decided with the write, and the other confirmation is 409
// totp_enrolled (docs/contract.md, "Authenticator apps").
func TestTOTPEnrolmentsFinishedAtOnceKeepOneApp(t *testing.T) {
	t.Parallel()
	st, h := newHeldHarness(t, withAccounts, withTOTP)
	first, second := h.newClient(t), h.newClient(t)
	first.signIn(crmHost, bob)
	second.signIn(crmHost, bob)
	start := func(c *client) string {
		r := c.api(authHost, "totp-app", map[string]string{})
		r.wantStatus(t, http.StatusOK)
		secret, _ := r.jsonMap(t)["secret"].(string)
		return secret
	}

	firstSecret := start(first)
	firstCode := appCodeAt(t, firstSecret, h.clock.Now())
	// The first's write of its secret as the account's app, its code
	// checked (and its step claimed).
	st.arm(func(op, key string) bool {
		return (op == "set" || op == "cas") && strings.HasPrefix(key, "totp:") && !strings.HasSuffix(key, ":p")
	})
	firstDone := make(chan reply, 1)
	go func() { firstDone <- first.api(authHost, "totp-app", map[string]string{"code": firstCode}) }()
	var secondSecret string
	firstR, secondR := whileHeld(t, st, firstDone, func() reply {
		secondSecret = start(second)
		// A later step than the first's, within the window.
		return second.api(authHost, "totp-app", map[string]string{"code": appCodeAt(t, secondSecret, h.clock.Now().Add(auth.TOTPPeriod))})
	})

	if firstR.status == http.StatusOK && secondR.status == http.StatusOK {
		t.Fatalf("both enrolments answered 200: two people were told their app is bob's")
	}
	kept := firstSecret
	if secondR.status == http.StatusOK {
		kept = secondSecret
		firstR.wantError(t, http.StatusConflict, "totp_enrolled")
	} else {
		firstR.wantStatus(t, http.StatusOK)
		secondR.wantError(t, http.StatusConflict, "totp_enrolled")
	}
	// The app answered 200 signs bob in.
	h.clock.Advance(2 * auth.TOTPPeriod)
	c := h.newClient(t)
	c.login(crmHost, bob).wantStatus(t, http.StatusOK)
	c.api(crmHost, "totp", map[string]string{"code": appCodeAt(t, kept, h.clock.Now())}).wantStatus(t, http.StatusOK)
}
