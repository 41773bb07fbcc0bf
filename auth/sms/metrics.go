package sms

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics is an Observer that exports Prometheus series:
//
//	gatehouse_sms_sent_total{provider}                        messages sent or verifications started
//	gatehouse_sms_failures_total{provider,operation,reason}   failed calls (invalid_phone, rate_limited, expired, failed)
//	gatehouse_sms_checks_total{provider,result}               provider code checks (right, wrong)
//	gatehouse_sms_request_duration_seconds{provider,operation} call latency
type Metrics struct {
	sent     *prometheus.CounterVec
	failures *prometheus.CounterVec
	checks   *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the SMS series with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_sms_sent_total", Help: "Codes handed to the SMS provider (messages sent or verifications started), by provider.",
		}, []string{"provider"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_sms_failures_total", Help: "Failed SMS provider calls by provider, operation (send, check, cancel) and reason (invalid_phone, rate_limited, expired, failed).",
		}, []string{"provider", "operation", "reason"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_sms_checks_total", Help: "Codes checked by the provider (twilio_verify, sinch), by result (right, wrong).",
		}, []string{"provider", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_sms_request_duration_seconds",
			Help:    "SMS provider call latency by provider and operation.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"provider", "operation"}),
	}
	for _, c := range []prometheus.Collector{m.sent, m.failures, m.checks, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ObserveSMS implements Observer.
func (m *Metrics) ObserveSMS(e Event) {
	m.duration.WithLabelValues(e.Provider, e.Op).Observe(e.Duration.Seconds())
	switch {
	case e.Op == OpSend && e.Outcome == OutcomeOK:
		m.sent.WithLabelValues(e.Provider).Inc()
	case e.Op == OpCheck && e.Outcome == OutcomeOK:
		m.checks.WithLabelValues(e.Provider, "right").Inc()
	case e.Op == OpCheck && e.Outcome == OutcomeWrongCode:
		m.checks.WithLabelValues(e.Provider, "wrong").Inc()
	case e.Outcome != OutcomeOK:
		m.failures.WithLabelValues(e.Provider, e.Op, e.Outcome).Inc()
	}
}

var _ Observer = (*Metrics)(nil)
