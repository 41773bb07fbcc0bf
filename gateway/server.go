package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Pinger is what readiness needs of the store.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Options are the collaborators a Server is built from. cmd/gatehouse
// builds them from the configuration.
type Options struct {
	Config   *config.Config
	Sessions *auth.Sessions
	OTP      *auth.OTP
	Auth     *auth.Authenticator
	Signer   *auth.Signer
	// Regulator bans after repeated failures; nil disables regulation.
	Regulator *auth.Regulator
	// Registry is the writable user backend (users.backend: redis): sign-up,
	// password reset and the account page need it. nil with the file backend.
	Registry auth.UserRegistry
	// Hasher hashes new passwords (sign-up, reset, account page).
	Hasher Hasher
	// KV keeps pending password resets.
	KV     auth.KV
	Store  Pinger
	Logger *slog.Logger
	Clock  auth.Clock
	// Registerer receives the gateway's metrics; nil uses a private registry.
	// A configuration reload builds a new Server on the same Registerer, so
	// every series is registered with register (reuse what is there).
	Registerer prometheus.Registerer
	// Transport is the base of the upstream transports: each route gets a
	// clone bounded by its timeouts (routes[].timeouts). nil clones
	// http.DefaultTransport.
	Transport *http.Transport
	// RefusedLoginDelay is the least time a refused password attempt
	// (wrong password, ban, overload) takes to answer, so that a flood of
	// wrong passwords runs at a bounded rate per connection; 0 answers at
	// once (tests). cmd/gatehouse uses DefaultRefusedLoginDelay.
	RefusedLoginDelay time.Duration
}

// Server is the gateway's HTTP front: proxy, portal, API and forward-auth.
type Server struct {
	cfg       *config.Config
	sessions  *auth.Sessions
	otp       *auth.OTP
	users     auth.UserBackend
	signer    *auth.Signer
	registry  auth.UserRegistry
	policy    auth.PasswordPolicy
	region    string
	store     Pinger
	log       *slog.Logger
	clock     auth.Clock
	publicURL *url.URL
	prefix    string
	headers   *identityHeaders
	trusted   []netip.Prefix
	login     *auth.Login // every login, sign-up, reset and account change
	table     atomic.Pointer[table]
	portal    *portal // the login pages: templates, messages, theme, assets
	metrics   *metrics
	csrfKey   []byte
	asserts   *assertionCache
	transport *http.Transport
	// refusedDelay is Options.RefusedLoginDelay.
	refusedDelay time.Duration
	health       healthTable // passive health of upstreams
	engine       *gin.Engine
	// handler is serveMain, made once: what Handler returns.
	handler http.Handler
	// cookieName is sessionCookieName(), computed once.
	cookieName string
	// hsts is the Strict-Transport-Security value: with includeSubDomains
	// when the session cookie is shared with a domain's subdomains.
	hsts []string
}

// maxFormBody caps portal and API request bodies.
const maxFormBody = 64 << 10

