package gateway_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
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

// The test world: one gateway in front of one recording upstream, with
// these hosts, users and routes.
const (
	prefix    = "/_gatehouse"
	publicURL = "https://auth.example.com"

	crmHost    = "crm.example.com"    // two_factor
	appHost    = "app.example.com"    // password; /secure two_factor; /admin two_factor+admins+max_auth_age; /blocked deny
	publicHost = "public.example.com" // bypass
	smsHost    = "sms.example.com"    // sms (passwordless)
	roHost     = "ro.example.com"     // bypass, GET and HEAD only
	deadHost   = "dead.example.com"   // bypass, upstream on a closed port

	adminMaxAge  = 10 * time.Minute
	cookieDomain = "example.com"
)

// cookieURL is where the client's cookie jar is read and seeded (the jar
// keys cookies by the request's Host, as a browser does).
var cookieURL = &url.URL{Scheme: "http", Host: appHost, Path: "/"}

// testUser is one account of the users file.
type testUser struct {
	name, password, phone, email, display string
	groups                                []string
	disabled, forceTwoFactor              bool
}

var (
	alice = testUser{name: "alice", password: "alice-correct-horse", phone: "+12015550100", email: "alice@example.com", display: "Alice Example", groups: []string{"admins", "staff"}}
	bob   = testUser{name: "bob", password: "bob-battery-staple", phone: "+12015550101", email: "bob@example.com", display: "Bob Builder", groups: []string{"staff"}}
	carol = testUser{name: "carol", password: "carol-two-factor-always", phone: "+12015550102", email: "carol@example.com", display: "Carol", forceTwoFactor: true}
	dave  = testUser{name: "dave", password: "dave-is-disabled", phone: "+12015550103", email: "dave@example.com", display: "Dave", disabled: true}
)

var allUsers = []testUser{alice, bob, carol, dave}

// testHasher is cheap on purpose: the suite hashes and verifies hundreds
// of times under -race on two cores.
var testHasher = auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 4, 5*time.Second)

var (
	usersOnce sync.Once
	usersYAML []byte
)

// usersFile returns the users.yaml text, hashing each password once per
// test binary.
func usersFile(t *testing.T) []byte {
	t.Helper()
	usersOnce.Do(func() {
		var b strings.Builder
		b.WriteString("users:\n")
		for _, u := range allUsers {
			hash, err := testHasher.Hash(context.Background(), u.password)
			if err != nil {
				panic(err)
			}
			fmt.Fprintf(&b, "  %s:\n    display_name: %q\n    email: %q\n    phone: %q\n    password: %q\n", u.name, u.display, u.email, u.phone, hash)
			if len(u.groups) > 0 {
				fmt.Fprintf(&b, "    groups: [%s]\n", strings.Join(u.groups, ", "))
			}
			fmt.Fprintf(&b, "    disabled: %t\n    force_two_factor: %t\n", u.disabled, u.forceTwoFactor)
		}
		usersYAML = []byte(b.String())
	})
	return usersYAML
}

// seenRequest is what the upstream received.
type seenRequest struct {
	Method, Host, Path, RawQuery string
	Header                       http.Header
}

// upstream is an application behind the gateway that records every
// request it gets.
type upstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seenRequest
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.reqs = append(u.reqs, seenRequest{
			Method: r.Method, Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Header: r.Header.Clone(),
		})
		u.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "upstream saw %s %s", r.Method, r.URL.Path)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// count returns how many requests reached the upstream.
func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// last returns the newest request the upstream got.
func (u *upstream) last(t *testing.T) seenRequest {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("the upstream got no request")
	}
	return u.reqs[len(u.reqs)-1]
}

// smsBox is where the ConsoleSender writes; tests read codes from it.
type smsBox struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *smsBox) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

type smsMessage struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

