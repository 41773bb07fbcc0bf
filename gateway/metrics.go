package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the gateway's Prometheus series.
type metrics struct {
	requests       *prometheus.CounterVec // route, decision
	logins         *prometheus.CounterVec // result
	otp            *prometheus.CounterVec // event
	upstreamErrors *prometheus.CounterVec // route
	bans           prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_requests_total", Help: "Requests by route and decision (allow, bypass, login, forbidden, no_route, error).",
		}, []string{"route", "decision"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_logins_total", Help: "Password logins by result.",
		}, []string{"result"}),
		otp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_otp_total", Help: "One-time codes sent, verified and failed.",
		}, []string{"event"}),
		upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_upstream_errors_total", Help: "Upstream failures (502/504) by route.",
		}, []string{"route"}),
		bans: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatehouse_bans_total", Help: "Users or client IPs banned by regulation.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.logins, m.otp, m.upstreamErrors, m.bans} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
