package gateway_test

import (
	"context"
	"net/http"
	"testing"
)

// TestResetStepTwoIsNoOracle: without the code, step two of a reset
// answers a new password equal to the account's email or phone exactly as
// any other password (before, it said "do not use your email", telling
// anyone that this email is alice's, with no code, no ban and nothing
// counted). With the right code that password is refused, and the code
// still works for a good one.
func TestResetStepTwoIsNoOracle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	c.api(appHost, "reset", map[string]string{"username": "alice"}).wantStatus(t, http.StatusOK)
	code := h.sms.code(t, alice.phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	// Three guesses: with the two tries below, within otp.max_attempts (5)
	// and under regulation.max_failures (5).
	for _, guess := range []string{alice.email, alice.phone, "some unrelated passphrase"} {
		r := h.newClient(t).api(appHost, "reset", map[string]string{"username": "alice", "code": wrong, "password": guess})
		r.wantError(t, http.StatusUnauthorized, "invalid_code")
	}
	c.api(appHost, "reset", map[string]string{"username": "alice", "code": code, "password": alice.email}).wantError(t, http.StatusBadRequest, "invalid_input")
	// alice signs in with two factors: the reset also takes a recovery code.
	rc, err := h.recovery.Issue(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	c.api(appHost, "reset", map[string]string{"username": "alice", "code": code, "password": "a brand new passphrase", "recovery_code": rc}).wantStatus(t, http.StatusOK)
}

// TestResetStepOneIsNoQuotaOracle: a number's anonymous send quota, spent
// first with code-only sign-ins (decoys for a number without an account:
// nothing is sent), made a reset asked for by that number answer 429
// where an account has the number and 200 where none has, since an
// unknown number's reset decoy counted under a key of its own. Both now
// count against the number.
func TestResetStepOneIsNoQuotaOracle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	probe := func(number string) (int, string) {
		c := h.newClient(t)
		for range h.cfg.OTP.MaxSends.Count {
			c.api(smsHost, "sms/start", map[string]string{"phone": number})
		}
		r := c.api(appHost, "reset", map[string]string{"username": number})
		return r.status, string(r.body)
	}
	ks, kb := probe(alice.phone)    // an account has it
	us, ub := probe("+12015550177") // none has
	if ks != us {
		t.Fatalf("reset answers %d (%s) for a number an account has and %d (%s) for one none has", ks, kb, us, ub)
	}
}
