package gateway_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestFactorRemovedInFlightSignsNoOneIn: a thief signs in with a stolen
// passkey or authenticator app; the factor has been checked, and the
// session's write is a round trip away, when its owner removes it (or
// replaces the app with a new one). The
// removal ends the sessions the factor signed in, but the thief's was
// not one yet. Before, its write landed after the removal: the thief
// was signed in by a factor the account no longer had, until the
// session expired (a thief signing in back to back lands in that gap
// often). A sign-in is decided on the account as it is once its session
// is written (docs/contract.md, "Passkeys", "Authenticator apps").
func TestFactorRemovedInFlightSignsNoOneIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		extra setup
		// start readies the thief's sign-in with bob's factor, added by
		// owner, and returns it, to be sent once the store is armed with
		// hold, and the owner's removal.
		start func(t *testing.T, h *harness, owner, thief *client) (send func() reply, remove func())
		hold  func() func(op, key string) bool
	}{
		{"passkey", withPasskeys, func(t *testing.T, h *harness, owner, thief *client) (func() reply, func()) {
			key := registerPasskey(t, owner, "Phone")
			ids := regexpAll(`"id":"([^"]+)"`, string(owner.get(authHost, prefix+"/api/passkeys").body))
			if len(ids) != 1 {
				t.Fatalf("bob has %d keys listed, want 1", len(ids))
			}
			return func() reply { return usePasskey(t, thief, key, true) }, func() {
				owner.api(authHost, "passkeys/remove", map[string]string{"id": ids[0]}).wantStatus(t, http.StatusOK)
			}
		}, func() func(op, key string) bool {
			// The session's write once the key's record is unlocked.
			unlocked := false
			return func(op, key string) bool {
				if op == "cad" && strings.HasPrefix(key, "pkl:") {
					unlocked = true
				}
				return unlocked && op == "set" && strings.HasPrefix(key, auth.SessionKeyPrefix)
			}
		}},
		{"authenticator app", withTOTP, func(t *testing.T, h *harness, owner, thief *client) (func() reply, func()) {
			secret := enrolApp(t, h, owner)
			thief.login(crmHost, bob).wantStatus(t, http.StatusOK)
			code := appCodeAt(t, secret, h.clock.Now())
			return func() reply { return thief.api(crmHost, "totp", map[string]string{"code": code}) }, func() {
				owner.api(authHost, "totp-app/remove", map[string]string{}).wantStatus(t, http.StatusOK)
			}
		}, func() func(op, key string) bool {
			// The claim of the code's step, once the secret was read.
			return func(op, key string) bool { return op == "setnx" && strings.HasPrefix(key, "totp:") }
		}},
		// The owner removes the stolen app and binds a new one before
		// the thief's write lands (its phone a step behind, which is
		// accepted): the account has an app again, but not the one the
		// thief's code was of. Before, only "has an app" was asked, and
		// the thief stayed signed in.
		{"authenticator app, replaced", withTOTP, func(t *testing.T, h *harness, owner, thief *client) (func() reply, func()) {
			secret := enrolApp(t, h, owner)
			h.clock.Advance(auth.TOTPPeriod) // the step behind is no enrolment's
			thief.login(crmHost, bob).wantStatus(t, http.StatusOK)
			code := appCodeAt(t, secret, h.clock.Now())
			return func() reply { return thief.api(crmHost, "totp", map[string]string{"code": code}) }, func() {
				owner.api(authHost, "totp-app/remove", map[string]string{}).wantStatus(t, http.StatusOK)
				r := owner.api(authHost, "totp-app", map[string]string{})
				r.wantStatus(t, http.StatusOK)
				next, _ := r.jsonMap(t)["secret"].(string)
				behind := appCodeAt(t, next, h.clock.Now().Add(-auth.TOTPPeriod))
				owner.api(authHost, "totp-app", map[string]string{"code": behind}).wantStatus(t, http.StatusOK)
			}
		}, func() func(op, key string) bool {
			return func(op, key string) bool { return op == "setnx" && strings.HasPrefix(key, "totp:") }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, h := newHeldHarness(t, tc.extra)
			owner, thief := h.newClient(t), h.newClient(t)
			owner.signIn(crmHost, bob)
			send, remove := tc.start(t, h, owner, thief)

			st.arm(tc.hold())
			release := sync.OnceFunc(func() { close(st.release) })
			t.Cleanup(release) // a failure before the release holds no request for good
			done := make(chan reply, 1)
			go func() { done <- send() }()
			select {
			case <-st.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the thief's sign-in never reached its write")
			}
			remove()
			release()
			select {
			case r := <-done:
				if r.status == http.StatusOK {
					t.Errorf("the sign-in with the factor removed meanwhile answered 200: %s", r.body)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the thief's sign-in never answered")
			}
			if r := thief.get(appHost, "/"); r.status == http.StatusOK {
				t.Errorf("the removed factor's thief reached the app: %d", r.status)
			}
			owner.get(appHost, "/").wantStatus(t, http.StatusOK)
		})
	}
}
