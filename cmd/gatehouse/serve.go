package main

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"text/template"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
	"github.com/gatehouse-auth/gatehouse/auth/instrumented"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/gateway"
	"github.com/gatehouse-auth/gatehouse/internal/hashworker"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// hashWait is how long a login waits for a hashing slot before 503.
const hashWait = 2 * time.Second

// app is the running gateway: what lives as long as the process (store,
// metrics registry, admin handler) and the current generation, everything
// built from one configuration, which a reload replaces.
type app struct {
	cfg   *config.Config // as started: listeners, TLS on/off, store
	log   *slog.Logger
	store auth.Store
	// keys holds the store to the derivation key of the current
	// generation (for the memory store, the process's first one).
	keys *auth.KeyGate
	// audit keeps the audit trail across reloads (Redis Stream, or a
	// memory ring with the memory store).
	audit    auth.AuditLog
	closers  []func() error
	registry *prometheus.Registry
	admin    *gateway.Admin
	ov       overrides
	sms      *sms.Metrics
	reloads  reloadMetrics
	// hashWorker computes password hashes at low priority for every
	// generation; nil in tests (hashing then stays in process).
	hashWorker *hashworker.Client

	// configPath is the file reloads read ("" disables reloading), hup
	// delivers SIGHUP.
	configPath string
	hup        <-chan os.Signal
	// dev is --dev: each reload applies it again.
	dev devMode

	mu      sync.Mutex // serialises reloads
	current atomic.Pointer[generation]
}

// generation is everything built from one configuration: the users, the
// auth services and the gateway. Requests that started on a generation
// finish on it after a reload.
type generation struct {
	cfg       *config.Config
	fileUsers *fileusers.Backend  // nil with the redis backend
	accounts  *storeusers.Backend // nil with the file backend
	gateway   *gateway.Server
	otp       *auth.OTP        // its code service: a shutdown waits for its sends (OTP.Wait)
	cert      *tls.Certificate // server.tls, nil without TLS
	stop      func()           // ends what start runs, once the gateway's Run returned
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
	devOn, listen := devFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dev, err := newDevMode(fs, *devOn, *listen)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	path := configPath(*c)
	r := checkAll(path, dev)
	if r.failed {
		r.print(stderr) // what check-config prints (docs/contract.md, "Command line")
		return errProblems
	}
	cfg := r.cfg
	if dev.on {
		warnDev(stderr, log, cfg)
	}
	logWarnings(log, r.warnings)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	a, err := build(ctx, cfg, log, overrides{})
	if err != nil {
		return err
	}
	defer a.close()
	a.configPath, a.hup, a.dev = path, hup, dev
	return a.serve(ctx, nil, nil)
}

// startHashWorker starts the low-priority process that computes password
// hashes (internal/hashworker), or returns nil when hashing.worker is off.
// The worker is not cancelled with ctx: requests still draining at
// shutdown hash with it, and the Client's Close (in app.close, once they
// are done) kills it.
func startHashWorker(ctx context.Context, cfg *config.Config, log *slog.Logger) *hashworker.Client {
	if !cfg.Hashing.Worker {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		log.Warn("password hashing stays in the gateway process", "error", err)
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	return hashworker.New(func() *exec.Cmd {
		cmd := exec.CommandContext(ctx, exe, "hash-worker")
		cmd.Stderr = os.Stderr
		return cmd
	}, log)
}

// newLogger is the JSON logger of serve: every line a request causes
// carries its request_id, and shows only what a terminal shows
// (gateway.NewLogWriter).
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(gateway.NewLogHandler(slog.NewJSONHandler(gateway.NewLogWriter(w), &slog.HandlerOptions{Level: slog.LevelInfo})))
}

// build makes what lives as long as the process (store, registry, admin
// handler) and the first generation from cfg.
func build(ctx context.Context, cfg *config.Config, log *slog.Logger, ov overrides) (*app, error) {
	a := &app{cfg: cfg, log: log, registry: prometheus.NewRegistry(), ov: ov}
	a.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	var err error
	if a.reloads, err = newReloadMetrics(a.registry); err != nil {
		return nil, err
	}
	if a.sms, err = sms.NewMetrics(a.registry); err != nil {
		return nil, err
	}

	var store auth.Store
	switch cfg.Store.Driver {
	case "redis":
		useRedisLogger(log)
		journal := storeJournal(cfg.Store.Redis, log)
		var opts []redisstore.ClientOption
		if journal != nil {
			opts = append(opts, redisstore.WithReplay(journal))
		}
		client, err := redisstore.NewClient(cfg.Store.Redis, opts...)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, client.Close)
		if journal != nil {
			a.closers = append(a.closers, journal.Watch(ctx, client))
		}
		rs := redisstore.New(client, cfg.Store.KeyPrefix, cfg.Store.Redis.OpTimeout).WithJournal(journal)
		a.audit = redisstore.NewAuditLog(client, cfg.Store.KeyPrefix, auditRetain(cfg), cfg.Store.Redis.OpTimeout)
		cached, closeCache, err := withClientCache(rs, cfg.Store.Redis, a.registry, log)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, closeCache)
		store = cached
		eviction, err := newEvictionWatch(client, log, a.registry, cfg.Store.Redis.DialTimeout+cfg.Store.Redis.OpTimeout)
		if err != nil {
			return nil, err
		}
		pctx, cancel := context.WithTimeout(ctx, cfg.Store.Redis.DialTimeout+cfg.Store.Redis.OpTimeout)
		if err := store.Ping(pctx); err != nil {
			// Not fatal: requests fail closed with 503 and /readyz says so
			// until Redis answers.
			log.Warn(redisStartProblem(err), "error", err)
		} else {
			eviction.check(ctx, true)
			warnClusterInfoRefused(pctx, client, log)
		}
		cancel()
		a.closers = append(a.closers, eviction.run(ctx))
	default:
		store = memstore.New(auth.SystemClock{})
		a.audit = memstore.NewAuditLog(auditRetain(cfg), auth.SystemClock{})
	}
	// Nothing is read or written under a derivation key the store has
	// not been found to keep (newGeneration). The memory store keeps the
	// key of the process's first configuration, so a reload to another is
	// refused as a restart against Redis is.
	a.keys = auth.NewKeyGate(store)
	store = a.keys.Store()
	if a.store, err = instrumented.NewStore(store, a.registry); err != nil {
		return nil, err
	}
	a.admin = gateway.NewAdmin(a.store, a.registry, log, auth.SystemClock{})
	if a.hashWorker = startHashWorker(ctx, cfg, log); a.hashWorker != nil {
		a.closers = append(a.closers, a.hashWorker.Close)
		if err := registerHashWorkerMetrics(a.registry, a.hashWorker); err != nil {
			a.close()
			return nil, err
		}
	}

	g, err := a.newGeneration(ctx, cfg)
	if err != nil {
		a.close()
		return nil, err
	}
	a.current.Store(g)
	return a, nil
}

