package gateway_test

// The test harness: one gateway wired as cmd/gatehouse wires it, the
// setup options that adjust it, and the routes every harness has.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"text/template"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/gateway"
	"github.com/prometheus/client_golang/prometheus"
)

// harness is one gateway wired as cmd/gatehouse does, with test
// collaborators.
type harness struct {
	cfg      *config.Config
	gw       *gateway.Server
	srv      *httptest.Server
	up       *upstream
	sms      *smsBox
	clock    *storetest.Clock
	store    *switchStore
	registry *prometheus.Registry
	users    *storeusers.Backend // with users.backend: redis
	files    *fileusers.Backend  // with users.backend: file
	recovery *auth.Recovery
	signer   *auth.Signer
}

// setup adjusts a harness before the gateway is built.
type setup struct {
	transport *http.Transport
	store     func(t *testing.T) auth.Store // nil: memstore on the fake clock
	edit      func(cfg *config.Config, upstreamURL string)
	key       ed25519.PrivateKey // signing key; replicas of one deployment share it
	sender    auth.Sender        // nil: the console sender writing to h.sms
	hasher    gateway.Hasher     // nil: testHasher
	// loginHasher checks passwords at sign-in (and stands in for unknown
	// names); nil: testHasher.
	loginHasher auth.PasswordChecker
	logger      *slog.Logger // nil: logs are discarded
	// auditLog builds the kept audit trail; nil: the gateway's own, in
	// memory (audit.retain).
	auditLog func(t *testing.T, cfg *config.Config) auth.AuditLog
	// offerRecovery leaves the seeded accounts as never offered recovery
	// codes, so their first two-factor sign-in on the portal goes to the
	// offer; by default they were offered (recovery_test.go tests it).
	offerRecovery bool
}

// baseRoutes are the routes every harness has.
func baseRoutes(up, dead string) []config.Route {
	return []config.Route{
		{Name: "crm", Host: crmHost, PathPrefix: "/", Upstream: up, Policy: "two_factor"},
		{Name: "app", Host: appHost, PathPrefix: "/", Upstream: up, Policy: "password", BypassPaths: []string{"/health", "/static/"}},
		{Name: "app-secure", Host: appHost, PathPrefix: "/secure", Upstream: up, Policy: "two_factor"},
		{Name: "admin", Host: appHost, PathPrefix: "/admin", Upstream: up, Policy: "two_factor", Groups: []string{"admins"}, MaxAuthAge: adminMaxAge},
		{Name: "blocked", Host: appHost, PathPrefix: "/blocked", Policy: "deny"},
		{Name: "public", Host: publicHost, PathPrefix: "/", Upstream: up, Policy: "bypass"},
		{Name: "sms", Host: smsHost, PathPrefix: "/", Upstream: up, Policy: "sms"},
		{Name: "readonly", Host: roHost, PathPrefix: "/", Upstream: up, Policy: "bypass", Methods: []string{"GET", "HEAD"}},
		{Name: "dead", Host: deadHost, PathPrefix: "/", Upstream: dead, Policy: "bypass"},
	}
}

