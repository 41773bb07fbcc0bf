package gateway

import (
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// assertionCache reuses a signed assertion per (session, route, identity)
// for the first three quarters of its lifetime, so signing is not paid on
// every request while upstreams always get at least a quarter of the TTL.
type assertionCache struct {
	signer *auth.Signer
	ttl    time.Duration
	clock  auth.Clock

	mu      sync.Mutex
	entries map[string]cachedAssertion
	sweepAt time.Time
}

type cachedAssertion struct {
	token   string
	renewAt time.Time
}

// maxAssertionEntries bounds the cache; past it, expired entries are swept
// and, if still full, the cache starts over.
const maxAssertionEntries = 100_000

func newAssertionCache(signer *auth.Signer, ttl time.Duration, clock auth.Clock) *assertionCache {
	return &assertionCache{signer: signer, ttl: ttl, clock: clock, entries: make(map[string]cachedAssertion)}
}

// get returns a valid assertion for sess on route, signing when needed.
func (a *assertionCache) get(sess *auth.Session, routeName string, u *auth.User, methods []string) (string, error) {
	// The key covers everything the token asserts, so a changed user
	// (groups, email, name after a users.yaml reload) gets a new token.
	var b strings.Builder
	b.Grow(len(sess.ID) + len(routeName) + len(u.Username) + len(u.Email) + len(u.DisplayName) + 32)
	for _, part := range []string{sess.ID, routeName, u.Username, u.Email, u.DisplayName} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	for _, g := range u.Groups {
		b.WriteString(g)
		b.WriteByte(',')
	}
	b.WriteByte(0)
	for _, m := range methods {
		b.WriteString(m)
		b.WriteByte(',')
	}
	key := b.String()
	now := a.clock.Now()

	a.mu.Lock()
	e, ok := a.entries[key]
	a.mu.Unlock()
	if ok && now.Before(e.renewAt) {
		return e.token, nil
	}
	tok, _, err := a.signer.Sign(auth.Assertion{
		Subject:  u.Username,
		Audience: routeName,
		Email:    u.Email,
		Name:     u.DisplayName,
		Groups:   u.Groups,
		AMR:      methods,
	})
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	if len(a.entries) >= maxAssertionEntries && now.After(a.sweepAt) {
		for k, v := range a.entries {
			if !now.Before(v.renewAt) {
				delete(a.entries, k)
			}
		}
		a.sweepAt = now.Add(a.ttl / 4)
		if len(a.entries) >= maxAssertionEntries {
			a.entries = make(map[string]cachedAssertion)
		}
	}
	a.entries[key] = cachedAssertion{token: tok, renewAt: now.Add(a.ttl * 3 / 4)}
	a.mu.Unlock()
	return tok, nil
}
