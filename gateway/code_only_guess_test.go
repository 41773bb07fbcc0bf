package gateway_test

import (
	"net/http"
	"testing"
)

// TestCodeOnlyGuessesBetweenPasswordSignInsReachABan: someone who has
// bob's password guesses his text-message code through code-only sign-in
// (the sms route), three at a time, signing in with the password alone on
// a password route between rounds; a right guess, followed by the
// password in the same session, would meet the two-factor route. The
// right password forgot the account's count, and the sign-in its run
// and the known browser's, so the rounds went on without end, in a fresh
// browser each round and in the browser that signed in alike. The wrong
// codes now count against a factor the password does not forget (the
// text-message factor itself for the browser that signed in as bob; the
// code-only count for any other): the second round's guesses ban it, and
// the next code-only start is refused before a code is sent. Bob's own
// browser, which signed in with his code before, is not held by a ban
// strangers cause.
func TestCodeOnlyGuessesBetweenPasswordSignInsReachABan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fresh bool // a new browser for each round
	}{
		{"a fresh browser each round", true},
		{"the browser that signed in with the password", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			owner := h.newClient(t)
			owner.signIn(crmHost, bob) // password and code: a known browser
			thief := h.newClient(t)
			thief.signIn(appHost, bob)
			for round := 0; round < 2; round++ {
				if tc.fresh {
					thief = h.newClient(t)
				}
				thief.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
				for i := 0; i < 3; i++ {
					if r := thief.api(smsHost, "otp", map[string]string{"code": "000000"}); r.status == http.StatusOK {
						t.Fatal("000000 was the code: the test shows nothing")
					}
				}
				thief.signIn(appHost, bob) // the password alone
			}
			if tc.fresh {
				thief = h.newClient(t)
			}
			sent := h.sms.count(t)
			r := thief.api(smsHost, "sms/start", map[string]string{"phone": bob.phone})
			if r.status != http.StatusTooManyRequests || r.errorCode(t) != "banned" || h.sms.count(t) != sent {
				t.Fatalf("after 6 wrong code-only codes between password sign-ins: %d %s, %d new SMS; want 429 banned, none sent", r.status, r.body, h.sms.count(t)-sent)
			}
			// The password alone still signs in where it is all a route
			// asks.
			h.newClient(t).signIn(appHost, bob)
			if tc.fresh {
				// Bob's own browser signs in with a code as before.
				owner.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
				owner.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)}).wantStatus(t, http.StatusOK)
			}
		})
	}
}
