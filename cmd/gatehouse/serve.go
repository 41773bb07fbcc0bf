package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"text/template"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/gateway"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// hashWait is how long a login waits for a hashing slot before 503.
const hashWait = 2 * time.Second

// app is everything built from one configuration.
type app struct {
	cfg      *config.Config
	log      *slog.Logger
	store    auth.Store
	closers  []func() error
	users    *fileusers.Backend
	gateway  *gateway.Server
	registry *prometheus.Registry
}

// overrides replace parts of the configuration-driven build (the demo and
// tests use them).
type overrides struct {
	signingKey ed25519.PrivateKey
	sender     auth.Sender
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	c := fs.String("c", "", "configuration file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg, err := loadConfig(configPath(*c))
	if err != nil {
		printProblems(stderr, err)
		return errProblems
	}
	a, err := build(ctx, cfg, log, overrides{})
	if err != nil {
		return err
	}
	defer a.close()
	return a.serve(ctx, nil, nil)
}

// build makes the store, users, hasher, signer, sender, OTP and session
// services and the gateway from cfg.
func build(ctx context.Context, cfg *config.Config, log *slog.Logger, ov overrides) (*app, error) {
	a := &app{cfg: cfg, log: log, registry: prometheus.NewRegistry()}
	a.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	clock := auth.SystemClock{}

	switch cfg.Store.Driver {
	case "redis":
		client, err := redisstore.NewClient(cfg.Store.Redis)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, client.Close)
		a.store = redisstore.New(client, cfg.Store.KeyPrefix, cfg.Store.Redis.OpTimeout)
		pctx, cancel := context.WithTimeout(ctx, cfg.Store.Redis.DialTimeout+cfg.Store.Redis.OpTimeout)
		if err := a.store.Ping(pctx); err != nil {
			// Not fatal: requests fail closed with 503 and /readyz says so
			// until Redis answers.
			log.Warn("redis not reachable at startup; serving 503 until it is", "error", err)
		}
		cancel()
	default:
		a.store = memstore.New(clock)
	}

	if cfg.Users.Backend != "file" {
		return nil, fmt.Errorf("users.backend %q is not available in this build; use \"file\"", cfg.Users.Backend)
	}
	users, err := fileusers.New(cfg.Users.File, "", log)
	if err != nil {
		return nil, err
	}
	a.users = users

	key := ov.signingKey
	if key == nil {
		if key, err = auth.LoadSigningKey(cfg.Identity.SigningKeyFile); err != nil {
			return nil, err
		}
	}
	var previous []ed25519.PublicKey
	for _, f := range cfg.Identity.PreviousKeyFiles {
		pk, err := auth.LoadPublicKey(f)
		if err != nil {
			return nil, err
		}
		previous = append(previous, pk)
	}
	signer := auth.NewSigner(key, cfg.Server.PublicURL, cfg.Identity.AssertionTTL, clock, previous...)

	sender := ov.sender
	if sender == nil {
		if sender, err = newSender(cfg); err != nil {
			return nil, err
		}
	}
	msg, err := template.New("otp").Parse(cfg.OTP.Message)
	if err != nil {
		return nil, fmt.Errorf("otp.message: %w", err)
	}
	otp := auth.NewOTP(a.store, sender, signer.DeriveKey("otp"), auth.OTPConfig{
		App:            "Gatehouse",
		Length:         cfg.OTP.Length,
		TTL:            cfg.OTP.TTL,
		MaxAttempts:    cfg.OTP.MaxAttempts,
		ResendCooldown: cfg.OTP.ResendCooldown,
		MaxSends:       cfg.OTP.MaxSends.Count,
		SendWindow:     cfg.OTP.MaxSends.Window,
		Message:        msg,
	}, clock, log)
	sessions := auth.NewSessions(a.store, auth.SessionConfig{
		IdleTimeout:     cfg.Session.IdleTimeout,
		AbsoluteTimeout: cfg.Session.AbsoluteTimeout,
		RememberMe:      cfg.Session.RememberMe,
	}, clock, log)
	p := cfg.Hashing.Argon2id
	hasher := auth.NewHasher(auth.Argon2Params{MemoryKiB: p.MemoryKiB, Iterations: p.Iterations, Parallelism: p.Parallelism}, cfg.Hashing.MaxConcurrent, hashWait)

	a.gateway, err = gateway.New(gateway.Options{
		Config:   cfg,
		Sessions: sessions,
		OTP:      otp,
		Auth:     auth.NewAuthenticator(users, hasher, log),
		Signer:   signer,
		Regulator: auth.NewRegulator(a.store, auth.RegulationConfig{
			MaxFailures: cfg.Regulation.MaxFailures,
			FindTime:    cfg.Regulation.FindTime,
			BanTime:     cfg.Regulation.BanTime,
		}),
		Store:      a.store,
		Logger:     log,
		Clock:      clock,
		Registerer: a.registry,
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// newSender builds the configured SMS sender.
func newSender(cfg *config.Config) (auth.Sender, error) {
	switch cfg.SMS.Provider {
	case "console":
		return auth.NewConsoleSender(cfg.SMS.Console.File, os.Stderr, nil), nil
	default:
		return nil, fmt.Errorf("sms.provider %q is not available in this build; use \"console\"", cfg.SMS.Provider)
	}
}

func (a *app) close() {
	for _, c := range a.closers {
		_ = c()
	}
}

// serve runs the main and admin listeners until ctx ends, then shuts down
// gracefully within server.timeouts.shutdown. ln and adminLn may be given
// (tests, demo); otherwise the configured addresses are listened on.
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
	errLog := slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)
	main := &http.Server{
		Handler:           a.gateway.Handler(),
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errLog,
	}
	servers := []*http.Server{main}
	errc := make(chan error, 2)

	go a.users.Run(ctx, 2*time.Second)
	go func() {
		if cfg.Server.TLS.CertFile != "" {
			errc <- main.ServeTLS(ln, cfg.Server.TLS.CertFile, cfg.Server.TLS.KeyFile)
			return
		}
		errc <- main.Serve(ln)
	}()
	a.log.Info("gatehouse listening", "addr", ln.Addr().String(), "version", version, "routes", len(cfg.Routes), "store", cfg.Store.Driver)
	if adminLn != nil {
		admin := &http.Server{
			Handler:           a.gateway.AdminHandler(a.registry),
			ReadHeaderTimeout: t.ReadHeader,
			ReadTimeout:       t.Read,
			WriteTimeout:      t.Write,
			ErrorLog:          errLog,
		}
		servers = append(servers, admin)
		go func() { errc <- admin.Serve(adminLn) }()
		a.log.Info("admin listening", "addr", adminLn.Addr().String())
	}

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "grace", t.Shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), t.Shutdown)
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
