package gateway

import (
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// assertionCache reuses a signed assertion per (route, user, proved
// methods) until a quarter of its lifetime is left (counted to its exp,
// docs/contract.md, "Assertions are reused"), so signing is not paid on
// every request while upstreams always get at least a quarter of the TTL.
// An assertion says nothing about the session it was made for, so a
// person's sessions (laptop, phone) share it and the cache grows with
// the people active, not with their sessions. An entry is only reused
// while everything it asserts (email, name, groups; the phone header too)
// is still what the user record says, so a changed user (a users.yaml
// reload, an email vouched for since) gets a new token at once. A hit
// allocates nothing: the entry holds the whole identity, its header
// values already joined, and the array of header values every check it
// answers shares (identity.values). An assertion larger than the apps'
// verifiers take is still sent, and logged at each signing.
type assertionCache struct {
	signer *auth.Signer
	ttl    time.Duration
	clock  auth.Clock
	log    *slog.Logger

	mu      sync.RWMutex
	entries map[assertionKey]*cachedAssertion
	sweepAt time.Time
}

// assertionKey is what an assertion is for: a route (its audience), a
// user and the methods the session proved, with whether its passkey
// verified the person (its amr: "mfa" for a user-verified key alone).
type assertionKey struct {
	route, user string
	methods     int // index of methodSets
}

type cachedAssertion struct {
	id      identity
	groups  []string // the user's groups as asserted, to compare
	renewAt time.Time
}

// maxAssertionEntries bounds the cache; past it, expired entries are swept
// and, if still full, the cache starts over.
const maxAssertionEntries = 100_000

func newAssertionCache(signer *auth.Signer, ttl time.Duration, clock auth.Clock, log *slog.Logger) *assertionCache {
	return &assertionCache{signer: signer, ttl: ttl, clock: clock, log: log, entries: make(map[assertionKey]*cachedAssertion)}
}

// amrMFA is the RFC 8176 amr value of two or more methods.
const amrMFA = "mfa"

// methodSets are the possible proved-method lists, by bit mask of
// auth.SessionMethods (pwd 1, sms 2, otp 4, hwk 8, rc 16) and uvBit for a
// user-verified passkey: the assertion's amr (the methods in canonical
// order, then "mfa" when there are two or more, or a user-verified
// passkey, which is two factors in one; docs/contract.md, "Identity") and
// the methods header (the methods alone, comma-joined). They are shared
// and must not be modified.
var methodSets = func() (sets [2 << len(auth.SessionMethods)]struct {
	amr    []string
	joined string
}) {
	for i := range sets {
		var list []string
		for bit, m := range auth.SessionMethods {
			if i&(1<<bit) != 0 {
				list = append(list, m)
			}
		}
		sets[i].joined = strings.Join(list, ",")
		if len(list) >= 2 || i&uvBit != 0 {
			list = append(list, amrMFA)
		}
		sets[i].amr = list
	}
	return sets
}()

// uvBit marks, in a methodSets index, a user-verified passkey.
const uvBit = 1 << len(auth.SessionMethods)

// sessionMethods returns the amr of s's proved methods, their header
// form (what Session.Methods returns, comma-joined) and their index in
// methodSets, which tells the amr apart, without allocating.
func sessionMethods(s *auth.Session) ([]string, string, int) {
	i := 0
	for bit, m := range auth.SessionMethods {
		if s.Has(m, time.Time{}) {
			i |= 1 << bit
		}
	}
	if s.HasVerifiedKey(time.Time{}) {
		i |= uvBit
	}
	return methodSets[i].amr, methodSets[i].joined, i
}

// identity returns the identity headers, with a valid signed assertion,
// for user u of session sess on route, signing only when needed. The
// session only contributes its proved methods.
func (a *assertionCache) identity(sess *auth.Session, route string, u *auth.User) (identity, error) {
	amr, methods, set := sessionMethods(sess)
	email := u.AssertedEmail() // "" for an email nobody vouched for (docs/contract.md, "Identity headers")
	now := a.clock.Now()
	key := assertionKey{route, u.Username, set}

	a.mu.RLock()
	e := a.entries[key]
	a.mu.RUnlock()
	if e != nil && now.Before(e.renewAt) && e.id.email == email && e.id.name == u.DisplayName && e.id.phone == u.Phone && slices.Equal(e.groups, u.Groups) {
		return e.id, nil
	}
	tok, exp, err := a.signer.Sign(auth.Assertion{
		Subject:  u.Username,
		Audience: route,
		Email:    email,
		Name:     auth.ShownName(u.DisplayName), // what X-Auth-Name says
		Groups:   u.Groups,
		AMR:      amr,
	})
	if err != nil {
		return identity{}, err
	}
	if len(tok) > auth.MaxAssertionSize {
		// Apps verifying it refuse every request of this person
		// (docs/contract.md, "Identity headers"): say whose groups.
		a.log.Error("assertion larger than verifiers take", "user", u.Username, "route", route,
			"bytes", len(tok), "max", auth.MaxAssertionSize, "groups", len(u.Groups))
	}
	e = &cachedAssertion{
		id: identity{
			user:      u.Username,
			email:     email,
			name:      u.DisplayName,
			phone:     u.Phone,
			groups:    strings.Join(u.Groups, ","),
			methods:   methods,
			assertion: tok,
		},
		groups: slices.Clone(u.Groups),
		// From exp, not now: iat is now in whole seconds, so exp can be
		// up to a second short of now + ttl.
		renewAt: exp.Add(-a.ttl / 4),
	}
	e.id.values = e.id.headerValues()
	a.mu.Lock()
	if len(a.entries) >= maxAssertionEntries && now.After(a.sweepAt) {
		for k, v := range a.entries {
			if !now.Before(v.renewAt) {
				delete(a.entries, k)
			}
		}
		a.sweepAt = now.Add(a.ttl / 4)
		if len(a.entries) >= maxAssertionEntries {
			a.entries = make(map[assertionKey]*cachedAssertion)
		}
	}
	a.entries[key] = e
	a.mu.Unlock()
	return e.id, nil
}
