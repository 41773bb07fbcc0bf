package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// A WebSocket, or any long request, lasts as long as its session
// (docs/contract.md, "WebSocket proxying", "Long requests"): the
// gateway's decision is made once, on the request (the handshake), and a
// connection switched to WebSocket then relays, or a streamed answer
// flows, for as long as both ends keep it. One forwarded with an identity
// and still under way after upgradeRecheck is looked at then and every
// upgradeRecheck after, by the decision every request gets (the session in the
// store, its user enabled and with the same credentials, the route's
// policy, groups and max_auth_age), and closed, both ways, once that would
// refuse it: signed out, revoked by an administrator, expired, the account
// disabled or its credentials changed. A store that does not answer closes
// it too (fail closed). The decision is the one of the configuration
// serving now (docs/contract.md, "Reload"): after a reload, the new
// routes and users decide, and a handshake they would send to no route,
// another route or upstream, or a bypassed path is closed as well.

// A WebSocket or long request forwarded without an identity (its path
// bypassed) is looked at the same way, but only by a configuration that
// replaced the one it was opened under: it is closed once the one
// serving now would not bypass its handshake on a route of the same name
// and upstream (a reload that gave the route a policy, denied or removed
// it, or took the path out of bypass_paths).

// errSessionCut is the cause of a request's context that watchSession
// ended: one cut before its answer is 502 (proxyError).
var errSessionCut = errors.New("no longer let through")

// upgradeRecheck is how often the session of an open WebSocket or a long
// request is looked at.
const upgradeRecheck = 5 * time.Second

// watchSession looks at r, read as t, now and then every
// upgradeRecheck, and calls end once it no longer gets through to rt with
// an identity; it returns when ctx is done (the request finished).
// ReverseProxy closes the upstream's side of a switched connection when
// the request's context ends, and the client's with it; an answer being
// copied is cut off (the client's connection dropped), and one not yet
// begun is a 502 (the context's cause is errSessionCut).
//
// A WebSocket's proofs must stay within the route's max_auth_age as it
// goes on, as its contract says; any other request's are judged as they
// were when it started (aged), so that a download or upload begun
// within max_auth_age is not cut when the proofs grow old on the way.
//
// One forwarded without an identity (withID false) is looked at only
// once a reload replaced s, and is cut once the configuration serving
// now would not bypass it (stillBypasses).
func (s *proxySurface) watchSession(ctx context.Context, end context.CancelCauseFunc, r *http.Request, rt *route, t target, aged time.Time, withID bool) {
	tick := time.NewTicker(upgradeRecheck)
	defer tick.Stop()
	for {
		if ctx.Err() != nil {
			return
		}
		if why, err := s.stillForwarded(ctx, r, t, rt, aged, withID); why != "" {
			if ctx.Err() != nil {
				return
			}
			what := "request"
			if isWebSocket(r) {
				what = "websocket"
			}
			s.log.InfoContext(ctx, what+" cut: "+why, "route", rt.name, "error", err)
			end(errSessionCut)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// stillForwarded returns "" while the configuration serving now would
// still forward r, read as t, to rt as it was (with an identity or
// not), else why not, with the error when one refused it.
func (s *proxySurface) stillForwarded(ctx context.Context, r *http.Request, t target, rt *route, aged time.Time, withID bool) (string, error) {
	cur := s.latest()
	switch {
	case withID:
		if ok, err := cur.stillRelays(ctx, r, t, rt, aged); !ok {
			return "its session no longer gets it through", err
		}
	case cur != s.core:
		if ok, err := cur.stillBypasses(r, t, rt); !ok {
			return "the configuration serving now no longer bypasses it", err
		}
	}
	return "", nil
}

// stillRelays reports whether s would let r, the handshake of a WebSocket
// relayed to rt, read as t, through now: to a route of the same name and
// upstream, not bypassed, with an identity. The error says why not when
// it was one (the store not answering, a path now refused).
// Proofs are aged at aged, or now when it is zero.
func (s *core) stillRelays(ctx context.Context, r *http.Request, t target, rt *route, aged time.Time) (bool, error) {
	now, bypassed, err := s.routeAgain(r, t, rt)
	if now == nil || bypassed {
		return false, err
	}
	sess, u, err := s.userOf(ctx, r)
	if err != nil {
		return false, err
	}
	if aged.IsZero() {
		aged = s.now()
	}
	return decide(now, sess, u, aged).verdict == allow, nil
}

// stillBypasses reports whether s would forward r, a request relayed to
// rt without an identity, read as t, as it was: bypassed, on a route of
// the same name and upstream.
func (s *core) stillBypasses(r *http.Request, t target, rt *route) (bool, error) {
	now, bypassed, err := s.routeAgain(r, t, rt)
	return now != nil && bypassed, err
}

// routeAgain is the route s sends r, read as t, to, and whether its path
// is bypassed there, when that route has rt's name and upstream; nil
// otherwise (with the error, when one refused it).
func (s *core) routeAgain(r *http.Request, t target, rt *route) (*route, bool, error) {
	now, bypassed, err := s.routeFor(r, &t)
	if err != nil || now == nil || now.name != rt.name || now.upstream.String() != rt.upstream.String() {
		return nil, false, err
	}
	return now, bypassed, nil
}

// latest returns the core serving now: s, or the last of the cores that
// replaced it (Server.Retire). It remembers what it found, so that a
// WebSocket open across many reloads holds no retired core in between.
func (s *core) latest() *core {
	cur := s
	for next := cur.successor.Load(); next != nil; next = cur.successor.Load() {
		cur = next
	}
	if cur != s {
		// Always one that replaced s: a store racing this one keeps
		// the chain leading here.
		s.successor.Store(cur)
	}
	return cur
}