func (b *smsBox) messages(t *testing.T) []smsMessage {
	t.Helper()
	b.mu.Lock()
	data := append([]byte(nil), b.buf.Bytes()...)
	b.mu.Unlock()
	var out []smsMessage
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m smsMessage
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("console sender wrote a line that is not JSON: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func (b *smsBox) count(t *testing.T) int {
	t.Helper()
	return len(b.messages(t))
}

var codeRE = regexp.MustCompile(`code is (\d+)`)

// code returns the code of the newest SMS sent to phone.
func (b *smsBox) code(t *testing.T, phone string) string {
	t.Helper()
	msgs := b.messages(t)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To != phone {
			continue
		}
		m := codeRE.FindStringSubmatch(msgs[i].Body)
		if m == nil {
			t.Fatalf("SMS to %s has no code: %q", phone, msgs[i].Body)
		}
		return m[1]
	}
	t.Fatalf("no SMS was sent to %s (sent: %v)", phone, msgs)
	return ""
}

// switchStore is a real store that can be taken down: while down, every
// method fails with an error wrapping auth.ErrStoreUnavailable.
type switchStore struct {
	auth.Store
	down atomic.Bool
}

var errDown = fmt.Errorf("fake store: connection refused: %w", auth.ErrStoreUnavailable)

func (s *switchStore) sets() auth.SetStore { return s.Store.(auth.SetStore) }

func (s *switchStore) SAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if s.down.Load() {
		return errDown
	}
	return s.sets().SAdd(ctx, key, member, ttl)
}

func (s *switchStore) SRem(ctx context.Context, key, member string) error {
	if s.down.Load() {
		return errDown
	}
	return s.sets().SRem(ctx, key, member)
}

func (s *switchStore) SMembers(ctx context.Context, key string) ([]string, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.sets().SMembers(ctx, key)
}

func (s *switchStore) ZAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.(auth.SortedIndex).ZAdd(ctx, key, member, ttl)
}

func (s *switchStore) ZRem(ctx context.Context, key, member string) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.(auth.SortedIndex).ZRem(ctx, key, member)
}

func (s *switchStore) ZAfter(ctx context.Context, key, after string, n int) ([]string, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.Store.(auth.SortedIndex).ZAfter(ctx, key, after, n)
}

func (s *switchStore) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.Store.(auth.MultiGetter).GetMany(ctx, keys)
}

func (s *switchStore) Get(ctx context.Context, key string) ([]byte, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.Store.Get(ctx, key)
}

func (s *switchStore) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Set(ctx, key, v, ttl)
}

func (s *switchStore) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	return s.Store.SetNX(ctx, key, v, ttl)
}

func (s *switchStore) Delete(ctx context.Context, key string) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	return s.Store.Delete(ctx, key)
}

func (s *switchStore) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	return s.Store.Expire(ctx, key, ttl)
}

func (s *switchStore) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if s.down.Load() {
		return 0, errDown
	}
	return s.Store.Incr(ctx, key, window)
}

func (s *switchStore) TTL(ctx context.Context, key string) (time.Duration, error) {
	if s.down.Load() {
		return 0, errDown
	}
	return s.Store.TTL(ctx, key)
}

func (s *switchStore) Ping(ctx context.Context) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Ping(ctx)
}

