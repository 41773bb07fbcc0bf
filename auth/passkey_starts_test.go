package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestPasskeyStartsWithoutSessionBoundedInAll: every passwordless start
// from a client without a session writes a session and a challenge to
// the store before anyone proved anything. The per-network limit alone
// (60 per /64 in 10 minutes) let one holder of an IPv6 /48 (65,536 /64s)
// write 3.9 million of each every 10 minutes (a /48 now shares
// IPv6SiteShare clients' limits, so this client has a /48 for each 60
// starts, as many as one with many networks would); past
// PasskeyStartsPerWindowAll over all clients in the window, a start
// without a session is refused (429) and writes no session, while a
// client that kept its session goes on.
func TestPasskeyStartsWithoutSessionBoundedInAll(t *testing.T) {
	t.Parallel()
	w := newLoginWorld(t, func(d *auth.LoginDeps) { d.Limits = d.KV.(auth.Counter) })
	ctx := context.Background()
	kept, _, err := w.login.PasskeyLoginStart(ctx, client, nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	started := 1
	var refused error
	for net := 0; refused == nil && started <= auth.PasskeyStartsPerWindowAll; net++ {
		c := client
		c.IP = fmt.Sprintf("2001:db8:%x::1", net)
		for range auth.PasskeyStartsPerWindow {
			if _, _, err := w.login.PasskeyLoginStart(ctx, c, nil, true, false); err != nil {
				refused = err
				break
			}
			started++
		}
	}
	var rl *auth.RateLimitError
	if !errors.As(refused, &rl) || rl.RetryAfter <= 0 {
		t.Fatalf("after %d starts without a session from %d /64s: %v, want a RateLimitError with Retry-After", started, started/auth.PasskeyStartsPerWindow, refused)
	}
	if started != auth.PasskeyStartsPerWindowAll {
		t.Fatalf("%d starts without a session were let through, want %d", started, auth.PasskeyStartsPerWindowAll)
	}
	sessions := w.store.sessionWrites()
	c := client
	c.IP = "2001:db8:2::1"
	if _, _, err := w.login.PasskeyLoginStart(ctx, c, nil, true, false); !errors.As(err, &rl) {
		t.Fatalf("a start from a fresh network past the cap: %v, want a RateLimitError", err)
	}
	if n := w.store.sessionWrites(); n != sessions {
		t.Fatalf("a refused start wrote %d sessions", n-sessions)
	}
	if _, _, err := w.login.PasskeyLoginStart(ctx, client, kept.Session, true, false); err != nil {
		t.Fatalf("a client with its session: %v, want a new ceremony", err)
	}
}

// sessionWrites counts the sessions written so far.
func (r *recordingStore) sessionWrites() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for i := 0; i < len(r.written); i += 2 {
		if strings.HasPrefix(string(r.written[i]), auth.SessionKeyPrefix) {
			n++
		}
	}
	return n
}

// TestSessionHoldingNothingLivesAsLongAsItsCeremony: a passwordless
// start without a session writes a session that holds nothing but the
// ceremony's binding; it was kept the idle timeout (30 minutes by
// default) though its ceremony ends in 5, six times the memory per
// start. It lives PasskeyCeremonyTTL; a sign-in made in it lives as any.
func TestSessionHoldingNothingLivesAsLongAsItsCeremony(t *testing.T) {
	t.Parallel()
	w := newLoginWorld(t)
	ctx := context.Background()
	st, _, err := w.login.PasskeyLoginStart(ctx, client, nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	ttl, err := w.store.TTL(ctx, auth.SessionHandle(st.Session.ID))
	if err != nil || ttl > auth.PasskeyCeremonyTTL {
		t.Fatalf("the ceremony's session is kept %v (%v), want at most %v", ttl, err, auth.PasskeyCeremonyTTL)
	}
	if _, err := w.sessions.Load(ctx, st.Session.ID); err != nil {
		t.Fatalf("the ceremony's session: %v", err)
	}
	in, err := w.login.Password(ctx, client, st.Session, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: neverCode})
	if err != nil {
		t.Fatal(err)
	}
	ttl, err = w.store.TTL(ctx, auth.SessionHandle(in.Session.ID))
	if err != nil || ttl != w.sessions.Config().IdleTimeout {
		t.Fatalf("a sign-in in it is kept %v (%v), want the idle timeout %v", ttl, err, w.sessions.Config().IdleTimeout)
	}
}
