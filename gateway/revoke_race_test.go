package gateway_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// gatedSender holds the first text to one number, once armed, until
// released: the time a provider takes to answer (up to sms.timeout),
// stretched so that another request runs meanwhile.
type gatedSender struct {
	inner   auth.Sender // set once the harness is built
	phone   string
	armed   atomic.Bool
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func newGatedSender(phone string) *gatedSender {
	return &gatedSender{phone: phone, entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedSender) Send(ctx context.Context, msg auth.Message) error {
	if g.armed.Load() && msg.To == g.phone {
		held := false
		g.once.Do(func() { held = true; close(g.entered) })
		if held {
			<-g.release
		}
	}
	return g.inner.Send(ctx, msg)
}

// TestRevokedSessionIsNotWrittenBack: a thief holds bob's session (its
// cookie alone) and asks for a code (a step-up's, POST /api/otp/resend);
// while the provider is sending it, an administrator ends
// bob's session. Before, the resend saved the session it had loaded
// once the text was sent, writing the ended session back with all its
// proofs: the revocation was undone without a word, and a thief who
// kept asking (a refused send saves the session too) could never be
// signed out. A session is written back only while it is still in the
// store (docs/contract.md, "Sessions end when they are ended").
func TestRevokedSessionIsNotWrittenBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, h *harness, thief *client)
	}{
		{"administrator ends every session", func(t *testing.T, h *harness, _ *client) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			admin.api(authHost, "admin/users/bob/revoke", map[string]any{}).wantStatus(t, http.StatusOK)
		}},
		{"administrator ends that session", func(t *testing.T, h *harness, thief *client) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			r := admin.api(authHost, "admin/users/bob/revoke", map[string]any{"session": auth.SessionHandle(thief.cookie())})
			r.wantStatus(t, http.StatusOK)
			if n := r.jsonMap(t)["sessions_revoked"]; n != float64(1) {
				t.Fatalf("sessions_revoked %v, want 1", n)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gate := newGatedSender(bob.phone)
			h := newHarness(t, withAccounts, setup{sender: gate})
			gate.inner = auth.NewConsoleSender("", h.sms, h.clock)
			thief := h.newClient(t)
			thief.signIn(appHost, bob) // the password: a step-up texts the code
			thief.browse(appHost, "/").wantStatus(t, http.StatusOK)
			gate.armed.Store(true)
			done := make(chan reply, 1)
			go func() { done <- thief.api(appHost, "otp/resend", nil) }()
			select {
			case <-gate.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the resend never reached the provider")
			}
			tc.end(t, h, thief)
			close(gate.release)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the resend never answered")
			}
			if r := thief.get(appHost, "/"); r.status == http.StatusOK {
				t.Errorf("the ended session lives on: the thief still reaches the app (%d)", r.status)
			}
			if r := thief.get(authHost, prefix+"/api/session"); r.status != http.StatusUnauthorized {
				t.Errorf("GET /api/session with the ended session: %d %s, want 401", r.status, r.body)
			}
		})
	}
}
