package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// close releases the store client.
func (a *app) close() {
	for _, c := range a.closers {
		_ = c()
	}
}

// start runs the generation's background work (the users file watcher,
// the gateway's counts of repeated attempts) until its stop is called or
// ctx ends. stop returns once the gateway wrote the counts still open.
func (g *generation) start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	if g.fileUsers != nil {
		go g.fileUsers.Run(ctx, 2*time.Second)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.gateway.Run(ctx)
	}()
	g.stop = func() {
		cancel()
		<-done
	}
}

// maxHeaderBytes bounds a request's line and headers on every listener,
// admin_listen's included (docs/contract.md, "Decisions": 431 past it):
// net/http's default is 1 MiB.
const maxHeaderBytes = 64 << 10

// serve runs the main and admin listeners until ctx ends, reloading the
// configuration on SIGHUP and when its file changes, then shuts down
// gracefully: /readyz turns 503, the listeners stop accepting, and
// requests in flight get server.timeouts.shutdown to finish before their
// connections are closed. ln and adminLn may be given (tests, demo);
// otherwise the configured addresses are listened on.
func (a *app) serve(ctx context.Context, ln, adminLn net.Listener) error {
	cfg := a.cfg
	var err error
	var lc net.ListenConfig
	if ln == nil {
		if ln, err = lc.Listen(ctx, "tcp", cfg.Server.Listen); err != nil {
			return fmt.Errorf("listen %s: %w", cfg.Server.Listen, err)
		}
	}
	if adminLn == nil && cfg.Server.AdminListen != "" {
		if adminLn, err = lc.Listen(ctx, "tcp", cfg.Server.AdminListen); err != nil {
			_ = ln.Close() // never served; the listen error is the one to report
			return fmt.Errorf("admin_listen %s: %w", cfg.Server.AdminListen, err)
		}
	}
	if a.dev.on {
		if err := checkDevListeners(ln, adminLn); err != nil {
			_ = ln.Close() // never served
			if adminLn != nil {
				_ = adminLn.Close()
			}
			return err
		}
	}
	t := cfg.Server.Timeouts
	errLog := newErrorLog(a.log)
	ln = &onceCloseListener{Listener: ln}
	drain := newDrainer()
	main := &http.Server{
		// Each request runs on the generation current when it arrives.
		Handler: drain.handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.reloads.inflight.Inc()
			defer a.reloads.inflight.Dec()
			a.current.Load().gateway.Handler().ServeHTTP(w, r)
		})),
		ConnState:         drain.connState,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          errLog,
		// WriteTimeout bounds an HTTP/1.x connection's writes, but over
		// HTTP/2 only each stream's: a client that stops reading
		// (its TCP window shut) held its connection, and a goroutine
		// blocked writing to it, for good (docs/contract.md, "Slow
		// clients"). So over HTTP/2 the connection is closed once
		// nothing could be written to it for as long.
		HTTP2: &http.HTTP2Config{WriteByteTimeout: t.Write},
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
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          errLog,
		}
		go func() { errc <- admin.Serve(adminLn) }()
		a.log.Info("admin listening", "addr", adminLn.Addr().String())
	}
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
	a.shutdown(stopNow(ctx), main, ln, drain, admin)
	if g := a.current.Load(); g.stop != nil {
		g.stop()
	}
	return serveErr
}

// shutdown drains the main server within server.timeouts.shutdown (of the
// current configuration): its listener ln closes, every request already
// sent is answered, with Connection: close, and idle connections close
// (see drainer). What is still open after that is closed. Then it waits,
// within the same grace, for the texts still at the provider, and stops
// the admin server. The end of now (a second SIGTERM or SIGINT) cuts
// the grace short: what is still open is closed, no text is waited for.
func (a *app) shutdown(now context.Context, main *http.Server, ln net.Listener, drain *drainer, admin *http.Server) {
	a.admin.SetDraining()
	grace := a.current.Load().cfg.Server.Timeouts.Shutdown
	a.log.Info("shutting down: no new connections, finishing requests in flight", "grace", grace.String())
	begin := time.Now()
	ctx, cancel := context.WithTimeout(now, grace)
	defer cancel()
	drain.drain(ctx, ln)
	if err := main.Shutdown(ctx); err != nil {
		if now.Err() != nil {
			a.log.Warn("second signal: closing the connections still open", "after", time.Since(begin).Round(time.Millisecond).String())
		} else {
			a.log.Warn("shutdown grace expired; closing the connections still open", "grace", grace.String(), "error", err)
		}
		_ = main.Close()
	} else {
		a.log.Info("requests in flight finished", "took", time.Since(begin).Round(time.Millisecond).String())
	}
	// Texts answered before the shutdown and still at the provider are
	// waited for, within the same grace (docs/contract.md, "SMS delivery").
	if g := a.current.Load(); g.otp != nil {
		if err := g.otp.Wait(ctx); err != nil && now.Err() == nil {
			a.log.Warn("shutdown grace expired with texts still at the provider", "grace", grace.String())
		}
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

// newErrorLog routes net/http's own error messages (TLS handshake
// failures, accept errors) to the structured log as warnings.
func newErrorLog(log *slog.Logger) *stdlog.Logger {
	return slog.NewLogLogger(log.Handler(), slog.LevelWarn)
}
