package gateway

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// target is a request to decide on: the host it is for, its path (every
// reading, see reqPath), its method and its raw query (whose _method
// parameters are read as methods too, see methodOverrides).
type target struct {
	host   string // normalised
	path   reqPath
	method string
	// sent is the method as the app will receive it when that is not
	// method upper-cased: forward-auth's, as the client sent it ("" in
	// proxy mode, which forwards the method upper-cased).
	sent  string
	query string
	// unsaid: the front door did not say the method, which is read as
	// GET where no route decides by it (docs/contract.md, "Forward-auth
	// protocol").
	unsaid bool
	// elsewhere: a WebSocket handshake sent by a page of another origin
	// (pageElsewhere), which is never let through with an identity.
	elsewhere bool
	// unasked: a post a page of another origin sent without asking the
	// app (unaskedPost), or with the method unsaid a request that may be
	// one, let through with an identity only where the route takes them
	// (cross_origin_posts: allow).
	unasked bool
}

// verdictOK is an allowed request: its route, and the identity to send
// with it (none for a bypassed path or route).
type verdictOK struct {
	route  *route
	id     identity
	withID bool
}

// check is the one decision proxy mode and both forward-auth endpoints
// make about a request (docs/contract.md, "Request paths", "Policies"):
// the route for every reading of the path and of the method (r's
// method-override headers, t's _method query parameters, the method as
// sent), then the route's policy applied to r's
// session; a WebSocket handshake allowed with an identity must come from
// a page of the request's own origin (t.elsewhere), and so must a post
// the app was not asked about (t.unasked) unless the route takes them. It
// returns errBadPath, errBadMethod, errNoRoute, errForbidden,
// errSocketElsewhere, errUnaskedPost (errMethodUnsaid when t's method is
// unsaid), a store error (fail closed) or a login error (see
// isLoginError); observe times the session check.
func (s *core) check(ctx context.Context, r *http.Request, t target, observe prometheus.Observer) (verdictOK, error) {
	rt, bypassed, err := s.routeFor(r, &t)
	if err != nil {
		return verdictOK{}, err
	}
	if rt == nil {
		s.metrics.noRoute.Inc()
		return verdictOK{}, errNoRoute
	}
	if bypassed {
		rt.m.bypass.Inc()
		return verdictOK{route: rt}, nil
	}
	begin := time.Now()
	sess, u, err := s.userOf(ctx, r)
	if err != nil {
		observe.Observe(since(begin))
		rt.m.errors.Inc()
		return verdictOK{}, err
	}
	d := decide(rt, sess, u, s.now())
	observe.Observe(since(begin))
	switch d.verdict {
	case allow:
		if t.elsewhere {
			rt.m.forbidden.Inc()
			return verdictOK{}, errSocketElsewhere
		}
		if t.unasked && !rt.anyOrigin {
			rt.m.forbidden.Inc()
			if t.unsaid {
				// Refused as a POST, passed as a GET: the method decides.
				return verdictOK{}, errMethodUnsaid
			}
			return verdictOK{}, errUnaskedPost
		}
		id, err := s.identityFor(d, rt.name)
		if err != nil {
			return verdictOK{}, err
		}
		rt.m.allow.Inc()
		return verdictOK{route: rt, id: id, withID: true}, nil
	case forbidden:
		rt.m.forbidden.Inc()
		return verdictOK{}, errForbidden
	default:
		rt.m.login.Inc()
		return verdictOK{}, d.loginError()
	}
}

// routeFor is check's first step: the route r (read as t) is for, nil
// for none, and whether its path is bypassed there; errBadPath or
// errBadMethod when its readings disagree, errMethodUnsaid when t's
// method is unsaid and the routes decide it by method.
func (s *core) routeFor(r *http.Request, t *target) (*route, bool, error) {
	tab := s.routes()
	rt, bypassed, err := tab.resolve(t.host, &t.path, t.method, methodOverrides(r.Header, t.query)...)
	switch {
	case err != nil:
	case t.sent != "" && !tab.agreesAsSent(t.host, &t.path, t.sent, rt, bypassed):
		err = errBadMethod
	case t.unsaid && !tab.agreesForAnyMethod(t.host, &t.path, rt, bypassed):
		err = errMethodUnsaid
	}
	return rt, bypassed, err
}

// isLoginError reports a refusal the person can fix by signing in or
// proving a method again: browsers are sent to the portal for it.
func isLoginError(err error) bool {
	return errors.Is(err, errUnauthenticated) || errors.Is(err, errStepUp) || errors.Is(err, errReauth)
}
