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

// errSessionCut is the cause of a request's context that watchSession
// ended: one cut before its answer is 502 (proxyError).
var errSessionCut = errors.New("its session no longer gets it through")

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
func (s *proxySurface) watchSession(ctx context.Context, end context.CancelCauseFunc, r *http.Request, rt *route, t target, aged time.Time) {
	tick := time.NewTicker(upgradeRecheck)
	defer tick.Stop()
	for {
		if ctx.Err() != nil {
			return
		}
		ok, err := s.latest().stillRelays(ctx, r, t, rt, aged)
		if !ok {
			if ctx.Err() != nil {
				return
			}
			what := "request"
			if isWebSocket(r) {
				what = "websocket"
			}
			s.log.InfoContext(ctx, what+" cut: its session no longer gets it through", "route", rt.name, "error", err)
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

// stillRelays reports whether s would let r, the handshake of a WebSocket
// relayed to rt, read as t, through now: to a route of the same name and
// upstream, not bypassed, with an identity. The error says why not when
// it was one (the store not answering, a path now refused).
// Proofs are aged at aged, or now when it is zero.
func (s *core) stillRelays(ctx context.Context, r *http.Request, t target, rt *route, aged time.Time) (bool, error) {
	now, bypassed, err := s.routeFor(r, &t)
	if err != nil || now == nil || bypassed || now.name != rt.name || now.upstream.String() != rt.upstream.String() {
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
