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
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
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
	KV auth.KV
	// Recovery keeps recovery codes; nil builds one over KV (when it is
	// an auth.Store) with a key derived from the signing key.
	Recovery *auth.Recovery
	// AuditLog keeps audit events for the admin console; nil keeps them
	// in memory (audit.retain).
	AuditLog auth.AuditLog
	Store    Pinger
	Logger   *slog.Logger
	Clock    auth.Clock
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

// core is what the gateway's four surfaces share: the configuration, the
// auth services (the login service among them), the route table and the
// one check proxy mode and forward-auth make (check.go), the session
// cookie, the error writers and the portal's look.
type core struct {
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
	auditLog  auth.AuditLog
	// repeats folds repeated events for the log and the trail
	// (audit.repeat_window); Server.Run writes their counts.
	repeats   *auth.AuditRepeats
	table     atomic.Pointer[table]
	portal    *portal // the login pages: templates, messages, theme, assets
	metrics   *metrics
	csrfKey   []byte
	asserts   *assertionCache
	transport *http.Transport
	// refusedDelay is Options.RefusedLoginDelay.
	refusedDelay time.Duration
	health       healthTable // passive health of upstreams
	// cookieName is sessionCookieName(), computed once.
	cookieName string
	// hsts is the Strict-Transport-Security value: with includeSubDomains
	// when the session cookie is shared with a domain's subdomains.
	hsts []string
}

// Server is the gateway's HTTP front: four thin surfaces over core (proxy
// mode, forward-auth, the portal's pages and the JSON API), routed by one
// gin engine.
type Server struct {
	*core
	proxy *proxySurface
	authz *authzSurface
	pages *pagesSurface
	api   *apiSurface
	admin *consoleSurface

	engine *gin.Engine
	// handler is serveMain, made once: what Handler returns.
	handler http.Handler
}

// proxySurface is proxy mode: every request outside the portal prefix,
// checked and forwarded to its route's upstream (docs/contract.md, "Proxy
// mode").
type proxySurface struct{ *core }

// authzSurface answers the front doors' forward-auth checks
// (docs/contract.md, "Forward-auth protocol").
type authzSurface struct{ *core }

// pagesSurface is the portal's HTML pages: sign-in, code, sign-up, reset,
// account, logout.
type pagesSurface struct{ *core }

// apiSurface is the portal's JSON API.
type apiSurface struct{ *core }

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
	s := &Server{core: &core{
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
	}}
	s.proxy, s.authz = &proxySurface{s.core}, &authzSurface{s.core}
	s.pages, s.api = &pagesSurface{s.core}, &apiSurface{s.core}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = auth.SystemClock{}
	}
	limits, _ := opts.KV.(auth.Counter) // the store: it counts sign-ups per address
	recovery := opts.Recovery
	if st, ok := opts.KV.(auth.Store); ok && recovery == nil {
		recovery = auth.NewRecovery(st, s.signer.DeriveKey("recovery"), s.clock)
	}
	s.auditLog = opts.AuditLog
	if s.auditLog == nil {
		r := cfg.Audit.Retain
		s.auditLog = memstore.NewAuditLog(auth.AuditRetain{History: r.Events, Attempts: r.AttemptEvents, MaxAge: r.MaxAge}, s.clock)
	}
	s.repeats = auth.NewAuditRepeats(cfg.Audit.RepeatWindow, 0, s.clock)
	s.admin = &consoleSurface{core: s.core, regulator: opts.Regulator, recovery: recovery}
	if st, ok := opts.KV.(auth.Store); ok {
		s.admin.tokens = auth.NewAdminTokens(st, s.signer.DeriveKey("admin-token"), s.clock)
		s.admin.forget = &auth.Forget{Store: st, Sessions: opts.Sessions, DeriveKey: s.signer.DeriveKey, Regulator: opts.Regulator}
	}
	apps, err := newTOTP(cfg, opts.KV, s.signer, s.clock)
	if err != nil {
		return nil, err
	}
	keys, err := newPasskeys(cfg, opts.KV, s.signer, s.clock)
	if err != nil {
		return nil, err
	}
	s.login = auth.NewLogin(auth.LoginDeps{
		Users: s.users, Authn: opts.Auth, Sessions: opts.Sessions, OTP: opts.OTP,
		Regulator: opts.Regulator, Registry: opts.Registry, Hasher: opts.Hasher, KV: opts.KV, Limits: limits, SignupsPerHour: cfg.Users.Signup.PerClientPerHour,
		Policy: s.policy, Signup: cfg.Users.Signup.Enabled, Region: s.region,
		Recovery: recovery, TOTP: apps, Passkeys: keys, ResetOff: !cfg.Users.Reset.Enabled, ResetNeedsRecovery: s.resetNeedsRecovery,
		Observer: loginObserver{s.core}, Logger: s.log, Clock: s.clock,
	})
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
	t.transports = s.proxy.prepareRoutes(t)
	s.proxy.retireRoutes(s.table.Swap(t), t)
	return nil
}

