package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// gatedHasher holds the hash of one new password until released: the
// time a real argon2id hash takes (and its wait for a hashing slot,
// which a thief can lengthen by filling the slots), stretched so that
// another request runs meanwhile.
type gatedHasher struct {
	password string
	once     sync.Once
	entered  chan struct{}
	release  chan struct{}
}

func newGatedHasher(password string) *gatedHasher {
	return &gatedHasher{password: password, entered: make(chan struct{}), release: make(chan struct{})}
}

func (h *gatedHasher) Hash(ctx context.Context, password string) (string, error) {
	if password == h.password {
		h.once.Do(func() { close(h.entered) })
		<-h.release
	}
	return testHasher.Hash(ctx, password)
}

// TestPasswordChangeInFlightUndoesNoRecovery: a thief who holds a
// session and the password starts a password change on the account
// page; while its new password is being hashed, the owner takes the
// account back (a password reset, or an administrator ending every
// session). Before, the change went on once hashed: it set the thief's
// password over the owner's and wrote the thief's session back under a
// new id, so the recovery was undone without a word. A change is written
// only while the session that asked for it is still alive under the
// credentials it was checked against (docs/contract.md, "Sessions end
// when credentials change").
func TestPasswordChangeInFlightUndoesNoRecovery(t *testing.T) {
	t.Parallel()
	const thiefPassword, ownerPassword = "the thief's own choice", "the owner's fresh choice"
	for _, tc := range []struct {
		name    string
		recover func(t *testing.T, h *harness)
		// password is the one that must work afterwards.
		password string
	}{
		{"owner resets the password", func(t *testing.T, h *harness) {
			codes, err := h.recovery.Generate(context.Background(), bob.name)
			if err != nil {
				t.Fatal(err)
			}
			owner := h.newClient(t)
			owner.api(authHost, "reset", map[string]string{"username": bob.name}).wantStatus(t, http.StatusOK)
			owner.api(authHost, "reset", map[string]string{"username": bob.name, "code": h.sms.code(t, bob.phone),
				"password": ownerPassword, "recovery_code": codes[0]}).wantStatus(t, http.StatusOK)
		}, ownerPassword},
		{"administrator ends every session", func(t *testing.T, h *harness) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			admin.api(authHost, "admin/users/bob/revoke", map[string]any{}).wantStatus(t, http.StatusOK)
		}, bob.password},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hasher := newGatedHasher(thiefPassword)
			h := newHarness(t, withAccounts, setup{hasher: hasher})
			thief := h.newClient(t)
			thief.signIn(authHost, bob)
			vals := url.Values{"current": {bob.password}, "password": {thiefPassword}, "csrf": {thief.csrfToken(authHost)}}
			done := make(chan reply, 1)
			go func() { done <- thief.formRaw(authHost, "/account/password", vals) }()
			select {
			case <-hasher.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the password change never reached its hash")
			}
			tc.recover(t, h)
			close(hasher.release)
			var r reply
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the password change never answered")
			}
			if loc := r.header.Get("Location"); r.status == http.StatusSeeOther && strings.Contains(loc, "done=password") {
				t.Errorf("the thief's change in flight was made after the recovery: %d %s", r.status, loc)
			}
			if got := thief.browse(authHost, prefix+"/account"); got.status == http.StatusOK {
				t.Errorf("the thief's session is alive after the recovery (account page 200)")
			}
			h.newClient(t).login(appHost, testUser{name: bob.name, password: tc.password}).wantStatus(t, http.StatusOK)
			h.newClient(t).login(appHost, testUser{name: bob.name, password: thiefPassword}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
		})
	}
}
