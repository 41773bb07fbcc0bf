package gateway_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// TestPasswordStepsEndNoSignedInSessionUnderASmallLimit: with
// session.max_per_account set low (1 for one session at a time, or a few
// browsers), whoever has only an account's password still cannot sign
// its person out: a password step still owing the second factor ends
// none of the person's signed-in sessions, however many steps are made,
// and the steps do not pile up (each ends the one before). A completed
// sign-in that proved as much as the person's sessions still ends the
// oldest of them, as the limit says. Before, the step was kept and the
// limit ended the person's sessions to make room for it: with 1, every
// password step signed its person out.
func TestPasswordStepsEndNoSignedInSessionUnderASmallLimit(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 2} {
		t.Run(fmt.Sprintf("max_per_account %d", limit), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withTOTP, setup{edit: func(cfg *config.Config, _ string) { cfg.Session.MaxPerAccount = limit }})
			keys := logKeys(t, h)
			first := h.newClient(t)
			first.signIn(crmHost, bob)
			secret := enrolApp(t, h, first)
			appSignIn := func(c *client) {
				t.Helper()
				r := c.login(crmHost, bob)
				r.wantStatus(t, http.StatusOK)
				if got := r.jsonMap(t)["status"]; got != "totp_required" {
					t.Fatalf("password step: status %v, want totp_required", got)
				}
				c.api(crmHost, "totp", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())}).wantStatus(t, http.StatusOK)
				h.clock.Advance(30 * time.Second) // the next code is of another time step
			}
			owners := []*client{first}
			for len(owners) < limit {
				c := h.newClient(t)
				appSignIn(c)
				owners = append(owners, c)
			}
			for _, c := range owners {
				c.get(crmHost, "/").wantStatus(t, http.StatusOK)
			}

			// Someone with the password alone, again and again.
			for range 5 {
				r := h.newClient(t).login(crmHost, bob)
				r.wantStatus(t, http.StatusOK)
				if got := r.jsonMap(t)["status"]; got != "totp_required" {
					t.Fatalf("password step: status %v, want totp_required", got)
				}
				h.clock.Advance(time.Second)
			}
			for i, c := range owners {
				if r := c.get(crmHost, "/"); r.status != http.StatusOK {
					t.Errorf("the person's session %d of %d after password steps: %d %s, want 200", i+1, limit, r.status, r.body)
				}
			}
			if n := len(keys.live(t, auth.SessionKeyPrefix)); n > limit+1 {
				t.Errorf("after 5 password steps the store holds %d sessions of bob, want at most %d (the person's and the last step)", n, limit+1)
			}

			// A sign-in that completes with as much as the newest of the
			// person's sessions ends the oldest: the limit holds.
			last := h.newClient(t)
			appSignIn(last)
			last.get(crmHost, "/").wantStatus(t, http.StatusOK)
			if limit == 1 {
				return // the first proved the text code too: more than the last
			}
			owners[1].get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
		})
	}
}
