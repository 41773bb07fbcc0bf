package gateway_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestRecoveryCodeVoidedInFlightSignsNoOneIn: the finder of bob's lost
// sheet, who has his password, types one of its codes (or one an
// administrator issued); it is checked and spent, and the session's
// write is a round trip away, when bob makes a new set or an
// administrator voids the codes. The void ends the sessions a recovery
// code signed in, but the finder's was not one yet. Before, its write
// landed afterwards and the finder stayed signed in until the session
// expired. A sign-in with a recovery code is decided on the account as
// it is once its session is written: the code's set (or issue epoch)
// must still be the account's (docs/contract.md, "Recovery codes").
func TestRecoveryCodeVoidedInFlightSignsNoOneIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// code is the finder's code, of the set owner made (or issued).
		code func(t *testing.T, h *harness, owner *client) string
		// void voids it, as bob or as the administrator admin.
		void func(t *testing.T, owner, admin *client)
	}{
		{"a new set", func(t *testing.T, _ *harness, owner *client) string {
			return makeRecoverySet(t, owner)[0]
		}, func(t *testing.T, owner, _ *client) {
			makeRecoverySet(t, owner)
		}},
		{"the console's void", func(t *testing.T, _ *harness, owner *client) string {
			return makeRecoverySet(t, owner)[0]
		}, voidRecoveryCodes},
		{"the console's void of an issued code", func(t *testing.T, h *harness, _ *client) string {
			code, err := h.recovery.Issue(t.Context(), "bob")
			if err != nil {
				t.Fatal(err)
			}
			return code
		}, voidRecoveryCodes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, h := newHeldHarness(t, withAccounts)
			owner, admin, finder := h.newClient(t), h.newClient(t), h.newClient(t)
			owner.signIn(crmHost, bob)
			admin.signIn(crmHost, alice)
			code := tc.code(t, h, owner)
			finder.login(crmHost, bob).wantStatus(t, http.StatusOK)

			// The finder's session is held once the code is spent.
			spent := false
			st.arm(func(op, key string) bool {
				if op == "delete" && strings.HasPrefix(key, "rc:") {
					spent = true
				}
				return spent && op == "set" && strings.HasPrefix(key, auth.SessionKeyPrefix)
			})
			done := make(chan reply, 1)
			go func() { done <- finder.api(crmHost, "recovery", map[string]string{"code": code}) }()
			select {
			case <-st.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the finder's sign-in never reached its write")
			}
			tc.void(t, owner, admin)
			close(st.release)
			select {
			case r := <-done:
				if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "invalid_recovery_code") {
					t.Errorf("the sign-in with a code voided meanwhile answered %d %s, want 401 invalid_recovery_code", r.status, r.body)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the finder's sign-in never answered")
			}
			if r := finder.get(crmHost, "/deals"); r.status == http.StatusOK {
				t.Error("the finder of the voided codes reached the app")
			}
			owner.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
		})
	}
}

// makeRecoverySet makes a new set of recovery codes in c's session and
// returns its codes.
func makeRecoverySet(t *testing.T, c *client) []string {
	t.Helper()
	r := c.api(authHost, "recovery-codes", map[string]any{})
	r.wantStatus(t, http.StatusOK)
	var codes []string
	for _, v := range r.jsonMap(t)["codes"].([]any) {
		codes = append(codes, v.(string))
	}
	return codes
}

// finderSignsIn makes bob a set of recovery codes in owner's session
// and signs finder in as bob with the password and the set's first code:
// the finder of the lost sheet.
func finderSignsIn(t *testing.T, owner, finder *client) {
	t.Helper()
	lost := makeRecoverySet(t, owner)
	finder.login(crmHost, bob).wantStatus(t, http.StatusOK)
	finder.api(crmHost, "recovery", map[string]string{"code": lost[0]}).wantStatus(t, http.StatusOK)
}

// voidRecoveryCodes voids bob's recovery codes from the console, as
// admin.
func voidRecoveryCodes(t *testing.T, _, admin *client) {
	t.Helper()
	admin.api(authHost, "admin/users/bob/recovery/void", map[string]any{}).wantStatus(t, http.StatusOK)
}

// TestRecoveryVoidLeavesNoSetMadeMeanwhile: the finder of bob's lost
// sheet, signed in with its password and one of its codes, makes a new
// set of their own (a recovery code stands in for the phone) while bob
// makes a new set or an administrator voids the codes. The void removes
// the codes, then ends the sessions a recovery code signed in; a set the
// finder made in between was recorded after the removal, by a session
// still signed in. Before, it survived: the finder, whose session the
// void ended, signed in again with the password and one of its codes,
// and bob's new set, shown to be written down, never worked (the
// finder's was recorded over it). A set is made, and the codes voided,
// one at a time per account (docs/contract.md, "Recovery codes").
func TestRecoveryVoidLeavesNoSetMadeMeanwhile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		void func(owner, admin *client) reply
		// shows: the void is bob's new set, whose codes must work.
		shows bool
	}{
		{"a new set", func(owner, _ *client) reply {
			return owner.api(authHost, "recovery-codes", map[string]any{})
		}, true},
		{"the console's void", func(_, admin *client) reply {
			return admin.api(authHost, "admin/users/bob/recovery/void", map[string]any{})
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, h := newHeldHarness(t, withAccounts)
			owner, admin, finder := h.newClient(t), h.newClient(t), h.newClient(t)
			owner.signIn(crmHost, bob)
			admin.signIn(crmHost, alice)
			finderSignsIn(t, owner, finder)

			// The void is held where, the codes removed, it ends the
			// finder's session.
			removed := false
			st.arm(func(op, key string) bool {
				if (op == "set" || op == "cas") && strings.HasPrefix(key, "rc:") {
					removed = true
				}
				return removed && op == "delete" && strings.HasPrefix(key, auth.SessionKeyPrefix)
			})
			voided := make(chan reply, 1)
			go func() { voided <- tc.void(owner, admin) }()
			select {
			case <-st.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the void never reached the finder's session")
			}
			made := make(chan reply, 1)
			go func() { made <- finder.api(authHost, "recovery-codes", map[string]any{}) }()
			var mine reply
			select {
			case mine = <-made:
			case <-time.After(2 * time.Second): // waiting for the void
			}
			close(st.release)
			v := <-voided
			v.wantStatus(t, http.StatusOK)
			if mine.status == 0 {
				mine = <-made
			}

			if r := finder.get(crmHost, "/deals"); r.status == http.StatusOK {
				t.Error("the finder is signed in after the void")
			}
			again := h.newClient(t)
			again.login(crmHost, bob).wantStatus(t, http.StatusOK)
			if mine.status == http.StatusOK {
				code := mine.jsonMap(t)["codes"].([]any)[0].(string)
				if r := again.api(crmHost, "recovery", map[string]string{"code": code}); r.status == http.StatusOK {
					t.Error("a code of the set the finder made during the void signs in")
				}
			}
			if tc.shows {
				code := v.jsonMap(t)["codes"].([]any)[0].(string)
				if r := again.api(crmHost, "recovery", map[string]string{"code": code}); r.status != http.StatusOK {
					t.Errorf("a code of bob's new set, made during the finder's: %d %s", r.status, r.body)
				}
			}
		})
	}
}
