package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// busyHasher refuses the first hashes of one password as a Hasher whose
// slots stayed busy past their wait does (auth.ErrOverloaded), then
// hashes as the test hasher.
type busyHasher struct {
	password string
	mu       sync.Mutex
	refuse   int
}

func (h *busyHasher) Hash(ctx context.Context, password string) (string, error) {
	h.mu.Lock()
	refuse := password == h.password && h.refuse > 0
	if refuse {
		h.refuse--
	}
	h.mu.Unlock()
	if refuse {
		return "", fmt.Errorf("password hashing: all slots busy: %w", auth.ErrOverloaded)
	}
	return testHasher.Hash(ctx, password)
}

// TestBusyHashingSpendsNoLinkOrCode: anyone can keep every hashing slot
// busy (wrong passwords for any name, from many addresses), so a new
// password may meet 503 `overloaded`. What it was proved with must then
// still work for another try (docs/contract.md, "Password reset, step
// two"). Before, a set-password link was spent, and a reset's text code
// and recovery code used up, before the new password was hashed: an
// outsider's flood while a person used their link left them a dead link
// (only an administrator could give another), and each try of a reset
// during one cost one of the person's recovery codes.
func TestBusyHashingSpendsNoLinkOrCode(t *testing.T) {
	t.Parallel()
	const chosen = "the person's own new passphrase"
	for _, tc := range []struct {
		name string
		// begin makes what the new password is proved with and returns
		// the account's name and the request that sets the password.
		begin func(t *testing.T, h *harness) (string, func() reply)
		// after checks what else must have been spent only once.
		after func(t *testing.T, h *harness)
	}{
		{"a set-password link", func(t *testing.T, h *harness) (string, func() reply) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			r := admin.api(authHost, "admin/users", map[string]any{"username": "gus", "email": "gus@example.com"})
			r.wantStatus(t, http.StatusCreated)
			person, in := h.newClient(t), map[string]string{"token": linkToken(t, r), "password": chosen}
			return "gus", func() reply { return person.api(authHost, "reset", in) }
		}, func(*testing.T, *harness) {}},
		{"a reset with a recovery code", func(t *testing.T, h *harness) (string, func() reply) {
			codes, err := h.recovery.Generate(context.Background(), bob.name)
			if err != nil {
				t.Fatal(err)
			}
			bobs := h.newClient(t)
			bobs.api(authHost, "reset", map[string]string{"username": bob.name}).wantStatus(t, http.StatusOK)
			in := map[string]string{"username": bob.name, "code": h.sms.code(t, bob.phone), "password": chosen, "recovery_code": codes[0]}
			return bob.name, func() reply { return bobs.api(authHost, "reset", in) }
		}, func(t *testing.T, h *harness) {
			if st, err := h.recovery.Status(context.Background(), bob.name); err != nil || st.Left != 9 {
				t.Errorf("recovery codes left: %+v, %v; want 9 (one spent, by the reset that set the password)", st, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts, setup{hasher: &busyHasher{password: chosen, refuse: 1}})
			name, send := tc.begin(t, h)
			send().wantError(t, http.StatusServiceUnavailable, "overloaded")
			if r := send(); r.status != http.StatusOK {
				t.Fatalf("the same request once the slots are free: %d %s; want the password set", r.status, r.body)
			}
			h.newClient(t).login(appHost, testUser{name: name, password: chosen}).wantStatus(t, http.StatusOK)
			tc.after(t, h)
		})
	}
}
