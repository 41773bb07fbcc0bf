package gateway

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Decisions, the values of gatehouse_requests_total's "decision" label.
const (
	decisionAllow     = "allow"
	decisionBypass    = "bypass"
	decisionLogin     = "login"
	decisionForbidden = "forbidden"
	decisionError     = "error"
)

// Modes of an authorisation decision, the values of
// gatehouse_auth_decision_duration_seconds's "mode" label.
const (
	modeProxy       = "proxy"
	modeAuthRequest = "auth_request"
	modeForwardAuth = "forward_auth"
)

// decisionBuckets span a memory-store decision (microseconds) to a
// store call at its op_timeout.
var decisionBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}

// upstreamBuckets span a local upstream to the default response timeout.
var upstreamBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// metrics are the gateway's Prometheus series. Several Servers may share
// one registry (a configuration reload builds a new Server while the old
// one finishes its requests): they then share the series.
type metrics struct {
	requests         *prometheus.CounterVec // route, decision
	logins           *prometheus.CounterVec // result
	otp              *prometheus.CounterVec // event
	audit            *prometheus.CounterVec // event, reason
	errors           *prometheus.CounterVec // code
	upstreamErrors   *prometheus.CounterVec // route, code
	upstreamDuration *prometheus.HistogramVec
	decisionDuration *prometheus.HistogramVec
	bans             prometheus.Counter

	// Children resolved once, for the request path.
	noRoute     prometheus.Counter
	decideProxy prometheus.Observer
	decideNginx prometheus.Observer
	decideFwd   prometheus.Observer
}

// routeMetrics are one route's series, resolved when the route table is
// compiled so that a request does no label lookup.
type routeMetrics struct {
	allow, bypass, login, forbidden, errors prometheus.Counter
	upstream                                prometheus.Observer
	unavailable, timeout                    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{}
	var err error
	reuse := func(c prometheus.Collector) prometheus.Collector {
		if err != nil {
			return c
		}
		var c2 prometheus.Collector
		c2, err = register(reg, c)
		return c2
	}
	m.requests = reuse(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_requests_total",
		Help: "Requests by route and decision (allow, bypass, login, forbidden, no_route, untrusted_peer, error).",
	}, []string{"route", "decision"})).(*prometheus.CounterVec)
	m.logins = reuse(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_logins_total", Help: "Password steps by result (password: accepted, failed: refused).",
	}, []string{"result"})).(*prometheus.CounterVec)
	m.otp = reuse(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_otp_total", Help: "One-time codes sent, verified and failed.",
	}, []string{"event"})).(*prometheus.CounterVec)
	m.audit = reuse(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_audit_events_total",
		Help: "Audit events (login_succeeded, login_failed, otp_sent, otp_verified, otp_failed, banned, logout, ...) by reason where the event has one.",
	}, []string{"event", "reason"})).(*prometheus.CounterVec)
	m.errors = reuse(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_http_errors_total",
		Help: "Answers of 500 or more by error code (store_unavailable, overloaded, sms_failed, upstream_unavailable, ...).",
	}, []string{"code"})).(*prometheus.CounterVec)
	m.upstreamErrors = reuse(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_upstream_errors_total",
		Help: "Upstream failures by route and code (upstream_unavailable: 502, upstream_timeout: 504).",
	}, []string{"route", "code"})).(*prometheus.CounterVec)
	m.upstreamDuration = reuse(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gatehouse_upstream_duration_seconds",
		Help:    "Time from sending a request upstream to its response headers (or failure), by route.",
		Buckets: upstreamBuckets,
	}, []string{"route"})).(*prometheus.HistogramVec)
	m.decisionDuration = reuse(prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gatehouse_auth_decision_duration_seconds",
		Help:    "Time to decide whether a request may pass (session and user lookup, policy), by mode (proxy, auth_request, forward_auth).",
		Buckets: decisionBuckets,
	}, []string{"mode"})).(*prometheus.HistogramVec)
	m.bans = reuse(prometheus.NewCounter(prometheus.CounterOpts{
		Name: "gatehouse_bans_total", Help: "Users or client IPs banned by regulation.",
	})).(prometheus.Counter)
	if err != nil {
		return nil, err
	}
	m.noRoute = m.requests.WithLabelValues("", "no_route")
	m.decideProxy = m.decisionDuration.WithLabelValues(modeProxy)
	m.decideNginx = m.decisionDuration.WithLabelValues(modeAuthRequest)
	m.decideFwd = m.decisionDuration.WithLabelValues(modeForwardAuth)
	return m, nil
}

// register registers c, or returns the equal collector reg already has.
func register(reg prometheus.Registerer, c prometheus.Collector) (prometheus.Collector, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		return are.ExistingCollector, nil
	}
	return c, err
}

// forRoute resolves the series of the route named name.
func (m *metrics) forRoute(name string) *routeMetrics {
	return &routeMetrics{
		allow:       m.requests.WithLabelValues(name, decisionAllow),
		bypass:      m.requests.WithLabelValues(name, decisionBypass),
		login:       m.requests.WithLabelValues(name, decisionLogin),
		forbidden:   m.requests.WithLabelValues(name, decisionForbidden),
		errors:      m.requests.WithLabelValues(name, decisionError),
		upstream:    m.upstreamDuration.WithLabelValues(name),
		unavailable: m.upstreamErrors.WithLabelValues(name, "upstream_unavailable"),
		timeout:     m.upstreamErrors.WithLabelValues(name, "upstream_timeout"),
	}
}

// forget drops the series of a route that a reload removed.
func (m *metrics) forget(name string) {
	for _, d := range []string{decisionAllow, decisionBypass, decisionLogin, decisionForbidden, decisionError} {
		m.requests.DeleteLabelValues(name, d)
	}
	m.upstreamDuration.DeleteLabelValues(name)
	m.upstreamErrors.DeleteLabelValues(name, "upstream_unavailable")
	m.upstreamErrors.DeleteLabelValues(name, "upstream_timeout")
}

// auditEvent counts one audit event with its reason ("" if none).
func (m *metrics) auditEvent(event, reason string) {
	m.audit.WithLabelValues(event, reason).Inc()
}

// serverError counts one answer of 500 or more by its error code, one
// of the error table's (docs/operations.md, "Metrics"): the portal's,
// its API's and forward-auth's (logIfServerError), a proxied request's
// (proxyError) and a panic's (recovered).
func (m *metrics) serverError(code string) {
	m.errors.WithLabelValues(code).Inc()
}

// since returns the seconds elapsed since begin, for Observe.
func since(begin time.Time) float64 { return time.Since(begin).Seconds() }

// auditReason returns the "reason" value of an audit event's key/value
// pairs, "" if it has none.
func auditReason(kv []any) string {
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok && k == "reason" {
			r, _ := kv[i+1].(string)
			return r
		}
	}
	return ""
}
