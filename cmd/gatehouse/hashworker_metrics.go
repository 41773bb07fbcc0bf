package main

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-auth/gatehouse/internal/hashworker"
)

// registerHashWorkerMetrics exports how many password hashing workers c
// replaced, by reason: hung (killed for not answering within its bound)
// or exited (ended on its own), docs/operations.md "Metrics".
func registerHashWorkerMetrics(reg prometheus.Registerer, c *hashworker.Client) error {
	const name, help = "gatehouse_hash_worker_replaced_total",
		"Password hashing workers replaced, by reason: hung (a hash went unanswered past its bound; killed) or exited (crashed or killed from outside)."
	var errs []error
	for reason, value := range map[string]func(hashworker.Stats) uint64{
		"hung":   func(s hashworker.Stats) uint64 { return s.Hung },
		"exited": func(s hashworker.Stats) uint64 { return s.Exited },
	} {
		errs = append(errs, reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: name, Help: help, ConstLabels: prometheus.Labels{"reason": reason},
		}, func() float64 { return float64(value(c.Stats())) })))
	}
	return errors.Join(errs...)
}
