package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/config"
)

// keyLog is the harness's memory store noting the name of every key
// written through it, so that a test can count what the store holds
// under a prefix (the store's own listing of its keys).
type keyLog struct {
	*memstore.Store
	mu      sync.Mutex
	written map[string]bool
}

// logKeys makes h's store note the keys written from now on.
func logKeys(t *testing.T, h *harness) *keyLog {
	t.Helper()
	ms, ok := h.store.Store.(*memstore.Store)
	if !ok {
		t.Fatal("logKeys needs the harness's memory store")
	}
	l := &keyLog{Store: ms, written: map[string]bool{}}
	h.store.Store = l
	return l
}

func (l *keyLog) note(key string) {
	l.mu.Lock()
	l.written[key] = true
	l.mu.Unlock()
}

// Set notes key and writes through.
func (l *keyLog) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	l.note(key)
	return l.Store.Set(ctx, key, v, ttl)
}

// SetNX notes key and writes through.
func (l *keyLog) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	l.note(key)
	return l.Store.SetNX(ctx, key, v, ttl)
}

// SAdd notes key and writes through.
func (l *keyLog) SAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	l.note(key)
	return l.Store.SAdd(ctx, key, member, ttl)
}

// live returns the keys written under prefix that the store still holds.
func (l *keyLog) live(t *testing.T, prefix string) []string {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for k := range l.written {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if _, err := l.TTL(t.Context(), k); err == nil {
			out = append(out, k)
		}
	}
	return out
}

// TestOneAccountKeepsBoundedSessions: a script signing in to one account
// again and again (its own, which sign-up gives anyone), remember-me
// ticked, leaves at most auth.MaxUserSessions sessions of it in the store
// and in its index: each sign-in past that ends the account's oldest
// session, and the newest sign-ins stay signed in. Before, every
// remembered sign-in lived 30 days: one a second for a month was 2.6
// million sessions of one account, an index of as many ids that every
// sign-in read whole, and an account page that read each.
func TestOneAccountKeepsBoundedSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	keys := logKeys(t, h)
	const extra = 20
	var clients []*client
	for range auth.MaxUserSessions + extra {
		c := h.newClient(t)
		c.api(appHost, "login", map[string]any{"username": bob.name, "password": bob.password, "remember_me": true}).wantStatus(t, http.StatusOK)
		clients = append(clients, c)
		h.clock.Advance(time.Minute)
	}
	if n := len(keys.live(t, auth.SessionKeyPrefix)); n > auth.MaxUserSessions {
		t.Errorf("after %d remembered sign-ins the store holds %d sessions of bob, want at most %d", auth.MaxUserSessions+extra, n, auth.MaxUserSessions)
	}
	for _, idx := range keys.live(t, "su:") {
		members, err := keys.SMembers(t.Context(), idx)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) > auth.MaxUserSessions {
			t.Errorf("bob's index of sessions lists %d ids, want at most %d", len(members), auth.MaxUserSessions)
		}
	}
	clients[len(clients)-1].get(appHost, "/").wantStatus(t, http.StatusOK)
	clients[auth.MaxUserSessions+extra-auth.MaxUserSessions].get(appHost, "/").wantStatus(t, http.StatusOK)
	clients[0].get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
}

// TestPasswordStepsEndNoSignedInSession: whoever has only the password of
// an account whose second factor they lack (its app) cannot sign its
// person out by filling the account's sessions: sessions still owing a
// factor are ended before any that proved more, so the person's session
// outlives any number of password steps.
func TestPasswordStepsEndNoSignedInSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP)
	owner := h.newClient(t)
	owner.signIn(crmHost, bob)
	enrolApp(t, h, owner)
	for range auth.MaxUserSessions + 5 {
		r := h.newClient(t).login(crmHost, bob)
		r.wantStatus(t, http.StatusOK)
		if got := r.jsonMap(t)["status"]; got != "totp_required" {
			t.Fatalf("password step: status %v, want totp_required", got)
		}
		h.clock.Advance(time.Second)
	}
	owner.get(crmHost, "/").wantStatus(t, http.StatusOK)
}

// TestSharedAccountKeepsItsConfiguredSessions: session.max_per_account
// sets the limit (a shared account used from more browsers than the
// default's at once): with 3, the fourth and fifth sign-ins end the two
// oldest, and the three newest stay signed in.
func TestSharedAccountKeepsItsConfiguredSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Session.MaxPerAccount = 3 }})
	var clients []*client
	for range 5 {
		c := h.newClient(t)
		c.api(appHost, "login", map[string]any{"username": bob.name, "password": bob.password}).wantStatus(t, http.StatusOK)
		clients = append(clients, c)
		h.clock.Advance(time.Minute)
	}
	for i, c := range clients {
		r := c.get(appHost, "/")
		if i < 2 {
			r.wantError(t, http.StatusUnauthorized, "unauthenticated")
		} else {
			r.wantStatus(t, http.StatusOK)
		}
	}
}

// TestPasswordStepsEndNoCodeOnlySignIn: whoever has only the password of
// an account cannot sign out its person who signed in with a code to
// their phone alone (users.passwordless, an sms route) by filling the
// account's sessions with password steps: a session that proved only
// the password, the one factor they hold, ends before one that proved
// the phone. Before, both counted one factor and the oldest went first:
// a hundred password steps signed the person out, and as many again did
// each time they signed back in.
func TestPasswordStepsEndNoCodeOnlySignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	owner := h.newClient(t)
	owner.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
	owner.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)}).wantStatus(t, http.StatusOK)
	owner.get(smsHost, "/").wantStatus(t, http.StatusOK)
	for range auth.MaxUserSessions + 5 {
		h.clock.Advance(time.Second)
		// The code each step sends may be refused (the number's quota):
		// the password step is kept all the same.
		if r := h.newClient(t).login(crmHost, bob); r.status == http.StatusUnauthorized {
			t.Fatalf("password step: %d %s", r.status, r.body)
		}
	}
	owner.get(smsHost, "/").wantStatus(t, http.StatusOK)
}
