package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// resetAsker is one way of going through a password reset: the pages
// (a browser's form posts) or the JSON API.
type resetAsker struct {
	name string
	// start is step one for login; finish is step two, by the same
	// client, with what step one gave it.
	start  func(t *testing.T, c *client, login string)
	finish func(t *testing.T, c *client, in map[string]string) int
}

// resetAskers are the pages and the API, each as a person uses it: the
// pages carry what step one gave in their cookie, an API client sends
// back step one's "reset".
func resetAskers() []resetAsker {
	var handle string
	return []resetAsker{
		{"pages", func(t *testing.T, c *client, login string) {
			r := c.form(appHost, "/reset", url.Values{"username": {login}})
			if r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "/reset?step=code") {
				t.Fatalf("reset step one: %d %q\n%s", r.status, r.header.Get("Location"), r.body)
			}
		}, func(t *testing.T, c *client, in map[string]string) int {
			vals := url.Values{}
			for k, v := range in {
				vals.Set(k, v)
			}
			r := c.form(appHost, "/reset", vals)
			if r.status == http.StatusSeeOther && !leadsTo(r, prefix+"/reset", "step", "done") {
				t.Fatalf("reset step two went to %q", r.header.Get("Location"))
			}
			if r.status == http.StatusSeeOther {
				return http.StatusOK
			}
			return r.status
		}},
		{"api", func(t *testing.T, c *client, login string) {
			r := c.api(appHost, "reset", map[string]string{"username": login})
			r.wantStatus(t, http.StatusOK)
			handle, _ = r.jsonMap(t)["reset"].(string)
		}, func(t *testing.T, c *client, in map[string]string) int {
			body := map[string]string{"reset": handle}
			for k, v := range in {
				body[k] = v
			}
			return c.api(appHost, "reset", body).status
		}},
	}
}

// TestOutsidersResetVoidsNoOwnersCode: bob asks for a reset and gets
// his code; an outsider who knows his name asks for resets of bob too,
// or types wrong codes for him, before bob types his. bob's code still
// sets his password, on the pages and through the API (docs/contract.md,
// "Password reset, step two"). Before, a reset was one per account:
// each start replaced bob's pending code with a new one (so the code he
// typed was refused, and the outsider could do it again each time he
// asked), and five wrong codes from anyone used his code up.
func TestOutsidersResetVoidsNoOwnersCode(t *testing.T) {
	t.Parallel()
	outsiders := []struct {
		name string
		act  func(t *testing.T, h *harness)
	}{
		{"asks for a reset of bob by name", func(t *testing.T, h *harness) {
			h.newClient(t).api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
		}},
		{"asks for one on the pages by his number", func(t *testing.T, h *harness) {
			h.newClient(t).form(appHost, "/reset", url.Values{"username": {bob.phone}}).wantStatus(t, http.StatusSeeOther)
		}},
		{"types wrong codes for bob", func(t *testing.T, h *harness) {
			for range h.cfg.OTP.MaxAttempts {
				h.newClient(t).api(appHost, "reset", map[string]string{"username": "bob", "code": "000000", "password": "the outsider's choice"})
			}
		}},
	}
	for _, asker := range resetAskers() {
		for _, o := range outsiders {
			t.Run(asker.name+"/"+o.name, func(t *testing.T) {
				h := newHarness(t, withAccounts)
				bobs := h.newClient(t)
				asker.start(t, bobs, "bob")
				code := h.sms.code(t, bob.phone)
				o.act(t, h)
				rc, err := h.recovery.Issue(context.Background(), "bob") // his account takes one too
				if err != nil {
					t.Fatal(err)
				}
				const chosen = "bob's own new passphrase"
				in := map[string]string{"username": "bob", "code": code, "password": chosen, "recovery_code": rc}
				if got := asker.finish(t, bobs, in); got != http.StatusOK {
					t.Fatalf("bob's own code, after an outsider's requests: %d; want his password set", got)
				}
				h.newClient(t).login(appHost, testUser{name: "bob", password: chosen}).wantStatus(t, http.StatusOK)
			})
		}
	}
}

// TestPendingResetDiesWithTheCredentials: a thief who held bob's number
// for a while (a SIM swap, since undone) asked for a reset and got its
// code. Whatever changes bob's credentials before the thief types it,
// bob's own reset, an administrator's forced reset, or a disable and
// enable, ends that reset: the thief's code sets nothing (410
// `code_expired`), as a set-password link stops working
// (docs/contract.md, "Password reset, step two"). Before, the code
// still set bob's password after an administrator's forced reset or a
// disable and enable (a reset read the account afresh at step two);
// and once resets were their askers', after bob's own reset too.
func TestPendingResetDiesWithTheCredentials(t *testing.T) {
	t.Parallel()
	const thiefPassword = "the thief's own choice"
	for _, tc := range []struct {
		name      string
		meanwhile func(t *testing.T, h *harness)
	}{
		{"bob resets his password", func(t *testing.T, h *harness) {
			bobs := h.newClient(t)
			bobs.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
			bobs.api(appHost, "reset", map[string]string{"username": "bob", "code": h.sms.code(t, bob.phone), "password": "bob's own new passphrase"}).wantStatus(t, http.StatusOK)
		}},
		{"an administrator forces a reset", func(t *testing.T, h *harness) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			admin.api(authHost, "admin/users/bob/force-reset", map[string]any{}).wantStatus(t, http.StatusOK)
		}},
		{"an administrator disables and enables bob", func(t *testing.T, h *harness) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			admin.api(authHost, "admin/users/bob/disable", map[string]any{}).wantStatus(t, http.StatusOK)
			admin.api(authHost, "admin/users/bob/enable", map[string]any{}).wantStatus(t, http.StatusOK)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts, resetBySMS)
			thief := h.newClient(t)
			thief.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
			code := h.sms.code(t, bob.phone)
			tc.meanwhile(t, h)
			r := thief.api(appHost, "reset", map[string]string{"username": "bob", "code": code, "password": thiefPassword})
			if r.status == http.StatusOK {
				t.Errorf("the thief's code set bob's password after his credentials changed")
			}
			r.wantError(t, http.StatusGone, "code_expired")
			h.newClient(t).login(appHost, testUser{name: "bob", password: thiefPassword}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
		})
	}
}
