package gateway_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
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
	// Three guesses, by an outsider with a reset of alice's of its own:
	// with the two tries below, under regulation.max_failures (5).
	outsider := h.newClient(t)
	outsider.api(appHost, "reset", map[string]string{"username": "alice"}).wantStatus(t, http.StatusOK)
	for _, guess := range []string{alice.email, alice.phone, "some unrelated passphrase"} {
		r := outsider.api(appHost, "reset", map[string]string{"username": "alice", "code": wrong, "password": guess})
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

// TestResetByNameIsNoBudgetOracle: a reset asked for by name answers
// alike for a name with an account and one without, whatever an outsider
// spent first (docs/contract.md, "Password reset, step one"). Before, the
// caps counted a known name's reset under its account's number and an
// unknown name's decoy under keys of the name's own, so spending one made
// step one answer 503 or 429 for one kind of name and 200 for the other:
// three resets for made-up names of alice's length and initial (no SMS at
// all) told which such names have accounts; spending the number's
// country, or the number itself, told which names have one there.
func TestResetByNameIsNoBudgetOracle(t *testing.T) {
	t.Parallel()
	spendReset := func(names ...string) func(*client) {
		return func(c *client) {
			for _, n := range names {
				c.api(appHost, "reset", map[string]string{"username": n})
			}
		}
	}
	spendStart := func(numbers ...string) func(*client) {
		return func(c *client) {
			for _, n := range numbers {
				c.api(smsHost, "sms/start", map[string]string{"phone": n})
			}
		}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*config.Config)
		spend func(*client)
	}{
		{"made-up names of one shape", func(cfg *config.Config) { cfg.OTP.Budget.PerPrefixPerHour = 3 },
			spendReset("axxxa", "axxxb", "axxxc")},
		{"the number's country", func(cfg *config.Config) { cfg.OTP.Budget.PerCountryPerHour = 3 },
			spendStart("+12015550170", "+12015550171", "+12015550172")},
		{"the number itself", func(*config.Config) {},
			spendStart(alice.phone, alice.phone, alice.phone, alice.phone, alice.phone)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) { tc.edit(cfg) }})
			tc.spend(h.newClient(t))
			known := h.newClient(t).api(appHost, "reset", map[string]string{"username": "alice"})
			unknown := h.newClient(t).api(appHost, "reset", map[string]string{"username": "azzzz"})
			if known.status != unknown.status {
				t.Fatalf("step one answers %d (%s) for alice and %d (%s) for a name no account has", known.status, known.body, unknown.status, unknown.body)
			}
		})
	}
}

// TestCappedResetKeepsTheOwnersCode: bob asks for a reset; an outsider
// asks for more by his name until his number's quota is spent, each
// texting him a code of the outsider's reset. bob, whose code has not
// come yet, asks again: his number's quota spent, nothing is sent, and
// that answer must not replace the code he was sent with a decoy that
// nothing was sent for: he still finishes the reset with it. (Before
// resets were their askers', the test typed the newest code, the
// outsider's, which was then the one pending for bob.)
func TestCappedResetKeepsTheOwnersCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	bobs := h.newClient(t)
	bobs.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
	code := h.sms.code(t, bob.phone)
	outsider := h.newClient(t)
	for range h.cfg.OTP.MaxSends.Count - 1 {
		outsider.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
	}
	sent := h.sms.count(t)
	if bobs.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK); h.sms.count(t) != sent {
		t.Fatal("the number's quota is not spent: the test shows nothing")
	}
	rc, err := h.recovery.Issue(context.Background(), "bob") // his account takes one too
	if err != nil {
		t.Fatal(err)
	}
	bobs.api(appHost, "reset", map[string]string{"username": "bob", "code": code, "password": "a brand new passphrase", "recovery_code": rc}).wantStatus(t, http.StatusOK)
}
