package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// editUsers rewrites the users file with edit applied to its users (name
// → key → value; untouched users keep their exact hashes) and reloads it,
// as an operator's edit is picked up.
func (h *harness) editUsers(t *testing.T, edit func(users map[string]map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(h.cfg.Users.File)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Users map[string]map[string]any `yaml:"users"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc.Users)
	if data, err = yaml.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.cfg.Users.File, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := h.files.Reload(); err != nil {
		t.Fatalf("users file reload: %v", err)
	}
}

func mustHash(t *testing.T, password string) string {
	t.Helper()
	hash, err := testHasher.Hash(context.Background(), password)
	if err != nil {
		t.Fatal(err)
	}
	return hash
}

// TestSessionsEndWhenCredentialsChange checks that a session is bound to
// the credentials it was made with (docs/contract.md, "Sessions end when
// credentials change"): a change of the password, the phone number or the
// disabled flag, in the users file or in the store's user records, ends
// every session of the account, and undoing it does not bring them back.
func TestSessionsEndWhenCredentialsChange(t *testing.T) {
	t.Parallel()
	const newPassword = "bob-has-a-new-passphrase"
	tests := []struct {
		name    string
		backend string // "file" or "redis"
		change  func(t *testing.T, h *harness)
		ends    bool
		// signIn is bob after the change, when he can sign in at all.
		signIn *testUser
	}{
		{"file: password changed", "file", func(t *testing.T, h *harness) {
			hash := mustHash(t, newPassword)
			h.editUsers(t, func(u map[string]map[string]any) { u["bob"]["password"] = hash })
		}, true, &testUser{name: "bob", password: newPassword, phone: bob.phone}},
		{"file: phone changed", "file", func(t *testing.T, h *harness) {
			h.editUsers(t, func(u map[string]map[string]any) { u["bob"]["phone"] = "+12015550160" })
		}, true, &testUser{name: "bob", password: bob.password, phone: "+12015550160"}},
		{"file: disabled, then enabled again", "file", func(t *testing.T, h *harness) {
			h.editUsers(t, func(u map[string]map[string]any) { u["bob"]["disabled"] = true })
			h.editUsers(t, func(u map[string]map[string]any) { u["bob"]["disabled"] = false })
		}, true, &bob},
		{"file: unrelated changes", "file", func(t *testing.T, h *harness) {
			hash := mustHash(t, "carol-changed-hers")
			h.editUsers(t, func(u map[string]map[string]any) {
				u["bob"]["display_name"] = "Robert Builder"
				u["bob"]["groups"] = []string{"staff", "builders"}
				u["carol"]["password"] = hash
			})
		}, false, nil},
		{"redis: password changed", "redis", func(t *testing.T, h *harness) {
			if err := h.users.SetPassword(t.Context(), "bob", mustHash(t, newPassword)); err != nil {
				t.Fatal(err)
			}
		}, true, &testUser{name: "bob", password: newPassword, phone: bob.phone}},
		{"redis: phone changed", "redis", func(t *testing.T, h *harness) {
			if err := h.users.SetPhone(t.Context(), "bob", "+12015550160"); err != nil {
				t.Fatal(err)
			}
		}, true, &testUser{name: "bob", password: bob.password, phone: "+12015550160"}},
		{"redis: disabled, then enabled again", "redis", func(t *testing.T, h *harness) {
			for _, disabled := range []bool{true, false} {
				if err := h.users.SetDisabled(t.Context(), "bob", disabled); err != nil {
					t.Fatal(err)
				}
			}
		}, true, &bob},
		{"redis: password set back to the same hash", "redis", func(t *testing.T, h *harness) {
			u, err := h.users.Lookup(t.Context(), "bob")
			if err != nil {
				t.Fatal(err)
			}
			if err := h.users.SetPassword(t.Context(), "bob", u.PasswordHash); err != nil {
				t.Fatal(err)
			}
		}, true, &bob},
		{"redis: enabling an enabled account", "redis", func(t *testing.T, h *harness) {
			if err := h.users.SetDisabled(t.Context(), "bob", false); err != nil {
				t.Fatal(err)
			}
		}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h *harness
			if tt.backend == "redis" {
				h = newHarness(t, withAccounts)
			} else {
				h = newHarness(t)
			}
			b1, b2, a := h.newClient(t), h.newClient(t), h.newClient(t)
			b1.signIn(appHost, bob)
			b2.signIn(crmHost, bob) // two factors
			a.signIn(appHost, alice)
			tt.change(t, h)
			for _, c := range []*client{b1, b2} {
				r := c.get(appHost, "/")
				switch {
				case tt.ends:
					r.wantError(t, http.StatusUnauthorized, "unauthenticated")
					c.get(appHost, prefix+"/api/session").wantError(t, http.StatusUnauthorized, "unauthenticated")
				default:
					r.wantStatus(t, http.StatusOK)
				}
			}
			a.get(appHost, "/").wantStatus(t, http.StatusOK)
			if tt.signIn != nil {
				// The session is refused, not stuck: signing in again, in
				// the same browser, works and starts afresh.
				b2.signIn(crmHost, *tt.signIn)
				b2.get(crmHost, "/").wantStatus(t, http.StatusOK)
			}
		})
	}
}

// TestSessionWithoutGenerationIsRefused checks the upgrade rule: a
// session stored before sessions carried a credential generation still
// decodes, but is signed out (one new sign-in after the upgrade).
func TestSessionWithoutGenerationIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sessions := auth.NewSessions(h.store, auth.SessionConfig{IdleTimeout: h.cfg.Session.IdleTimeout, AbsoluteTimeout: h.cfg.Session.AbsoluteTimeout}, h.clock, nil)
	u, err := h.files.Lookup(t.Context(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	store := func(gen string) string {
		sess, err := sessions.New()
		if err != nil {
			t.Fatal(err)
		}
		sess.User, sess.Gen = "bob", gen
		sess.Proofs = []auth.Proof{{Method: auth.MethodPassword, At: h.clock.Now().Unix()}}
		if err := sessions.Save(t.Context(), sess); err != nil {
			t.Fatal(err)
		}
		return sess.ID
	}
	h.clientWithCookie(t, store(u.Generation)).get(appHost, "/").wantStatus(t, http.StatusOK)
	h.clientWithCookie(t, store("")).get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
}

// TestOwnCredentialChangesKeepTheirSession checks that the account page's
// password and phone changes, and a password reset from a signed-in
// browser, keep the session that made them (under a new cookie: the old
// value dies), while every other session of the account ends.
func TestOwnCredentialChangesKeepTheirSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(t *testing.T, h *harness, c *client)
	}{
		{"password on the account page", func(t *testing.T, h *harness, c *client) {
			c.form(authHost, "/account/password", url.Values{"current": {bob.password}, "password": {"a fresh long passphrase"}}).wantStatus(t, http.StatusSeeOther)
		}},
		{"phone on the account page", func(t *testing.T, h *harness, c *client) {
			c.form(authHost, "/account/phone", url.Values{"phone": {"+1 201 555 0161"}}).wantStatus(t, http.StatusSeeOther)
			c.form(authHost, "/account/phone/verify", url.Values{"code": {h.sms.code(t, "+12015550161")}}).wantStatus(t, http.StatusSeeOther)
		}},
		{"password reset", func(t *testing.T, h *harness, c *client) {
			c.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
			rc, err := h.recovery.Issue(context.Background(), "bob") // bob signs in with two factors
			if err != nil {
				t.Fatal(err)
			}
			c.api(appHost, "reset", map[string]string{"username": "bob", "code": h.sms.code(t, bob.phone), "password": "a fresh long passphrase", "recovery_code": rc}).wantStatus(t, http.StatusOK)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			c, other := h.newClient(t), h.newClient(t)
			c.signIn(crmHost, bob) // both factors: the account page needs them
			other.signIn(crmHost, bob)
			before := c.cookie()
			tt.change(t, h, c)
			c.get(appHost, "/").wantStatus(t, http.StatusOK)
			if c.cookie() == before {
				t.Error("the session that made the change kept its id")
			}
			h.clientWithCookie(t, before).get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
			other.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
			page := c.browse(authHost, prefix+"/account")
			page.wantStatus(t, http.StatusOK)
			if handles := regexpAll(`name="session" value="([^"]+)"`, string(page.body)); len(handles) != 1 {
				t.Errorf("%d sessions listed after the change, want only this one", len(handles))
			}
		})
	}
}