// New builds the gateway from opts.
func New(opts Options) (*Server, error) {
	cfg := opts.Config
	if cfg == nil || opts.Sessions == nil || opts.OTP == nil || opts.Auth == nil || opts.Signer == nil || opts.Store == nil {
		return nil, errors.New("gateway: missing collaborator")
	}
	if opts.Registry != nil && (opts.Hasher == nil || opts.KV == nil) {
		return nil, errors.New("gateway: a user registry needs a Hasher and a KV")
	}
	s := &Server{
		cfg:      cfg,
		sessions: opts.Sessions,
		otp:      opts.OTP,
		users:    opts.Auth.Users(),
		signer:   opts.Signer,
		registry: opts.Registry,
		policy:   auth.PasswordPolicy{MinLength: cfg.Users.PasswordPolicy.MinLength, MaxLength: cfg.Users.PasswordPolicy.MaxLength},
		region:   cfg.OTP.DefaultRegion,
		store:    opts.Store,
		log:      opts.Logger,
		clock:    opts.Clock,
		prefix:   cfg.Server.PortalPrefix,
		headers:  newIdentityHeaders(cfg.Identity.Headers),
		trusted:  cfg.TrustedProxyPrefixes(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.login = auth.NewLogin(auth.LoginDeps{
		Users: s.users, Authn: opts.Auth, Sessions: opts.Sessions, OTP: opts.OTP,
		Regulator: opts.Regulator, Registry: opts.Registry, Hasher: opts.Hasher, KV: opts.KV,
		Policy: s.policy, Signup: cfg.Users.Signup.Enabled, Region: s.region,
		Observer: loginObserver{s}, Logger: s.log,
	})
	if s.clock == nil {
		s.clock = auth.SystemClock{}
	}
	var err error
	if s.publicURL, err = url.Parse(cfg.Server.PublicURL); err != nil {
		return nil, fmt.Errorf("gateway: public_url: %w", err)
	}
	s.transport = opts.Transport
	if s.transport == nil {
		s.transport = defaultTransport()
	}
	if s.portal, err = newPortal(cfg); err != nil {
		return nil, err
	}
	reg := opts.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if s.metrics, err = newMetrics(reg); err != nil {
		return nil, err
	}
	s.csrfKey = s.signer.DeriveKey("csrf")
	s.cookieName = s.sessionCookieName()
	s.hsts = valHSTS
	if cfg.Session.CookieDomain != "" {
		// A subdomain reached over plain http could plant or read cookies
		// for the whole domain (docs/contract.md).
		s.hsts = valHSTSSubdomains
	}
	s.refusedDelay = opts.RefusedLoginDelay
	s.asserts = newAssertionCache(s.signer, cfg.Identity.AssertionTTL, s.clock)
	if err := s.SetRoutes(cfg.Routes); err != nil {
		return nil, err
	}
	s.engine, err = s.buildEngine()
	if err != nil {
		return nil, err
	}
	s.handler = http.HandlerFunc(s.serveMain)
	if n, ok := s.users.(auth.DisableNotifier); ok {
		n.OnDisabled(s.revokeDisabled)
	}
	return s, nil
}

// SetRoutes compiles and installs a new route table; requests in flight
// keep the table they started with.
func (s *Server) SetRoutes(rs []config.Route) error {
	t, err := compileRoutes(rs)
	if err != nil {
		return fmt.Errorf("gateway: routes: %w", err)
	}
	t.transports = s.prepareRoutes(t)
	applyCachePolicies(t, rs)
	s.retireRoutes(s.table.Swap(t), t)
	return nil
}

func (s *Server) routes() *table { return s.table.Load() }

// Handler is the main listener's handler.
func (s *Server) Handler() http.Handler { return s.handler }

// newEngine is a gin engine that routes paths exactly as they come (no
// redirects, no path fixing) and takes client addresses from
// X-Forwarded-For only when the peer is one of the trusted proxies.
func (s *Server) newEngine() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.ContextWithFallback = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = false
	e.RemoveExtraSlash = false
	e.UseRawPath = false
	e.RemoteIPHeaders = []string{"X-Forwarded-For"}
	if err := e.SetTrustedProxies(s.cfg.Server.TrustedProxies); err != nil {
		return nil, fmt.Errorf("gateway: trusted_proxies: %w", err)
	}
	return e, nil
}

func (s *Server) buildEngine() (*gin.Engine, error) {
	e, err := s.newEngine()
	if err != nil {
		return nil, err
	}
	// The recoverer runs inside the access log, so a panic's 500 is
	// logged like any answer.
	e.Use(s.requestID, s.accessLog, s.recoverer, s.stripIdentity)
	e.GET(s.prefix+"/authz/auth-request", s.authRequest)
	e.GET(s.prefix+"/authz/forward-auth", s.forwardAuth)

	p := e.Group(s.prefix, s.securityHeaders, s.otpRequester)
	p.GET("/login", s.loginPage)
	p.POST("/login", s.limitBody, s.checkCSRF, s.loginSubmit)
	p.GET("/otp", s.otpPage)
	p.POST("/otp", s.limitBody, s.checkCSRF, s.otpSubmit)
	p.POST("/otp/resend", s.limitBody, s.checkCSRF, s.otpResendSubmit)
	p.GET("/logout", s.logoutPage)
	p.POST("/logout", s.limitBody, s.checkCSRF, s.logoutSubmit)
	p.GET("/signup", s.signupPage)
	p.POST("/signup", s.limitBody, s.checkCSRF, s.signupSubmit)
	p.GET("/reset", s.resetPage)
	p.POST("/reset", s.limitBody, s.checkCSRF, s.resetSubmit)
	p.GET("/account", s.accountPage)
	p.POST("/account/password", s.limitBody, s.checkCSRF, s.accountPassword)
	p.POST("/account/phone", s.limitBody, s.checkCSRF, s.accountPhone)
	p.POST("/account/phone/verify", s.limitBody, s.checkCSRF, s.accountPhoneVerify)
	p.POST("/account/sessions/revoke", s.limitBody, s.checkCSRF, s.accountRevoke)
	p.GET("/static/style.css", s.styleCSS)
	p.GET("/static/portal.js", s.portalJS)
	p.GET("/static/logo", s.logoFile)
	p.GET("/jwks.json", s.jwks)

	api := p.Group("/api")
	api.POST("/login", s.limitBody, s.requireJSON, s.apiLogin)
	api.POST("/otp", s.limitBody, s.requireJSON, s.apiOTP)
	api.POST("/otp/resend", s.limitBody, s.requireJSON, s.apiOTPResend)
	api.POST("/sms/start", s.limitBody, s.requireJSON, s.apiSMSStart)
	api.POST("/signup", s.limitBody, s.requireJSON, s.apiSignup)
	api.POST("/reset", s.limitBody, s.requireJSON, s.apiReset)
	api.POST("/logout", s.limitBody, s.requireJSON, s.apiLogout)
	api.GET("/session", s.apiSession)

	e.NoRoute(s.serveProxy)
	return e, nil
}

// recoverer turns a panic into a 500 without leaking anything.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.recovered(c, c.Request.Context(), v)
		}
	}()
	c.Next()
}

