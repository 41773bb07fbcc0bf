package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestCodeOnlyRestartFollowsNoMove: a code-only sign-in is asked for a
// number. When the account that had it leaves it (its owner moves to
// another number, escaping a swapped SIM; an administrator disables or
// deletes it) and the sign-in's code dies, "Send a new code" is for the number
// typed, which no account has any more: a decoy as for any such number,
// nothing sent and nothing of the account's new number shown
// (docs/contract.md, "Login flows"). Before, the restart followed the
// account: the old number's holder texted the new number and was shown
// its country code and last four digits, at every restart; a disabled
// account's number was texted a code that could never work, and a
// deleted account's restart failed (500) where any other number's went
// on.
func TestCodeOnlyRestartFollowsNoMove(t *testing.T) {
	t.Parallel()
	const moved = "+12015550170"
	passwordless := setup{edit: func(cfg *config.Config, _ string) { cfg.Users.Passwordless = true }}
	for _, tc := range []struct {
		name  string
		leave func(t *testing.T, h *harness) // what bob's account does meanwhile
		to    string                         // the number that must get no text
	}{
		{"moved to another number", func(t *testing.T, h *harness) {
			owner := h.newClient(t)
			owner.signIn(crmHost, bob)
			owner.form(authHost, "/account/phone", url.Values{"phone": {moved}}).wantStatus(t, http.StatusSeeOther)
			owner.form(authHost, "/account/phone/verify", url.Values{"code": {h.sms.code(t, moved)}}).wantStatus(t, http.StatusSeeOther)
		}, moved},
		{"disabled", func(t *testing.T, h *harness) {
			if err := h.users.SetDisabled(t.Context(), "bob", true); err != nil {
				t.Fatal(err)
			}
		}, bob.phone},
		{"deleted", func(t *testing.T, h *harness) {
			if err := h.users.Delete(t.Context(), "bob"); err != nil {
				t.Fatal(err)
			}
		}, bob.phone},
	} {
		for _, page := range []bool{false, true} {
			t.Run(tc.name+map[bool]string{false: ", JSON", true: ", page"}[page], func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, withAccounts, passwordless)
				holder := h.newClient(t) // holds bob's number
				holder.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
				tc.leave(t, h)
				texts := func() int {
					n := 0
					for _, m := range h.sms.messages(t) {
						if m.To == tc.to {
							n++
						}
					}
					return n
				}
				before := texts()

				h.clock.Advance(6 * time.Minute) // the holder's code died
				var r reply
				if page {
					holder.form(smsHost, "/otp/resend", url.Values{}).wantStatus(t, http.StatusSeeOther)
					r = holder.browse(smsHost, prefix+"/otp")
				} else {
					r = holder.api(smsHost, "otp/resend", nil)
				}
				r.wantStatus(t, http.StatusOK)
				if body := string(r.body); strings.Contains(body, "0170") || !strings.Contains(body, "0101") {
					t.Errorf("the restart shows the account's new number, or not the number typed:\n%s", body)
				}
				if n := texts() - before; n != 0 {
					t.Errorf("the old number's holder had %s texted %d times", tc.to, n)
				}
			})
		}
	}
}
