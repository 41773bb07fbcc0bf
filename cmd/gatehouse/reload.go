package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/exetrim"
	"github.com/gatehouse-auth/gatehouse/internal/framing"
	"github.com/gatehouse-auth/gatehouse/internal/h1fast"
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

// close releases the store client.
func (a *app) close() {
	for _, c := range a.closers {
		_ = c()
	}
}

// start runs the generation's background work (the users file watcher)
// until its stop is called or ctx ends.
func (g *generation) start(ctx context.Context) {
	ctx, g.stop = context.WithCancel(ctx)
	if g.fileUsers != nil {
		go g.fileUsers.Run(ctx, 2*time.Second)
	}
}

// serve runs the main and admin listeners until ctx ends, reloading the
// configuration on SIGHUP and when its file changes, then shuts down
// gracefully: /readyz turns 503, the listeners stop accepting, and
// requests in flight get server.timeouts.shutdown to finish before their
// connections are closed. ln and adminLn may be given (tests, demo);
// otherwise the configured addresses are listened on.
func (a *app) serve(ctx context.Context, ln, adminLn net.Listener) error {
	cfg := a.cfg
	var err error
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Server.Listen); err != nil {
			return fmt.Errorf("listen %s: %w", cfg.Server.Listen, err)
		}
	}
	if adminLn == nil && cfg.Server.AdminListen != "" {
		if adminLn, err = net.Listen("tcp", cfg.Server.AdminListen); err != nil {
			ln.Close()
			return fmt.Errorf("admin_listen %s: %w", cfg.Server.AdminListen, err)
		}
	}
	t := cfg.Server.Timeouts
	errLog := newErrorLog(a.log)
	main := &http.Server{
		// Each request runs on the generation current when it arrives.
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.reloads.inflight.Inc()
			defer a.reloads.inflight.Dec()
			a.current.Load().gateway.Handler().ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errLog,
	}
	tlsOn := cfg.Server.TLS.CertFile != ""
	if tlsOn {
		// The certificate is the current generation's: a reload picks up
		// renewed files.
		main.TLSConfig = &tls.Config{
			MinVersion: tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				return a.current.Load().cert, nil
			},
		}
	}
	errc := make(chan error, 2)
	a.current.Load().start(ctx)
	var front *h1fast.Front
	if !tlsOn && cfg.Server.FastAuthz {
		// The forward-auth targets' requests are answered without
		// net/http's per-request machinery; any other connection goes to
		// main as it is.
		front = h1fast.New(ln, h1fast.Config{
			Handler:           main.Handler,
			Fast:              func(path string) bool { return a.current.Load().gateway.IsAuthzPath(path) },
			ReadTimeout:       t.Read,
			ReadHeaderTimeout: t.ReadHeader,
			WriteTimeout:      t.Write,
			IdleTimeout:       t.Idle,
			Log:               a.log,
		})
		ln = front
		a.front.Store(front)
	}
	if !tlsOn {
		// Every request net/http reads is checked for a head with both
		// Content-Length and Transfer-Encoding (refused, connection
		// closed); TLS bytes cannot be scanned (docs/contract.md).
		ln = framing.Listen(ln)
		framing.Configure(main)
	}
	go func() {
		if tlsOn {
			errc <- main.ServeTLS(ln, "", "")
			return
		}
		errc <- main.Serve(ln)
	}()
	a.log.Info("gatehouse listening", "addr", ln.Addr().String(), "version", version, "routes", len(cfg.Routes), "store", cfg.Store.Driver)
	var admin *http.Server
	if adminLn != nil {
		admin = &http.Server{
			Handler:           a.admin,
			ReadHeaderTimeout: t.ReadHeader,
			ReadTimeout:       t.Read,
			WriteTimeout:      t.Write,
			ErrorLog:          errLog,
		}
		go func() { errc <- admin.Serve(adminLn) }()
		a.log.Info("admin listening", "addr", adminLn.Addr().String())
	}
	a.releaseStartupPages("start")
	watchDone := make(chan struct{})
	wctx, stopWatching := context.WithCancel(ctx)
	go func() {
		defer close(watchDone)
		a.watchConfig(wctx)
	}()

	var serveErr error
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	case <-ctx.Done():
	}
	stopWatching()
	<-watchDone
	a.shutdown(main, front, admin)
	if g := a.current.Load(); g.stop != nil {
		g.stop()
	}
	return serveErr
}

// shutdown drains the main server within server.timeouts.shutdown (of the
// current configuration), closing what is still open after that, then
// stops the admin server.
func (a *app) shutdown(main *http.Server, front *h1fast.Front, admin *http.Server) {
	a.admin.SetDraining()
	grace := a.current.Load().cfg.Server.Timeouts.Shutdown
	a.log.Info("shutting down: no new connections, finishing requests in flight", "grace", grace.String())
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := main.Shutdown(ctx) // closes front too
	if err == nil && front != nil {
		err = front.Wait(ctx)
	}
	if err != nil {
		a.log.Warn("shutdown grace expired; closing the connections still open", "grace", grace.String(), "error", err)
		_ = main.Close()
	} else {
		a.log.Info("requests in flight finished", "took", time.Since(begin).Round(time.Millisecond).String())
	}
	if admin != nil {
		actx, acancel := context.WithTimeout(context.Background(), adminShutdown)
		defer acancel()
		if err := admin.Shutdown(actx); err != nil {
			_ = admin.Close()
		}
	}
	a.log.Info("stopped")
}