// recovered answers the panic v of c's handler: a 500 without details,
// unless the response is under way; the panic is logged with ctx.
// http.ErrAbortHandler panics on, for net/http to drop the connection.
func (s *Server) recovered(c *gin.Context, ctx context.Context, v any) {
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.log.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(v))
	if !c.Writer.Written() {
		s.setSecurityHeaders(c)
		noStore(c)
		writeJSONError(c, classify(errors.New("panic")))
	}
}

type ctxKey int

const requestIDKey ctxKey = iota

// requestID keeps a sane incoming X-Request-Id from a trusted proxy or
// makes one, and puts it in the context and the response.
func (s *Server) requestID(c *gin.Context) {
	id := requestIDFor(c.Request, s.peerTrusted)
	v := []string{id}
	c.Request.Header["X-Request-Id"] = v
	c.Writer.Header()["X-Request-Id"] = v
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey, id))
	c.Next()
}

// requestIDFor returns r's request id: its X-Request-Id if r comes from a
// trusted proxy (trusted(r)) and the id is sane, else a new one.
func requestIDFor(r *http.Request, trusted func(*http.Request) bool) string {
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 128 || !trusted(r) || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return newRequestID()
	}
	return id
}

// accessLog writes one structured line per request: never the query
// string, cookies or bodies, which can carry codes and tokens.
func (s *Server) accessLog(c *gin.Context) {
	if !s.log.Enabled(c.Request.Context(), slog.LevelInfo) {
		c.Next()
		return
	}
	start := time.Now()
	watchUpgrade(c) // a WebSocket is logged as 101, when it ends
	c.Next()
	level := slog.LevelInfo
	if c.GetBool(quietWhenAllowed) && c.Writer.Status() < http.StatusMultipleChoices {
		level = slog.LevelDebug
	}
	s.logRequest(c, c.Request.Context(), level, start)
}

