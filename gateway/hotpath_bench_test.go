package gateway

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/config"
)

// These benchmarks cover the pieces of the per-request hot path and the
// whole forward-auth handler; they run only with -bench (make bench runs
// them with -benchmem). The end-to-end numbers are bench/cmd/gatebench's.

// benchUsers is a fixed user backend.
type benchUsers map[string]*auth.User

func (b benchUsers) Lookup(_ context.Context, login string) (*auth.User, error) {
	u, ok := b[login]
	if !ok {
		return nil, auth.ErrUserNotFound
	}
	c := *u
	return &c, nil
}

// benchRoutes is a realistic route table: a few apps, wildcards, an admin
// area and bypass paths.
func benchRoutes() []config.Route {
	return []config.Route{
		{Name: "crm", Host: "crm.example.com", PathPrefix: "/", Upstream: "http://127.0.0.1:9001", Policy: PolicyTwoFactor, BypassPaths: []string{"/static", "/health"}},
		{Name: "crm-admin", Host: "crm.example.com", PathPrefix: "/admin", Upstream: "http://127.0.0.1:9001", Policy: PolicyTwoFactor, Groups: []string{"admins"}, MaxAuthAge: 10 * time.Minute},
		{Name: "wiki", Host: "wiki.example.com", PathPrefix: "/", Upstream: "http://127.0.0.1:9002", Policy: PolicyPassword},
		{Name: "app", Host: "app.example.com", PathPrefix: "/", Upstream: "http://127.0.0.1:9003", Policy: PolicyTwoFactor},
		{Name: "app-api", Host: "app.example.com", PathPrefix: "/api", Upstream: "http://127.0.0.1:9003", Policy: PolicyTwoFactor, Methods: []string{"GET", "POST"}},
		{Name: "tools", Host: "*.tools.example.com", PathPrefix: "/", Upstream: "http://127.0.0.1:9004", Policy: PolicySMS},
		{Name: "public", Host: "*", PathPrefix: "/public", Upstream: "http://127.0.0.1:9005", Policy: PolicyBypass},
	}
}

// benchServer builds a Server on a memory store with one signed-in
// two-factor session and returns it with the session's cookie value.
func benchServer(b *testing.B, log *slog.Logger) (*Server, string) {
	b.Helper()
	cfg := config.Default()
	cfg.Server.PublicURL = "https://auth.example.com"
	cfg.Server.TrustedProxies = []string{"127.0.0.1/32", "192.0.2.0/24"}
	cfg.Routes = benchRoutes()
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	clock := auth.SystemClock{}
	store := memstore.New(clock)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	signer := auth.NewSigner(key, cfg.Server.PublicURL, cfg.Identity.AssertionTTL, clock)
	users := benchUsers{"alice": {
		Username: "alice", DisplayName: "Alice Example", Email: "alice@example.com",
		Phone: "+12015550100", Groups: []string{"staff", "admins"},
	}}
	otp := auth.NewOTP(store, auth.NewConsoleSender("", io.Discard, clock), signer.DeriveKey("otp"), auth.OTPConfig{
		App: "Gatehouse", Length: 6, TTL: 5 * time.Minute, MaxAttempts: 5, ResendCooldown: 30 * time.Second,
		MaxSends: 5, SendWindow: time.Hour,
	}, clock, nil)
	sessions := auth.NewSessions(store, auth.SessionConfig{
		IdleTimeout: cfg.Session.IdleTimeout, AbsoluteTimeout: cfg.Session.AbsoluteTimeout, RememberMe: cfg.Session.RememberMe,
	}, clock, nil)
	s, err := New(Options{
		Config: cfg, Sessions: sessions, OTP: otp, Auth: auth.NewAuthenticator(users, nil, nil),
		Signer: signer, Store: store, Logger: log, Clock: clock,
	})
	if err != nil {
		b.Fatal(err)
	}
	sess, err := sessions.New()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().Unix()
	sess.User = "alice"
	sess.Proofs = []auth.Proof{{Method: auth.MethodPassword, At: now}, {Method: auth.MethodSMS, At: now}}
	sess.IP, sess.Agent = "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"
	if err := sessions.Save(context.Background(), sess); err != nil {
		b.Fatal(err)
	}
	return s, sess.ID
}