// watchConfig reloads the configuration on SIGHUP and when the file's
// content changes, until ctx ends.
func (a *app) watchConfig(ctx context.Context) {
	if a.configPath == "" {
		return
	}
	seen, _ := fileSum(a.configPath)
	tick := time.NewTicker(configPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.hup:
			a.log.Info("SIGHUP: reloading the configuration", "file", a.configPath)
			seen, _ = fileSum(a.configPath)
			_ = a.reload(ctx)
		case <-tick.C:
			sum, err := fileSum(a.configPath)
			if err != nil || sum == seen {
				continue // an unreadable file is reported when it is loaded
			}
			seen = sum
			a.log.Info("configuration file changed: reloading", "file", a.configPath)
			_ = a.reload(ctx)
		}
	}
}

// fileSum hashes a file's content.
func fileSum(path string) ([sha256.Size]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return [sha256.Size]byte{}, err
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
	cfg, warnings, err := checkConfig(a.configPath)
	if err == nil {
		logWarnings(a.log, warnings)
		a.warnRestartOnly(cfg)
		var g *generation
		if g, err = a.newGeneration(ctx, cfg); err == nil {
			g.start(ctx)
			old := a.current.Swap(g)
			if old.stop != nil {
				old.stop()
			}
			old.gateway.Retire(g.gateway)
			a.reloads.ok.Inc()
			a.reloads.success.Set(1)
			a.reloads.at.SetToCurrentTime()
			a.log.Info("configuration reloaded", "file", a.configPath, "routes", len(cfg.Routes))
			a.releaseStartupPages("reload")
			return nil
		}
	}
	a.reloads.failed.Inc()
	a.reloads.success.Set(0)
	a.log.Error("configuration reload rejected; the previous configuration keeps serving",
		"file", a.configPath, "problems", problemList(err))
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

// warnRestartOnly gives cfg the running values of the settings a reload
// cannot change (listeners, TLS on or off, HTTP server timeouts other than
// shutdown, the store) and logs those that differed.
func (a *app) warnRestartOnly(cfg *config.Config) {
	run := a.cfg
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
	keep("server.fast_authz", cfg.Server.FastAuthz != run.Server.FastAuthz, func() { cfg.Server.FastAuthz = run.Server.FastAuthz })
	shutdown := cfg.Server.Timeouts.Shutdown
	rt, ct := run.Server.Timeouts, cfg.Server.Timeouts
	rt.Shutdown, ct.Shutdown = 0, 0
	keep("server.timeouts", rt != ct, func() {
		cfg.Server.Timeouts = run.Server.Timeouts
		cfg.Server.Timeouts.Shutdown = shutdown
	})
	keep("store", !reflect.DeepEqual(cfg.Store, run.Store), func() { cfg.Store = run.Store })
	if len(keys) > 0 {
		a.log.Warn("configuration changes that need a restart are not applied", "keys", strings.Join(keys, ", "))
	}
}

// newErrorLog routes net/http's own error messages (TLS handshake
// failures, accept errors) to the structured log as warnings.
func newErrorLog(log *slog.Logger) *stdlog.Logger {
	return slog.NewLogLogger(log.Handler(), slog.LevelWarn)
}

// releaseStartupPages gives back the pages of the executable that start-up
// or a reload touched and serving does not (internal/exetrim): about two
// thirds of the file-backed resident memory.
func (a *app) releaseStartupPages(after string) {
	n, err := exetrim.Release()
	if err != nil {
		a.log.Warn("start-up pages of the executable kept", "error", err)
		return
	}
	a.log.Debug("start-up pages of the executable released", "after", after, "kib", n>>10)
}

// registerFrontMetrics exports the fast front's counts: an operator can see
// whether the front door's checks take the fast path (an nginx left at
// proxy_http_version 1.0, for one, never does).
func (a *app) registerFrontMetrics() error {
	stat := func(pick func(h1fast.Stats) int64) func() float64 {
		return func() float64 {
			if f := a.front.Load(); f != nil {
				return float64(pick(f.Stats()))
			}
			return 0
		}
	}
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gatehouse_fast_authz_requests_total",
			Help: "Forward-auth checks answered without net/http (server.fast_authz).",
		}, stat(func(s h1fast.Stats) int64 { return s.Answered })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gatehouse_fast_authz_handoffs_total",
			Help: "Connections on the main listener passed to net/http because a request on them did not qualify for the fast path.",
		}, stat(func(s h1fast.Stats) int64 { return s.HandedOff })),
	} {
		if err := a.registry.Register(c); err != nil {
			return err
		}
	}
	return nil
}