var _ auth.Store = (*switchStore)(nil)

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
	logger    *slog.Logger       // nil: logs are discarded
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
		App:                     "Gatehouse",
		Length:                  cfg.OTP.Length,
		TTL:                     cfg.OTP.TTL,
		MaxAttempts:             cfg.OTP.MaxAttempts,
		ResendCooldown:          cfg.OTP.ResendCooldown,
		MaxSends:                cfg.OTP.MaxSends.Count,
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
	}, h.clock, nil)
	gopts := gateway.Options{
		Config:   cfg,
		Sessions: sessions,
		OTP:      otp,
		Auth:     auth.NewAuthenticator(users, testHasher, nil),
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

// client is one browser or API client: it keeps cookies and does not
// follow redirects, so they can be asserted.
type client struct {
	h   *harness
	t   *testing.T
	hc  *http.Client
	jar http.CookieJar
}

func (h *harness) newClient(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{h: h, t: t, jar: jar, hc: &http.Client{
		Jar:           jar,
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// clientWithCookie returns a client presenting value as the session cookie.
func (h *harness) clientWithCookie(t *testing.T, value string) *client {
	t.Helper()
	c := h.newClient(t)
	c.jar.SetCookies(cookieURL, []*http.Cookie{{Name: h.cfg.Session.CookieName, Value: value, Path: "/", Domain: cookieDomain}})
	return c
}

// cookie returns the session cookie the client holds ("" if none).
func (c *client) cookie() string {
	for _, ck := range c.jar.Cookies(cookieURL) {
		if ck.Name == c.h.cfg.Session.CookieName {
			return ck.Value
		}
	}
	return ""
}

// request is one request to the gateway.
type request struct {
	method, host, path string
	body               io.Reader
	contentType        string
	accept             string
	header             http.Header // sent as given, names not canonicalised
}

// reply is what came back.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(r request) reply {
	c.t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	req, err := http.NewRequest(r.method, c.h.srv.URL+r.path, r.body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Host = r.host
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	for k, vs := range r.header {
		req.Header[k] = append(req.Header[k], vs...)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s%s: %v", r.method, r.host, r.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

const htmlAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// browse is a browser page load.
func (c *client) browse(host, path string) reply {
	c.t.Helper()
	return c.do(request{host: host, path: path, accept: htmlAccept})
}

// get is an API-style GET (no HTML in Accept).
func (c *client) get(host, path string) reply {
	c.t.Helper()
	return c.do(request{host: host, path: path, accept: "application/json"})
}

// api posts v as JSON to the portal's /api/ endpoint on host.
func (c *client) api(host, endpoint string, v any) reply {
	c.t.Helper()
	var body io.Reader = http.NoBody
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			c.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	return c.do(request{method: http.MethodPost, host: host, path: prefix + "/api/" + endpoint, body: body, contentType: "application/json", accept: "application/json"})
}

// form posts vals as a browser form to the portal path on host, with the
// CSRF token a browser would have from the page (unless vals has one).
func (c *client) form(host, path string, vals url.Values) reply {
	c.t.Helper()
	if !vals.Has("csrf") {
		vals = cloneValues(vals)
		vals.Set("csrf", c.csrfToken(host))
	}
	return c.formRaw(host, path, vals)
}

// formRaw posts vals exactly as given (no CSRF token added).
func (c *client) formRaw(host, path string, vals url.Values) reply {
	c.t.Helper()
	return c.do(request{method: http.MethodPost, host: host, path: prefix + path, body: strings.NewReader(vals.Encode()),
		contentType: "application/x-www-form-urlencoded", accept: htmlAccept})
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfToken loads a portal page with a form, as a browser would before
// posting, and returns its CSRF token.
func (c *client) csrfToken(host string) string {
	c.t.Helper()
	r := c.browse(host, prefix+"/logout")
	m := csrfInput.FindSubmatch(r.body)
	if m == nil {
		c.t.Fatalf("no csrf field on the logout page (%d):\n%s", r.status, r.body)
	}
	return string(m[1])
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// login posts the password step.
func (c *client) login(host string, u testUser) reply {
	c.t.Helper()
	return c.api(host, "login", map[string]any{"username": u.name, "password": u.password})
}

// signIn logs u in fully for host's route: password, then the code when
// one is asked for.
func (c *client) signIn(host string, u testUser) {
	c.t.Helper()
	r := c.login(host, u)
	if r.status != http.StatusOK {
		c.t.Fatalf("login %s at %s: %d %s", u.name, host, r.status, r.body)
	}
	if r.jsonMap(c.t)["status"] == "otp_required" {
		r = c.api(host, "otp", map[string]string{"code": c.h.sms.code(c.t, u.phone)})
		if r.status != http.StatusOK {
			c.t.Fatalf("code for %s at %s: %d %s", u.name, host, r.status, r.body)
		}
	}
	if got := r.jsonMap(c.t)["status"]; got != "authenticated" {
		c.t.Fatalf("signIn %s at %s ended with status %v", u.name, host, got)
	}
}

func (r reply) jsonMap(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (status %d): %q", r.status, r.body)
	}
	return m
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// errorCode checks that the reply is exactly the contract's JSON error
// {"error":{"code","message"}} (plus "fields" on 400/409) and returns the
// code.
func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error reply has Content-Type %q, want application/json (status %d, body %q)", ct, r.status, r.body)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &top); err != nil {
		t.Fatalf("error body is not a JSON object: %q", r.body)
	}
	if len(top) != 1 || top["error"] == nil {
		t.Fatalf("error body must have exactly the key \"error\": %s", r.body)
	}
	var inner map[string]any
	if err := json.Unmarshal(top["error"], &inner); err != nil {
		t.Fatalf("\"error\" must be an object: %s", r.body)
	}
	// "fields" is the one addition, naming the bad fields of a 400 or the
	// taken one of a 409.
	if f, ok := inner["fields"]; ok {
		if _, isMap := f.(map[string]any); !isMap || (r.status != http.StatusBadRequest && r.status != http.StatusConflict) {
			t.Fatalf("unexpected \"fields\" in %s", r.body)
		}
		delete(inner, "fields")
	}
	if len(inner) != 2 {
		t.Fatalf("\"error\" must be an object with exactly code and message: %s", r.body)
	}
	code, _ := inner["code"].(string)
	msg, _ := inner["message"].(string)
	if !snakeCase.MatchString(code) || msg == "" {
		t.Fatalf("error code %q must be snake_case and message %q non-empty: %s", code, msg, r.body)
	}
	return code
}

// wantError asserts a JSON error with status and code.
func (r reply) wantError(t *testing.T, status int, code string) {
	t.Helper()
	got := r.errorCode(t)
	if r.status != status || got != code {
		t.Fatalf("got %d %q, want %d %q (body %s)", r.status, got, status, code, r.body)
	}
}

// wantStatus asserts the status only.
func (r reply) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (body %.300q)", r.status, status, r.body)
	}
}

// jwks fetches and parses the gateway's public keys.
func (h *harness) jwks(t *testing.T) map[string]ed25519.PublicKey {
	t.Helper()
	r := h.newClient(t).get(crmHost, prefix+"/jwks.json")
	r.wantStatus(t, http.StatusOK)
	keys, err := auth.ParseJWKS(r.body)
	if err != nil {
		t.Fatalf("ParseJWKS: %v", err)
	}
	return keys
}

// verify checks an assertion as an upstream would.
func (h *harness) verify(t *testing.T, token, audience string) *auth.AssertionClaims {
	t.Helper()
	if token == "" {
		t.Fatal("no assertion")
	}
	claims, err := auth.VerifyAssertion(token, h.jwks(t), publicURL, audience, h.clock.Now)
	if err != nil {
		t.Fatalf("assertion does not verify for %q: %v", audience, err)
	}
	return claims
}

// identityNames are the configured identity header names in their
// normalised form (lower case, '_' as '-').
var identityNames = []string{"x-auth-user", "x-auth-email", "x-auth-name", "x-auth-groups", "x-auth-methods", "x-auth-assertion"}

// identityValues returns every header value the upstream got under any
// spelling of an identity header, by normalised name.
func identityValues(h http.Header) map[string][]string {
	out := map[string][]string{}
	for name, vs := range h {
		n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
		for _, want := range identityNames {
			if n == want {
				out[n] = append(out[n], vs...)
			}
		}
	}
	return out
}

// cmpHasher is h, or testHasher when h is nil.
func cmpHasher(h gateway.Hasher) gateway.Hasher {
	if h == nil {
		return testHasher
	}
	return h
}
