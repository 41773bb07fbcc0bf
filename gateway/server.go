package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
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
	repeats *auth.AuditRepeats
	table   atomic.Pointer[table]
	portal  *portal // the login pages: templates, messages, theme, assets
	metrics *metrics
	csrfKey []byte
	// noticeKey marks the notices of a change for the browser that made
	// it (notice.go).
	noticeKey []byte
	// devices makes and recognises known-device cookies; nil when
	// regulation.known_devices is 0s or regulation is off.
	devices   *auth.KnownDevices
	asserts   *assertionCache
	transport *http.Transport
	// refusedDelay is Options.RefusedLoginDelay.
	refusedDelay time.Duration
	health       healthTable // passive health of upstreams
	// sockets counts the WebSockets open per account (upgrade_limit.go),
	// handed on to the core that replaces this one (Retire).
	sockets atomic.Pointer[socketCount]
	// cookieName is sessionCookieName(), computed once; deviceCookie
	// deviceCookieName(); ownCookies gatewayCookieNames().
	cookieName, deviceCookie string
	ownCookies               []string
	// hsts is the Strict-Transport-Security value: with includeSubDomains
	// when the session cookie is shared with a domain's subdomains.
	hsts []string
	// successor is the core that replaced this one (Server.Retire), or a
	// later one; nil while this one serves. See latest.
	successor atomic.Pointer[core]
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
		policy:   auth.PasswordPolicy{MinLength: cfg.Users.PasswordPolicy.MinLength, MaxLength: cfg.Users.PasswordPolicy.MaxLength, Service: cfg.ServiceNames()},
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
	s.repeats = auth.NewAuditRepeats(cfg.Audit.RepeatWindow, auth.AuditShare{Events: cfg.Audit.AccountShare.Events, Window: cfg.Audit.AccountShare.Window}, 0, s.clock)
	s.admin = &consoleSurface{core: s.core, regulator: opts.Regulator, recovery: recovery}
	if st, ok := opts.KV.(auth.Store); ok {
		s.admin.tokens = auth.NewAdminTokens(st, s.signer.DeriveKey("admin-token"), s.clock)
		s.admin.locks = st
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
	if cfg.Regulation.KnownDevices > 0 && opts.Regulator != nil {
		s.devices = auth.NewKnownDevices(s.signer.DeriveKey("known device"), cfg.Regulation.KnownDevices, s.clock)
	}
	s.login = auth.NewLogin(auth.LoginDeps{
		Users: s.users, Authn: opts.Auth, Sessions: opts.Sessions, OTP: opts.OTP,
		Regulator: opts.Regulator, Registry: opts.Registry, Hasher: opts.Hasher, KV: opts.KV, Limits: limits, SignupsPerHour: cfg.Users.Signup.PerClientPerHour,
		Policy: s.policy, Signup: cfg.Users.Signup.Enabled, Region: s.region,
		Recovery: recovery, TOTP: apps, Passkeys: keys, Devices: s.devices, ResetOff: !cfg.Users.Reset.Enabled, ResetNeedsRecovery: s.resetNeedsRecovery,
		NoticesOff: !cfg.SMS.SecurityNotices, Observer: loginObserver{s.core}, Logger: s.log, Clock: s.clock,
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
	s.noticeKey = s.signer.DeriveKey("notice")
	s.cookieName = s.sessionCookieName()
	s.deviceCookie = s.resetCookieName("_device")
	s.ownCookies = s.gatewayCookieNames()
	s.hsts = valHSTS
	if cfg.Session.CookieDomain != "" {
		// A subdomain reached over plain http could plant or read cookies
		// for the whole domain (docs/contract.md).
		s.hsts = valHSTSSubdomains
	}
	s.refusedDelay = opts.RefusedLoginDelay
	s.sockets.Store(newSocketCount())
	s.asserts = newAssertionCache(s.signer, cfg.Identity.AssertionTTL, s.clock, s.log)
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
	if n, ok := s.users.(auth.RemoveNotifier); ok && s.admin.forget != nil {
		n.OnRemoved(s.admin.forgetRemoved)
	}
	if n, ok := s.users.(auth.ChangeNotifier); ok {
		n.OnChanged(s.admin.recordUsersChange)
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
	return s.trustedAddr(ap.Addr())
}

// clientIP is gin's c.ClientIP(), the client address (docs/contract.md,
// "Forward-auth protocol"): from a trusted proxy, the last address of
// X-Forwarded-For that is not a trusted proxy's (the first if all are),
// or the peer's when an address on the way is not one. gin splits the
// whole header first, which the client writes most of: a 60 KB header
// cost a megabyte per request. Here it is read from its end, allocating
// nothing per address.
func (s *core) clientIP(c *gin.Context) string {
	xff := c.Request.Header["X-Forwarded-For"]
	if len(xff) == 0 || !s.peerTrusted(c.Request) {
		return c.ClientIP() // no header read
	}
	peer := net.ParseIP(c.RemoteIP())
	if peer == nil {
		return ""
	}
	for i := len(xff) - 1; i >= 0; i-- {
		line := xff[i]
		for {
			comma := strings.LastIndexByte(line, ',')
			item := strings.TrimSpace(line[comma+1:])
			ip, err := netip.ParseAddr(item)
			if err != nil || ip.Zone() != "" {
				return peer.String() // as net.ParseIP refuses it
			}
			if (i == 0 && comma < 0) || !s.trustedAddr(ip) {
				return item
			}
			if comma < 0 {
				break
			}
			line = line[:comma]
		}
	}
	return peer.String()
}

// trustedAddr reports whether ip is in server.trusted_proxies.
func (s *core) trustedAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
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

// fail answers with err as an HTML page for browsers, JSON otherwise,
// either with the portal's security headers: it also answers outside the
// portal's route group (an unknown portal path, a route's refusal), where
// the securityHeaders middleware does not run.
func (s *core) fail(c *gin.Context, err error) {
	e := classify(err)
	s.logIfServerError(c, e, err)
	s.setSecurityHeaders(c)
	if wantsHTML(c.Request) {
		s.renderError(c, e)
		return
	}
	writeJSONError(c, e)
}

func (s *core) now() time.Time { return s.clock.Now() }