// forwardAuthRequest is what Traefik sends for GET https://app.example.com/dashboard.
func forwardAuthRequest(s *Server, cookie string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://gatehouse:8080/_gatehouse/authz/forward-auth", nil)
	r.RemoteAddr = "127.0.0.1:41000"
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", "app.example.com")
	r.Header.Set("X-Forwarded-Uri", "/dashboard?tab=1")
	r.Header.Set("X-Forwarded-Method", "GET")
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
	r.Header.Set("Cookie", s.sessionCookieName()+"="+cookie+"; theme=dark")
	return r
}

// discardWriter is a ResponseWriter that keeps only the status, so the
// benchmark measures the handler and not a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

func BenchmarkForwardAuth(b *testing.B) {
	for _, tc := range []struct {
		name string
		log  *slog.Logger
	}{
		{"memstore", nil},
		{"memstore+accesslog", slog.New(slog.NewJSONHandler(io.Discard, nil))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, cookie := benchServer(b, tc.log)
			h := s.Handler()
			req := forwardAuthRequest(s, cookie)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.code = 0
				h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("status %d, want 200", w.code)
				}
			}
		})
	}
}

func BenchmarkRouteMatch(b *testing.B) {
	t, err := compileRoutes(benchRoutes())
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, host, path string }{
		{"exact", "app.example.com", "/dashboard"},
		{"longest-prefix", "crm.example.com", "/admin/users/42"},
		{"wildcard", "ci.tools.example.com", "/builds"},
		{"any-host", "unknown.example.org", "/public/logo.png"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if t.match(tc.host, tc.path, http.MethodGet) == nil {
					b.Fatal("no route")
				}
			}
		})
	}
}

func BenchmarkSessionLoad(b *testing.B) {
	s, cookie := benchServer(b, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.sessions.Load(ctx, cookie); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIdentityHeaders(b *testing.B) {
	ih := newIdentityHeaders(config.Default().Identity.Headers)
	id := identity{
		user: "alice", email: "alice@example.com", name: "Alice Example", phone: "+12015550100",
		groups: []string{"staff", "admins"}, methods: []string{"pwd", "sms"},
		assertion: "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2ln",
	}
	b.Run("strip", func(b *testing.B) {
		in := http.Header{
			"Accept": {"*/*"}, "User-Agent": {"curl/8"}, "Cookie": {"a=b"}, "X-Forwarded-For": {"203.0.113.7"},
			"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"app.example.com"}, "X-Forwarded-Uri": {"/"},
			"X-Request-Id": {"abc"},
		}
		b.ReportAllocs()
		for b.Loop() {
			ih.strip(in)
		}
	})
	b.Run("set", func(b *testing.B) {
		h := http.Header{}
		b.ReportAllocs()
		for b.Loop() {
			ih.set(h, id, true)
		}
	})
}

func BenchmarkAssertion(b *testing.B) {
	s, cookie := benchServer(b, nil)
	sess, err := s.sessions.Load(context.Background(), cookie)
	if err != nil {
		b.Fatal(err)
	}
	u, _ := s.users.Lookup(context.Background(), "alice")
	methods := sess.Methods()
	b.Run("cache-hit", func(b *testing.B) {
		if _, err := s.asserts.get(sess, "app", u, methods); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.asserts.get(sess, "app", u, methods); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sign", func(b *testing.B) {
		a := auth.Assertion{Subject: u.Username, Audience: "app", Email: u.Email, Name: u.DisplayName, Groups: u.Groups, AMR: methods}
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := s.signer.Sign(a); err != nil {
				b.Fatal(err)
			}
		}
	})
}