func (s *core) routes() *table { return s.table.Load() }

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
	// A portal or API path asked with another method: 405 with Allow.
	e.HandleMethodNotAllowed = true
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
	e.GET(s.prefix+"/authz/auth-request", s.authz.authRequest)
	e.GET(s.prefix+"/authz/forward-auth", s.authz.forwardAuth)

	p := e.Group(s.prefix, s.securityHeaders, s.otpRequester)
	// The account's pages and changes answer on public_url's origin
	// only, as the console does (portal_origin.go).
	acct := p.Group("", s.portalOriginOnly)
	p.GET("/login", s.pages.loginPage)
	p.POST("/login", s.limitBody, s.checkCSRF, s.pages.loginSubmit)
	p.GET("/otp", s.pages.otpPage)
	p.POST("/otp", s.limitBody, s.checkCSRF, s.pages.otpSubmit)
	p.POST("/otp/resend", s.limitBody, s.checkCSRF, s.pages.otpResendSubmit)
	p.GET("/logout", s.pages.logoutPage)
	p.POST("/logout", s.limitBody, s.checkCSRF, s.pages.logoutSubmit)
	p.GET("/signup", s.pages.signupPage)
	p.POST("/signup", s.limitBody, s.checkCSRF, s.pages.signupSubmit)
	p.GET("/reset", s.pages.resetPage)
	p.POST("/reset", s.limitBody, s.checkCSRF, s.pages.resetSubmit)
	acct.GET("/account", s.pages.accountPage)
	acct.POST("/account/password", s.limitBody, s.checkCSRF, s.pages.accountPassword)
	acct.POST("/account/phone", s.limitBody, s.checkCSRF, s.pages.accountPhone)
	acct.POST("/account/phone/verify", s.limitBody, s.checkCSRF, s.pages.accountPhoneVerify)
	acct.POST("/account/phone/cancel", s.limitBody, s.checkCSRF, s.pages.accountPhoneCancel)
	acct.POST("/account/sessions/revoke", s.limitBody, s.checkCSRF, s.pages.accountRevoke)
	p.GET("/totp", s.pages.totpPage)
	p.POST("/totp", s.limitBody, s.checkCSRF, s.pages.totpSubmit)
	acct.POST("/account/totp", s.limitBody, s.checkCSRF, s.pages.accountTOTPStart)
	acct.POST("/account/totp/confirm", s.limitBody, s.checkCSRF, s.pages.accountTOTPConfirm)
	acct.POST("/account/totp/remove", s.limitBody, s.checkCSRF, s.pages.accountTOTPRemove)
	p.GET("/passkey", s.pages.passkeyPage)
	acct.POST("/account/passkeys/remove", s.limitBody, s.checkCSRF, s.pages.accountPasskeyRemove)
	p.GET("/recovery", s.pages.recoveryPage)
	p.POST("/recovery", s.limitBody, s.checkCSRF, s.pages.recoverySubmit)
	acct.GET("/recovery-codes", s.pages.recoveryCodesPage)
	acct.POST("/recovery-codes", s.limitBody, s.checkCSRF, s.pages.recoveryCodesSubmit)
	// The console answers on public_url's origin only (portal_origin.go).
	con := p.Group("/admin", s.portalOriginOnly)
	con.GET("/", s.admin.consoleHome)
	con.GET("/users/:name", s.admin.consoleUser)
	con.POST("/users/:name/:action", s.limitBody, s.checkCSRF, s.admin.consoleAction)
	p.GET("/static/style.css", s.pages.styleCSS)
	p.GET("/static/portal.js", s.pages.portalJS)
	p.GET("/static/logo", s.pages.logoFile)
	p.GET("/jwks.json", s.api.jwks)

	api := p.Group("/api")
	acctAPI := api.Group("", s.portalOriginOnly)
	api.POST("/login", s.limitBody, s.requireJSON, s.api.apiLogin)
	api.POST("/otp", s.limitBody, s.requireJSON, s.api.apiOTP)
	api.POST("/otp/resend", s.limitBody, s.requireJSONOrEmpty, s.api.apiOTPResend)
	api.POST("/sms/start", s.limitBody, s.requireJSON, s.api.apiSMSStart)
	api.POST("/signup", s.limitBody, s.requireJSON, s.api.apiSignup)
	api.POST("/reset", s.limitBody, s.requireJSON, s.api.apiReset)
	api.POST("/totp", s.limitBody, s.requireJSON, s.api.apiTOTP)
	acctAPI.GET("/totp-app", s.api.apiTOTPStatus)
	acctAPI.POST("/totp-app", s.limitBody, s.requireJSON, s.api.apiTOTPEnrol)
	acctAPI.POST("/totp-app/remove", s.limitBody, s.requireJSON, s.api.apiTOTPRemove)
	api.POST("/passkey/login/start", s.limitBody, s.requireJSON, s.api.apiPasskeyLoginStart)
	api.POST("/passkey/login", s.limitBody, s.requireJSON, s.api.apiPasskeyLogin)
	acctAPI.GET("/passkeys", s.api.apiPasskeys)
	acctAPI.POST("/passkeys/register/start", s.limitBody, s.requireJSON, s.api.apiPasskeyRegisterStart)
	acctAPI.POST("/passkeys/register", s.limitBody, s.requireJSON, s.api.apiPasskeyRegister)
	acctAPI.POST("/passkeys/remove", s.limitBody, s.requireJSON, s.api.apiPasskeyRemove)
	api.POST("/recovery", s.limitBody, s.requireJSON, s.api.apiRecovery)
	acctAPI.GET("/recovery-codes", s.api.apiRecoveryStatus)
	acctAPI.POST("/recovery-codes", s.limitBody, s.requireJSON, s.api.apiRecoveryCodes)
	api.POST("/logout", s.limitBody, s.requireJSONOrEmpty, s.api.apiLogout)
	api.GET("/session", s.api.apiSession)
	adm := api.Group("/admin", s.adminAPIOrigin)
	adm.GET("/users", s.admin.apiUsers)
	adm.GET("/users/:name", s.admin.apiUserMethods)
	adm.POST("/users/:name/passkeys/remove", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiRemovePasskey))
	adm.POST("/users/:name/totp/remove", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiRemoveTOTP))
	adm.POST("/users/:name/revoke", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiRevoke))
	adm.POST("/users/:name/recovery", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiRecovery))
	adm.POST("/users/:name/unban", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiUnban))
	adm.POST("/users/:name/reveal-phone", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiRevealPhone))
	for _, action := range []string{"disable", "enable", "reset-phone"} {
		adm.POST("/users/:name/"+action, s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiChange(action)))
	}
	adm.GET("/audit", s.admin.apiAudit)
	adm.GET("/sms", s.admin.apiSMS)
	s.consoleRoutes(con, adm)

	e.NoRoute(s.proxy.serveProxy)
	e.NoMethod(func(c *gin.Context) {
		// gin has set Allow; the answer is the JSON error (or the error
		// page for a browser).
		s.setSecurityHeaders(c)
		noStore(c)
		s.fail(c, errMethodNotAllowed)
	})
	return e, nil
}

type ctxKey int

const requestIDKey ctxKey = iota

// requestIDFor returns r's request id: its X-Request-Id if r comes from a
// trusted proxy (trusted(r)) and the id is sane, else a new one.
func requestIDFor(r *http.Request, trusted func(*http.Request) bool) string {
	id := headerValue(r.Header, hdrRequestID)
	if id == "" || len(id) > 128 || !trusted(r) || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return newRequestID()
	}
	return id
}

// bodiless reports a POST with no body and no Content-Type, which the
// endpoints that need no input (resend, logout) accept: a cross-site page
// cannot use it against them, since the Origin check and SameSite cookies
// stand in the way, and it spares clients an empty JSON object.
func bodiless(r *http.Request) bool {
	return r.ContentLength == 0 && r.Header.Get("Content-Type") == ""
}

// peerTrusted reports whether the direct peer is a trusted proxy.
func (s *core) peerTrusted(r *http.Request) bool {
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
func (s *core) fail(c *gin.Context, err error) {
	e := classify(err)
	s.logIfServerError(c, e, err)
	if wantsHTML(c.Request) {
		s.renderError(c, e)
		return
	}
	writeJSONError(c, e)
}

func (s *core) now() time.Time { return s.clock.Now() }
