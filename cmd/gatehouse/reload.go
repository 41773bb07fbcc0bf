package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/filesettle"
	"github.com/prometheus/client_golang/prometheus"
)

// configPoll is how often the configuration file is checked for changes.
const configPoll = 2 * time.Second

// adminShutdown bounds the admin listener's shutdown, after the main one.
const adminShutdown = 2 * time.Second

// reloadMetrics count configuration reloads, and the requests in flight.
type reloadMetrics struct {
	ok, failed prometheus.Counter
	success    prometheus.Gauge // 1 if the last reload succeeded
	at         prometheus.Gauge // unix time of the last successful load
	inflight   prometheus.Gauge // requests on the main listener
}

func newReloadMetrics(reg prometheus.Registerer) (reloadMetrics, error) {
	reloads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_config_reloads_total",
		Help: "Configuration reloads (SIGHUP or file change) by result (success, failure).",
	}, []string{"result"})
	m := reloadMetrics{
		ok:     reloads.WithLabelValues("success"),
		failed: reloads.WithLabelValues("failure"),
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_config_last_reload_successful",
			Help: "1 if the last configuration reload succeeded (or none was tried), 0 if it was rejected and an older configuration is serving.",
		}),
		at: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_config_last_reload_success_timestamp_seconds",
			Help: "Unix time the serving configuration was loaded.",
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_http_requests_in_flight",
			Help: "Requests being served on the main listener (portal, API, forward-auth and proxied).",
		}),
	}
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gatehouse_build_info", Help: "Always 1; the version label is the gatehouse version.",
	}, []string{"version"})
	for _, c := range []prometheus.Collector{reloads, m.success, m.at, m.inflight, info} {
		if err := reg.Register(c); err != nil {
			return m, err
		}
	}
	info.WithLabelValues(version).Set(1)
	m.success.Set(1)
	m.at.SetToCurrentTime()
	return m, nil
}

// watchConfig reloads the configuration on SIGHUP and when the file's
// content changes (read the same by two polls in a row), until ctx ends.
func (a *app) watchConfig(ctx context.Context) {
	if a.configPath == "" {
		return
	}
	var settle filesettle.Settle
	if sum, err := fileSum(a.configPath); err == nil {
		settle.Take(sum)
	}
	tick := time.NewTicker(configPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.hup:
			a.log.Info("SIGHUP: reloading the configuration", "file", a.configPath)
			if sum, err := fileSum(a.configPath); err == nil {
				settle.Take(sum)
			}
			_ = a.reload(ctx)
		case <-tick.C:
			// A change is taken once two polls in a row read it the
			// same: a save written in place may be caught half done
			// (docs/contract.md, "Command line").
			sum, err := fileSum(a.configPath)
			if err != nil || !settle.Poll(sum) {
				continue // an unreadable file is reported when it is loaded
			}
			a.log.Info("configuration file changed: reloading", "file", a.configPath)
			_ = a.reload(ctx)
		}
	}
}

// fileSum hashes a file's content.
func fileSum(path string) (filesettle.Sum, error) {
	b, err := os.ReadFile(path) //nolint:gosec // G304: path is the configuration file the operator named (-c, $GATEHOUSE_CONFIG)
	if err != nil {
		return filesettle.Sum{}, err
	}
	return sha256.Sum256(b), nil
}

// reload loads and validates the configuration file, builds a new
// generation from it and switches new requests to it. On any problem the
// new configuration is rejected with a log line and the running one keeps
// serving. Settings that only a restart can change keep their running
// values (and are logged).
func (a *app) reload(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := checkAll(a.configPath, a.dev)
	problems, err := r.lines(), errProblems
	if !r.failed {
		logWarnings(a.log, r.warnings)
		cfg := a.keepRestartOnly(r.cfg)
		var g *generation
		if g, err = a.newGeneration(ctx, cfg); err == nil {
			old := a.current.Load()
			if old.stop != nil {
				old.stop()
			}
			if g.fileUsers != nil && old.fileUsers != nil {
				// Names gone from the same users file since the old
				// reading are forgotten, once the new reading is
				// confirmed; g's start records that reading only then
				// (docs/contract.md, "users.yaml (file backend)").
				g.fileUsers.Follow(old.fileUsers)
			}
			g.start(ctx)
			old.gateway.Retire(g.gateway) // before g serves
			a.current.Store(g)
			a.reloads.ok.Inc()
			a.reloads.success.Set(1)
			a.reloads.at.SetToCurrentTime()
			a.log.Info("configuration reloaded", "file", a.configPath, "routes", len(cfg.Routes))
			return nil
		}
		problems = problemList(err)
	}
	a.reloads.failed.Inc()
	a.reloads.success.Set(0)
	// What check-config prints, in its order (docs/contract.md, "Command
	// line"), or why the generation could not be built.
	a.log.Error("configuration reload rejected; the previous configuration keeps serving",
		"file", a.configPath, "problems", problems)
	return err
}

// problemList flattens joined errors into one string per problem.
func problemList(err error) []string {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, problemList(e)...)
		}
		return out
	}
	return []string{err.Error()}
}

// keepRestartOnly returns a copy of next with the running values of the
// settings a reload cannot change (listeners, TLS on or off, HTTP server
// timeouts other than shutdown, the hash worker, the store, the audit
// trail's caps), and logs
// those that differed. next itself is not changed.
func (a *app) keepRestartOnly(next *config.Config) *config.Config {
	run := a.cfg
	c := *next
	cfg := &c
	var keys []string
	keep := func(key string, differ bool, restore func()) {
		if differ {
			keys = append(keys, key)
			restore()
		}
	}
	keep("server.listen", cfg.Server.Listen != run.Server.Listen, func() { cfg.Server.Listen = run.Server.Listen })
	keep("server.admin_listen", cfg.Server.AdminListen != run.Server.AdminListen, func() { cfg.Server.AdminListen = run.Server.AdminListen })
	keep("server.tls", (cfg.Server.TLS.CertFile != "") != (run.Server.TLS.CertFile != ""), func() { cfg.Server.TLS = run.Server.TLS })
	shutdown := cfg.Server.Timeouts.Shutdown
	rt, ct := run.Server.Timeouts, cfg.Server.Timeouts
	rt.Shutdown, ct.Shutdown = 0, 0
	keep("server.timeouts", rt != ct, func() {
		cfg.Server.Timeouts = run.Server.Timeouts
		cfg.Server.Timeouts.Shutdown = shutdown
	})
	keep("hashing.worker", cfg.Hashing.Worker != run.Hashing.Worker, func() { cfg.Hashing.Worker = run.Hashing.Worker })
	keep("store", !reflect.DeepEqual(cfg.Store, run.Store), func() { cfg.Store = run.Store })
	// The trail lives as long as the process (app.audit), built with these.
	keep("audit.retain", cfg.Audit.Retain != run.Audit.Retain, func() { cfg.Audit.Retain = run.Audit.Retain })
	if len(keys) > 0 {
		a.log.Warn("configuration changes that need a restart are not applied", "keys", strings.Join(keys, ", "))
	}
	return cfg
}
