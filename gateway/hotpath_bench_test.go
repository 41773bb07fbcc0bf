package gateway

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/prometheus/client_golang/prometheus"
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
	return benchRoutesTo("http://127.0.0.1:9003")
}

// benchRoutesTo is benchRoutes with app.example.com's upstream at app.
func benchRoutesTo(app string) []config.Route {
	return []config.Route{
		{Name: "crm", Host: "crm.example.com", PathPrefix: "/", Upstream: "http://127.0.0.1:9001", Policy: PolicyTwoFactor, BypassPaths: []string{"/static", "/health"}},
		{Name: "crm-admin", Host: "crm.example.com", PathPrefix: "/admin", Upstream: "http://127.0.0.1:9001", Policy: PolicyTwoFactor, Groups: []string{"admins"}, MaxAuthAge: 10 * time.Minute},
		{Name: "wiki", Host: "wiki.example.com", PathPrefix: "/", Upstream: "http://127.0.0.1:9002", Policy: PolicyPassword},
		{Name: "app", Host: "app.example.com", PathPrefix: "/", Upstream: app, Policy: PolicyTwoFactor},
		{Name: "app-api", Host: "app.example.com", PathPrefix: "/api", Upstream: app, Policy: PolicyTwoFactor, Methods: []string{"GET", "POST"}},
		{Name: "tools", Host: "*.tools.example.com", PathPrefix: "/", Upstream: "http://127.0.0.1:9004", Policy: PolicySMS},
		{Name: "public", Host: "*", PathPrefix: "/public", Upstream: "http://127.0.0.1:9005", Policy: PolicyBypass},
	}
}

// benchServer builds a Server on a memory store with one signed-in
// two-factor session and returns it with the session's cookie value.
func benchServer(b *testing.B, log *slog.Logger) (*Server, string) {
	return benchServerTo(b, log, "http://127.0.0.1:9003")
}

// benchServerTo is benchServer with app.example.com's upstream at app.
func benchServerTo(b *testing.B, log *slog.Logger, app string) (*Server, string) {
	h := newHotServer(b, hotSetup{log: log, upstream: app})
	return h.srv, h.cookie
}

// hotSetup is what newHotServer builds a server from; zero fields get
// the system clock, a memory store, no logger and a dead upstream.
type hotSetup struct {
	clock    auth.Clock
	store    auth.Store
	log      *slog.Logger
	upstream string
	refused  time.Duration // RefusedLoginDelay
	reg      prometheus.Registerer
}

// hotServer is a gateway with one signed-in two-factor session of alice.
type hotServer struct {
	srv      *Server
	sessions *auth.Sessions
	users    benchUsers
	cookie   string
}

func newHotServer(tb testing.TB, o hotSetup) *hotServer {
	tb.Helper()
	if o.clock == nil {
		o.clock = auth.SystemClock{}
	}
	if o.store == nil {
		o.store = memstore.New(o.clock)
	}
	if o.upstream == "" {
		o.upstream = "http://127.0.0.1:9003"
	}
	cfg := config.Default()
	cfg.Server.PublicURL = "https://auth.example.com"
	cfg.Server.TrustedProxies = []string{"127.0.0.1/32", "192.0.2.0/24"}
	cfg.Routes = benchRoutesTo(o.upstream)
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	signer := auth.NewSigner(key, cfg.Server.PublicURL, cfg.Identity.AssertionTTL, o.clock)
	users := benchUsers{"alice": {
		Username: "alice", DisplayName: "Alice Example", Email: "alice@example.com",
		Phone: "+12015550100", Groups: []string{"staff", "admins"}, Generation: "q3mT0w5bX2yVn8Kc",
	}}
	otp := auth.NewOTP(o.store, auth.NewConsoleSender("", io.Discard, o.clock), signer.DeriveKey("otp"), auth.OTPConfig{
		App: "Gatehouse", Length: 6, TTL: 5 * time.Minute, MaxAttempts: 5, ResendCooldown: 30 * time.Second,
		MaxSends: 5, SendWindow: time.Hour,
	}, o.clock, nil)
	sessions := auth.NewSessions(o.store, auth.SessionConfig{
		IdleTimeout: cfg.Session.IdleTimeout, AbsoluteTimeout: cfg.Session.AbsoluteTimeout, RememberMe: cfg.Session.RememberMe,
	}, o.clock, o.log)
	cheap := auth.NewHasher(auth.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}, 4, time.Second)
	s, err := New(Options{
		Config: cfg, Sessions: sessions, OTP: otp, Auth: auth.NewAuthenticator(users, cheap, nil),
		Signer: signer, Store: o.store, Logger: o.log, Clock: o.clock, RefusedLoginDelay: o.refused, Registerer: o.reg,
	})
	if err != nil {
		tb.Fatal(err)
	}
	h := &hotServer{srv: s, sessions: sessions, users: users}
	h.cookie = h.signIn(tb, "alice")
	return h
}