// logRequest writes the access log line of c's request, which started at
// start, at level with ctx.
func (s *Server) logRequest(c *gin.Context, ctx context.Context, level slog.Level, start time.Time) {
	s.log.LogAttrs(ctx, level, "request",
		slog.String("request_id", c.Writer.Header().Get("X-Request-Id")),
		slog.String("method", c.Request.Method),
		slog.String("host", c.Request.Host),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Duration("duration", time.Since(start)),
		slog.String("client_ip", c.ClientIP()),
	)
}

// stripIdentity deletes client-sent identity headers before anything else
// looks at the request, on every path.
func (s *Server) stripIdentity(c *gin.Context) {
	s.headers.strip(c.Request.Header)
	c.Next()
}

// securityHeaders are sent on every portal response (pages and API).
func (s *Server) securityHeaders(c *gin.Context) {
	s.setSecurityHeaders(c)
	c.Next()
}

// setSecurityHeaders sets the headers of securityHeaders on c's response.
func (s *Server) setSecurityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h["X-Content-Type-Options"] = valNosniff
	h["Referrer-Policy"] = valNoReferrer
	h["X-Frame-Options"] = valDeny
	if s.requestIsHTTPS(c.Request) {
		h["Strict-Transport-Security"] = s.hsts
	}
}

// requestIsHTTPS reports whether the client reached us over https: TLS
// here, or a trusted proxy saying so.
func (s *Server) requestIsHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.peerTrusted(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// limitBody caps the body and rejects oversize declared lengths at once.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > maxFormBody {
		s.fail(c, errBodyTooLarge)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	// Read form bodies here: gin's PostForm drops the error of a body that
	// turns out too large (sent without Content-Length) and reads an empty
	// form. ParseForm leaves other bodies (JSON) unread.
	var mbe *http.MaxBytesError
	if err := c.Request.ParseForm(); errors.As(err, &mbe) {
		s.fail(c, errBodyTooLarge)
		return
	}
	c.Next()
}

// requireJSON refuses JSON endpoints posted as forms (a CSRF vector), and
// calls from another origin or an opaque one ("Origin: null": a sandboxed
// frame, a data: or file: page), which the portal's own script never
// makes: fetch sends its real origin.
func (s *Server) requireJSON(c *gin.Context) {
	if s.foreignOrigin(c.Request) || opaqueOrigin(c.Request) {
		s.apiFail(c, errCSRF)
		return
	}
	if c.ContentType() != "application/json" && !bodiless(c.Request) {
		s.apiFail(c, errNeedJSON)
		return
	}
	c.Next()
}

// bodiless reports a POST with no body and no Content-Type, which the
// endpoints that need no input (resend, logout) accept: a cross-site page
// cannot use it against them, since the Origin check and SameSite cookies
// stand in the way, and it spares clients an empty JSON object.
func bodiless(r *http.Request) bool {
	return r.ContentLength == 0 && r.Header.Get("Content-Type") == ""
}

// peerTrusted reports whether the direct peer is a trusted proxy.
func (s *Server) peerTrusted(r *http.Request) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	for _, p := range s.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// wantsHTML reports whether the client is a browser navigating.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// fail answers with err as an HTML page for browsers, JSON otherwise.
func (s *Server) fail(c *gin.Context, err error) {
	e := classify(err)
	s.logIfServerError(c, e, err)
	if wantsHTML(c.Request) {
		s.renderError(c, e)
		return
	}
	writeJSONError(c, e)
}

func (s *Server) now() time.Time { return s.clock.Now() }