// newGeneration builds the users, hasher, signer, sender, OTP and session
// services and the gateway from cfg, on the app's store and registry. It
// starts nothing: see start.
func (a *app) newGeneration(ctx context.Context, cfg *config.Config) (*generation, error) {
	g := &generation{cfg: cfg}
	clock := auth.SystemClock{}
	log := a.log

	var (
		users    auth.UserBackend
		registry auth.UserRegistry
	)
	switch cfg.Users.Backend {
	case "redis":
		st, ok := a.store.(storeusers.Store)
		if !ok {
			return nil, errors.New("users.backend redis: the store does not keep sets, indexes or compare-and-set writes")
		}
		r := storeusers.New(st, cfg.OTP.DefaultRegion)
		users, registry, g.accounts = r, r, r
	default:
		fu, err := fileusers.New(cfg.Users.File, cfg.OTP.DefaultRegion, a.log)
		if err != nil {
			return nil, err
		}
		if w := fileAdminsWarning(cfg, fu); w != nil {
			logWarnings(a.log, []*config.Problem{w}) // at start and each reload
		}
		g.fileUsers, users = fu, fu
	}
	var err error

	key := a.ov.signingKey
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
	signer, err := derivingSigner(cfg, auth.NewSigner(key, cfg.Server.PublicURL, cfg.Identity.AssertionTTL, clock, previous...))
	if err != nil {
		return nil, err
	}
	if err := a.keys.Expect(ctx, auth.KeyFingerprint(signer.DeriveKey)); err != nil {
		return nil, keyRefused(cfg.Store.Driver, err)
	}

	sender := a.ov.sender
	if sender == nil {
		if sender, err = newSender(cfg); err != nil {
			return nil, err
		}
	}
	sender = sms.Instrument(sender, cfg.SMS.Provider, a.sms, log)
	msg, err := template.New("otp").Parse(cfg.OTP.Message)
	if err != nil {
		return nil, fmt.Errorf("otp.message: %w", err)
	}
	ocfg := otpConfig(cfg)
	ocfg.Message = msg
	otp := auth.NewOTP(a.store, sender, signer.DeriveKey("otp"), ocfg, clock, log)
	g.otp = otp
	sessions := auth.NewSessions(a.store, sessionConfig(cfg), clock, log)
	p := cfg.Hashing.Argon2id
	hasher := auth.NewHasher(auth.Argon2Params{MemoryKiB: p.MemoryKiB, Iterations: p.Iterations, Parallelism: p.Parallelism}, cfg.Hashing.MaxConcurrent, hashWait)
	if a.hashWorker != nil {
		hasher.SetDeriver(a.hashWorker)
	}

	g.gateway, err = gateway.New(gateway.Options{
		Config:   cfg,
		Sessions: sessions,
		OTP:      otp,
		Auth:     auth.NewAuthenticator(users, hasher, log),
		Signer:   signer,
		Registry: registry,
		Hasher:   hasher,
		KV:       a.store,
		Regulator: auth.NewRegulator(a.store, signer.DeriveKey("regulation"), auth.RegulationConfig{
			MaxFailures:        cfg.Regulation.MaxFailures,
			FindTime:           cfg.Regulation.FindTime,
			BanTime:            cfg.Regulation.BanTime,
			MaxAccountFailures: cfg.Regulation.MaxAccountFailures,
			AccountLockTime:    cfg.Regulation.AccountLockTime,
		}),
		Store:      a.store,
		AuditLog:   a.audit,
		Logger:     log,
		Clock:      clock,
		Registerer: a.registry,
		// A flood of wrong passwords gets one answer a second per
		// connection, not as many as refusing can serve.
		RefusedLoginDelay: gateway.DefaultRefusedLoginDelay,
	})
	if err != nil {
		return nil, err
	}
	if cfg.Server.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Server.TLS.CertFile, cfg.Server.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("server.tls: %w", err)
		}
		g.cert = &cert
	}
	return g, nil
}

// sessionConfig is cfg's session lifetimes and per-account limit, as the
// gateway and the operator commands build their session managers.
func sessionConfig(cfg *config.Config) auth.SessionConfig {
	s := cfg.Session
	return auth.SessionConfig{
		IdleTimeout:     s.IdleTimeout,
		AbsoluteTimeout: s.AbsoluteTimeout,
		RememberMe:      s.RememberMe,
		MaxPerUser:      s.MaxPerAccount,
	}
}