// closedPortURL returns an http URL on which nothing listens.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// newHarness builds a gateway the way cmd/gatehouse's build does, with a
// recording upstream, a fake clock, a memory store (unless setup gives
// another), a console SMS sender the test reads codes from, cheap argon2id
// hashes and a fresh Ed25519 key, and serves it on a local test server.
func newHarness(t *testing.T, opts ...setup) *harness {
	t.Helper()
	var o setup
	for _, x := range opts {
		if x.transport != nil {
			o.transport = x.transport
		}
		if x.store != nil {
			o.store = x.store
		}
		if x.edit != nil {
			// Edits compose, in the order given.
			prev, next := o.edit, x.edit
			o.edit = func(cfg *config.Config, up string) {
				if prev != nil {
					prev(cfg, up)
				}
				next(cfg, up)
			}
		}
		if x.key != nil {
			o.key = x.key
		}
		if x.hasher != nil {
			o.hasher = x.hasher
		}
		if x.sender != nil {
			o.sender = x.sender
		}
		if x.loginHasher != nil {
			o.loginHasher = x.loginHasher
		}
		if x.logger != nil {
			o.logger = x.logger
		}
		if x.auditLog != nil {
			o.auditLog = x.auditLog
		}
		o.offerRecovery = o.offerRecovery || x.offerRecovery
	}
	h := &harness{
		up:       newUpstream(t),
		sms:      &smsBox{},
		clock:    storetest.NewClock(time.Now().Truncate(time.Second)),
		registry: prometheus.NewRegistry(),
	}
	dir := t.TempDir()
	usersPath := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(usersPath, usersFile(t), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg := config.Default()
	cfg.Server.PublicURL = publicURL
	cfg.Session.Secure = false              // plain-http test server
	cfg.Session.CookieDomain = cookieDomain // one sign-in for every test host
	cfg.Users.File = usersPath
	cfg.Routes = baseRoutes(h.up.srv.URL, closedPortURL(t))
	if o.edit != nil {
		o.edit(cfg, h.up.srv.URL)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test configuration does not validate: %v", err)
	}
	h.cfg = cfg

	var inner auth.Store
	if o.store != nil {
		inner = o.store(t)
	} else {
		inner = memstore.New(h.clock)
	}
	h.store = &switchStore{Store: inner}

	var users auth.UserBackend
	var registry *storeusers.Backend
	if cfg.Users.Backend == "redis" {
		// Accounts in the store, seeded with the same people.
		registry = storeusers.New(h.store, "")
		for _, u := range allUsers {
			hash, err := testHasher.Hash(context.Background(), u.password)
			if err != nil {
				t.Fatal(err)
			}
			if err := registry.Add(context.Background(), &auth.User{Username: u.name, Email: u.email, Phone: u.phone, DisplayName: u.display,
				Groups: u.groups, PasswordHash: hash, Disabled: u.disabled, ForceTwoFactor: u.forceTwoFactor}); err != nil {
				t.Fatal(err)
			}
		}
		users = registry
		h.users = registry
	} else {
		fu, err := fileusers.New(cfg.Users.File, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		users, h.files = fu, fu
	}
	var err error
	key := o.key
	if key == nil {
		_, key, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner(key, cfg.Server.PublicURL, cfg.Identity.AssertionTTL, h.clock)
	msg := template.Must(template.New("otp").Parse(cfg.OTP.Message))
	var sender auth.Sender = auth.NewConsoleSender("", h.sms, h.clock)
	if o.sender != nil {
		sender = o.sender
	}
	otp := auth.NewOTP(h.store, sender, signer.DeriveKey("otp"), auth.OTPConfig{
		App:                     cfg.Portal.AppName, // {{.App}}, as cmd/gatehouse wires it
		PublicURL:               cfg.Server.PublicURL,
		Length:                  cfg.OTP.Length,
		TTL:                     cfg.OTP.TTL,
		MaxAttempts:             cfg.OTP.MaxAttempts,
		ResendCooldown:          cfg.OTP.ResendCooldown,
		MaxSends:                cfg.OTP.MaxSends.Count,
		MaxSendsPerIP:           cfg.OTP.MaxSendsPerIP.Count,
		IPSendWindow:            cfg.OTP.MaxSendsPerIP.Window,
		AllowedNumberTypes:      cfg.OTP.AllowedNumberTypes,
		AllowedCountries:        cfg.OTP.AllowedCountries,
		BudgetPerDay:            cfg.OTP.Budget.PerDay,
		BudgetPerCountryPerHour: cfg.OTP.Budget.PerCountryPerHour,
		BudgetPerPrefixPerHour:  cfg.OTP.Budget.PerPrefixPerHour,
		SendWindow:              cfg.OTP.MaxSends.Window,
		Message:                 msg,
	}, h.clock, nil)
	h.signer = signer
	h.recovery = auth.NewRecovery(h.store, signer.DeriveKey("recovery"), h.clock)
	if !o.offerRecovery {
		for _, u := range allUsers {
			if _, err := h.recovery.MarkOffered(context.Background(), u.name); err != nil {
				t.Fatal(err)
			}
		}
	}
	sessions := auth.NewSessions(h.store, auth.SessionConfig{
		IdleTimeout:     cfg.Session.IdleTimeout,
		AbsoluteTimeout: cfg.Session.AbsoluteTimeout,
		RememberMe:      cfg.Session.RememberMe,
		MaxPerUser:      cfg.Session.MaxPerAccount,
	}, h.clock, nil)
	gopts := gateway.Options{
		Config:   cfg,
		Sessions: sessions,
		OTP:      otp,
		Auth:     auth.NewAuthenticator(users, orTestHasher(o.loginHasher), nil),
		Signer:   signer,
		Regulator: auth.NewRegulator(h.store, signer.DeriveKey("regulation"), auth.RegulationConfig{
			MaxFailures:        cfg.Regulation.MaxFailures,
			FindTime:           cfg.Regulation.FindTime,
			BanTime:            cfg.Regulation.BanTime,
			MaxAccountFailures: cfg.Regulation.MaxAccountFailures,
			AccountLockTime:    cfg.Regulation.AccountLockTime,
		}),
		Store:      h.store,
		Clock:      h.clock,
		Registerer: h.registry,
		Transport:  o.transport,
		Hasher:     cmpHasher(o.hasher),
		KV:         h.store,
		Recovery:   h.recovery,
		Logger:     o.logger,
	}
	if registry != nil {
		gopts.Registry = registry
	}
	if o.auditLog != nil {
		gopts.AuditLog = o.auditLog(t, cfg)
	}
	h.gw, err = gateway.New(gopts)
	if err != nil {
		t.Fatalf("gateway.New: %v", err)
	}
	h.srv = httptest.NewServer(h.gw.Handler())
	t.Cleanup(h.srv.Close)
	return h
}

// orTestHasher is p, or testHasher when p is nil.
func orTestHasher(p auth.PasswordChecker) auth.PasswordChecker {
	if p == nil {
		return testHasher
	}
	return p
}

// cmpHasher is h, or testHasher when h is nil.
func cmpHasher(h gateway.Hasher) gateway.Hasher {
	if h == nil {
		return testHasher
	}
	return h
}

// adminToken makes an admin API token named name, good for an hour, as
// `gatehouse admin token create` would.
func (h *harness) adminToken(t *testing.T, name string) string {
	t.Helper()
	token, err := auth.NewAdminTokens(h.store, h.signer.DeriveKey("admin-token"), h.clock).Create(context.Background(), name, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return token
}
