package gateway_test

import (
	"context"
	"net/http"
	"testing"
)

// TestUnprovedEmailReservesNothing: an email typed at sign-up is nobody's
// until an administrator vouches for it, so an outsider who signs up
// first with someone else's address takes nothing from its owner: the
// owner's own sign-up with it gets a code, not the "an email that has an
// account" notice; the address signs nobody in and texts no reset code
// to the outsider's phone; an administrator gives it to its owner, and
// from then on it names the owner's account alone (docs/contract.md,
// "Sign-up"). Before, the first sign-up with an address claimed it for
// good: its owner could neither sign up with it nor be given it.
func TestUnprovedEmailReservesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, resetBySMS)
	ctx := context.Background()
	const victim, malloryPhone, ownerPhone = "cfo@corp.example", "+12015550177", "+12015550188"
	mallory := map[string]string{"username": "mallory", "email": victim, "password": "a long unusual passphrase", "phone": malloryPhone}
	m := h.newClient(t)
	m.api(crmHost, "signup", mallory).wantStatus(t, http.StatusCreated)
	m.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, malloryPhone)}).wantStatus(t, http.StatusOK)

	// lastTo returns the newest text sent to phone, and how many were sent.
	lastTo := func(phone string) (string, int) {
		msgs := h.sms.messages(t)
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].To == phone {
				return msgs[i].Body, len(msgs)
			}
		}
		return "", len(msgs)
	}
	// resetTextsTo asks a reset by the address and says which phone, if
	// any, the code went to.
	resetTextsTo := func(t *testing.T) string {
		t.Helper()
		before := h.sms.count(t)
		h.newClient(t).api(appHost, "reset", map[string]string{"username": victim}).wantStatus(t, http.StatusOK)
		msgs := h.sms.messages(t)
		if len(msgs) == before {
			return ""
		}
		return msgs[len(msgs)-1].To
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"its owner signs up with it and gets a code", func(t *testing.T) {
			c := h.newClient(t)
			c.api(crmHost, "signup", map[string]string{"username": "cfo", "email": victim, "password": "another long passphrase", "phone": ownerPhone}).
				wantStatus(t, http.StatusCreated)
			body, _ := lastTo(ownerPhone)
			code := codeRE.FindStringSubmatch(body)
			if code == nil {
				t.Fatalf("the owner's sign-up texted %q, want a code", body)
			}
			c.api(crmHost, "otp", map[string]string{"code": code[1]}).wantStatus(t, http.StatusOK)
		}},
		{"the unproved address signs nobody in", func(t *testing.T) {
			h.newClient(t).api(crmHost, "login", map[string]string{"username": victim, "password": mallory["password"]}).
				wantError(t, http.StatusUnauthorized, "invalid_credentials")
		}},
		{"a reset by the unproved address texts nobody", func(t *testing.T) {
			if to := resetTextsTo(t); to != "" {
				t.Errorf("a reset by %s texted %s, want nobody", victim, to)
			}
		}},
		{"an administrator gives it to its owner", func(t *testing.T) {
			if err := h.users.SetEmail(ctx, "cfo", victim); err != nil {
				t.Fatalf("set-email of the owner's own address: %v", err)
			}
			// The outsider's unproved copy changed after: the owner's claim stays.
			if err := h.users.SetEmail(ctx, "mallory", "mallory@example.net"); err != nil {
				t.Fatal(err)
			}
			if to := resetTextsTo(t); to != ownerPhone {
				t.Errorf("a reset by the vouched address texted %q, want the owner's %s", to, ownerPhone)
			}
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			r := admin.api(authHost, "admin/users", map[string]any{"username": "cfo2", "email": victim})
			r.wantError(t, http.StatusConflict, "already_exists")
			if fields(t, r)["email"] == nil {
				t.Errorf("409 does not name the email: %s", r.body)
			}
		}},
	}
	for _, s := range steps {
		t.Run(s.name, s.run)
	}
}