// signIn stores a new two-factor session for user and returns its id.
func (h *hotServer) signIn(tb testing.TB, user string) string {
	tb.Helper()
	sess, err := h.sessions.New()
	if err != nil {
		tb.Fatal(err)
	}
	now := h.srv.now().Unix()
	sess.User = user
	if u, ok := h.users[user]; ok {
		sess.Gen = u.Generation
	}
	sess.Proofs = []auth.Proof{{Method: auth.MethodPassword, At: now}, {Method: auth.MethodSMS, At: now}}
	sess.IP, sess.Agent = "203.0.113.7", "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"
	if err := h.sessions.Save(context.Background(), sess); err != nil {
		tb.Fatal(err)
	}
	return sess.ID
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

// CloseNotify is there because gin's ResponseWriter asserts it when the
// reverse proxy asks for it.
func (w *discardWriter) CloseNotify() <-chan bool { return nil }

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

// netHTTPWriter is a ResponseWriter that does what net/http's does with
// the header map: the handler gets a fresh one per request, and
// WriteHeader copies it (net/http snapshots the header of a handler that
// asked for it).
type netHTTPWriter struct {
	h    http.Header
	sent http.Header
	code int
}

func (w *netHTTPWriter) Header() http.Header         { return w.h }
func (w *netHTTPWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *netHTTPWriter) WriteHeader(code int)        { w.code, w.sent = code, w.h.Clone() }

// BenchmarkForwardAuthFresh is BenchmarkForwardAuth with what a real
// request brings: no request id yet, a new response header map, and
// net/http's copy of it.
func BenchmarkForwardAuthFresh(b *testing.B) {
	s, cookie := benchServer(b, nil)
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{
		{"chain", s.Handler()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := forwardAuthRequest(s, cookie)
			b.ReportAllocs()
			for b.Loop() {
				delete(req.Header, "X-Request-Id")
				w := &netHTTPWriter{h: http.Header{}}
				tc.h.ServeHTTP(w, req)
				if w.code != http.StatusOK {
					b.Fatalf("status %d, want 200", w.code)
				}
			}
		})
	}
}

// BenchmarkOriginal reads Traefik's X-Forwarded-* as the forward-auth
// target does.
func BenchmarkOriginal(b *testing.B) {
	s, cookie := benchServer(b, nil)
	r := forwardAuthRequest(s, cookie)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := originalFromForwarded(r); err != nil {
			b.Fatal(err)
		}
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
		groups: "staff,admins", methods: "pwd,sms",
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
		if _, err := s.asserts.identity(sess, "app", u); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.asserts.identity(sess, "app", u); err != nil {
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

// BenchmarkProxy compares an authenticated GET through the gateway with
// the same GET through a bare httputil.ReverseProxy, both to a local
// upstream over loopback: the difference is the gateway's cost per
// proxied request.
func BenchmarkProxy(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	transport := defaultTransport()
	defer transport.CloseIdleConnections()

	run := func(b *testing.B, h http.Handler, req *http.Request) {
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
	}
	b.Run("bare", func(b *testing.B) {
		rp := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.SetXForwarded()
			},
			Transport: transport,
		}
		req := httptest.NewRequest(http.MethodGet, "http://app.example.com/dashboard?tab=1", nil)
		req.RemoteAddr = "203.0.113.7:41000"
		req.Header.Set("Accept", "text/html")
		run(b, rp, req)
	})
	b.Run("gatehouse", func(b *testing.B) {
		s, cookie := benchServerTo(b, nil, up.URL)
		req := httptest.NewRequest(http.MethodGet, "http://app.example.com/dashboard?tab=1", nil)
		req.RemoteAddr = "203.0.113.7:41000"
		req.Header.Set("Accept", "text/html")
		req.Header.Set("Cookie", s.sessionCookieName()+"="+cookie+"; theme=dark")
		run(b, s.Handler(), req)
	})
}
