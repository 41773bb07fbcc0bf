package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/nyaruka/phonenumbers"
)

// Allowed values of the enumerated keys.
var (
	storeDrivers  = []string{"memory", "redis"}
	userBackends  = []string{"file", "redis"}
	sameSites     = []string{"lax", "strict", "none"}
	smsProviders  = []string{"console", "twilio_messaging", "twilio_verify", "sinch", "webhook"}
	routePolicies = []string{"bypass", "password", "sms", "two_factor", "passkey", "deny"}
	routeCaches   = []string{RouteCacheNoStore, RouteCacheAllow}
	secondFactors = []string{"sms", "otp", "hwk"}
)

var (
	twilioAccountSID   = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	twilioMessagingSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	twilioVerifySID    = regexp.MustCompile(`^VA[0-9a-fA-F]{32}$`)
	twilioAPIKeySID    = regexp.MustCompile(`^SK[0-9a-fA-F]{32}$`)
	e164               = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
	hexColor           = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
)

// logoTypes are the image file extensions portal.logo_file may have.
var logoTypes = []string{".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico"}

// maxAppName bounds portal.app_name, which heads every page.
const maxAppName = 60

// reservedHeaders may not be used as identity headers: the gateway deletes
// identity headers from every request, and these carry the request itself,
// its credentials, what browsers say about it (Origin, which the CSRF
// checks read; every Sec- header, see reservedHeader), or what proxies
// tell each other. Keys are normalised with normHeader.
var reservedHeaders = map[string]bool{
	"host": true, "cookie": true, "set-cookie": true, "authorization": true,
	"proxy-authorization": true, "proxy-authenticate": true, "www-authenticate": true,
	"connection": true, "keep-alive": true, "proxy-connection": true, "te": true,
	"trailer": true, "transfer-encoding": true, "upgrade": true,
	"content-length": true, "content-type": true, "content-encoding": true,
	"location": true, "forwarded": true, "x-forwarded-for": true,
	"x-forwarded-host": true, "x-forwarded-proto": true, "x-forwarded-port": true,
	"x-forwarded-uri": true, "x-forwarded-method": true, "x-original-url": true,
	"x-original-method": true, "x-real-ip": true, "x-request-id": true,
	"origin": true, "http2-settings": true,
}

// Bounds that are part of the contract.
const (
	maxPasswordLength = 1024
	minPasswordLength = 8
	minOTPLength      = 6
	maxOTPLength      = 10
	minAssertionTTL   = time.Second
	maxAssertionTTL   = time.Hour
	// maxOTPMessage bounds the rendered SMS text: ten concatenated
	// segments.
	maxOTPMessage = 1530
)

// Validate checks every value of the configuration and returns all the
// problems found, joined with errors.Join, each a *Problem printed as
// "FILE:LINE: key.path: message" (the line of the key, else of its nearest
// parent in the file, else none). It does no I/O and changes nothing, so it
// may be called on any Config, including one built from Default. Check
// also returns the warnings.
func (c *Config) Validate() error {
	_, err := c.Check()
	return err
}

// Check is Validate that also returns the warnings, in file order: values
// that are valid but beyond what ASVS or NIST SP 800-63B advise (a code
// valid for more than ten minutes, say). Warnings are *Problems with
// Warning set; they are never part of err. Like Validate, Check does no
// I/O and changes nothing.
func (c *Config) Check() (warnings []*Problem, err error) {
	v := &validator{c: c, ps: newProblems(c.File)}
	v.server()
	v.store()
	v.session()
	v.users()
	v.hashing()
	v.otp()
	v.totp()
	v.passkeys()
	v.sms()
	v.regulation()
	v.admin()
	v.identity()
	v.portal()
	v.routes()
	v.hardening()
	return inFileOrder(v.ps.warnings), v.ps.err()
}

type validator struct {
	c  *Config
	ps *problems
}

func (v *validator) add(key, format string, args ...any) {
	v.ps.at(v.c.lineOf(key), key, format, args...)
}

// warn records a warning about key (see Check).
func (v *validator) warn(key, format string, args ...any) {
	v.ps.warnAt(v.c.lineOf(key), key, format, args...)
}

func (v *validator) oneOf(key, value string, allowed []string) bool {
	if slices.Contains(allowed, value) {
		return true
	}
	if value == "" {
		v.add(key, "required: one of %s", strings.Join(allowed, ", "))
	} else {
		v.add(key, "must be one of %s, not %q", strings.Join(allowed, ", "), value)
	}
	return false
}

func (v *validator) positive(key string, d time.Duration) {
	if d <= 0 {
		v.add(key, "must be greater than 0 (it is %s)", d)
	}
}

func (v *validator) atLeast(key string, n, least int) {
	if n < least {
		v.add(key, "must be at least %d (it is %d)", least, n)
	}
}

func (v *validator) hostPort(key, value string) {
	if value == "" {
		v.add(key, "required: host:port, e.g. \":8080\" or \"127.0.0.1:8080\"")
		return
	}
	_, port, err := net.SplitHostPort(value)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		v.add(key, "%q is not host:port, e.g. \":8080\" or \"127.0.0.1:8080\"", value)
	}
}

// httpURL checks an absolute http or https URL with a host. It does not
// quote the value, which may carry credentials.
func (v *validator) httpURL(key, value string) (*url.URL, bool) {
	u, err := url.Parse(value)
	switch {
	case err != nil:
		v.add(key, "not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		v.add(key, "must be an absolute http:// or https:// URL")
	case u.Host == "" || u.Hostname() == "":
		v.add(key, "must name a host, as in https://host.example.com")
	case u.User != nil:
		v.add(key, "must not contain user:password@")
	case u.Fragment != "" || strings.Contains(value, "#"):
		v.add(key, "must not contain a #fragment")
	default:
		return u, true
	}
	return nil, false
}

func (v *validator) server() {
	s := v.c.Server
	v.hostPort("server.listen", s.Listen)
	if s.AdminListen != "" {
		v.hostPort("server.admin_listen", s.AdminListen)
		if s.AdminListen == s.Listen {
			v.add("server.admin_listen", "must differ from server.listen")
		}
	}

	if s.PublicURL == "" {
		v.add("server.public_url", `required: the URL the portal is reached at, e.g. "https://auth.example.com"`)
	} else if u, ok := v.httpURL("server.public_url", s.PublicURL); ok {
		if u.Path != "" && u.Path != "/" {
			v.add("server.public_url", "must not have a path (the portal lives under server.portal_prefix)")
		}
		if u.RawQuery != "" || u.ForceQuery {
			v.add("server.public_url", "must not have a ?query")
		}
	}

	p := s.PortalPrefix
	switch {
	case !strings.HasPrefix(p, "/"):
		v.add("server.portal_prefix", "%q must start with \"/\", e.g. \"/_gatehouse\"", p)
	case p == "/":
		v.add("server.portal_prefix", "must not be \"/\": the portal needs a path of its own, e.g. \"/_gatehouse\"")
	case strings.HasSuffix(p, "/"):
		v.add("server.portal_prefix", "%q must not end with \"/\"", p)
	case path.Clean(p) != p || strings.ContainsAny(p, "?#%\\ \t"):
		v.add("server.portal_prefix", "%q must be a plain path such as \"/_gatehouse\"", p)
	}

	for i, tp := range s.TrustedProxies {
		if _, ok := parseProxy(tp); !ok {
			v.add(fmt.Sprintf("server.trusted_proxies.%d", i), "%q is not an IP address or CIDR prefix such as \"10.0.0.0/8\"", tp)
		}
	}

	switch {
	case s.TLS.CertFile != "" && s.TLS.KeyFile == "":
		v.add("server.tls.key_file", "required when cert_file is set")
	case s.TLS.CertFile == "" && s.TLS.KeyFile != "":
		v.add("server.tls.cert_file", "required when key_file is set")
	}

	t := s.Timeouts
	v.positive("server.timeouts.read_header", t.ReadHeader)
	v.positive("server.timeouts.read", t.Read)
	v.positive("server.timeouts.write", t.Write)
	v.positive("server.timeouts.idle", t.Idle)
	v.positive("server.timeouts.shutdown", t.Shutdown)
}

func (v *validator) store() {
	s := v.c.Store
	if !v.oneOf("store.driver", s.Driver, storeDrivers) || s.Driver != "redis" {
		return
	}
	r := s.Redis
	if len(r.Addrs) == 0 {
		v.add("store.redis.addrs", "required when store.driver is redis, e.g. [\"127.0.0.1:6379\"]")
	}
	for i, a := range r.Addrs {
		v.hostPort(fmt.Sprintf("store.redis.addrs.%d", i), a)
	}
	if r.DB < 0 {
		v.add("store.redis.db", "must be 0 or more (it is %d)", r.DB)
	} else if r.DB != 0 && len(r.Addrs) > 1 && r.MasterName == "" {
		v.add("store.redis.db", "must be 0 for a redis cluster (several addrs and no master_name)")
	}
	v.positive("store.redis.dial_timeout", r.DialTimeout)
	v.positive("store.redis.op_timeout", r.OpTimeout)
	if r.ReplayWindow < 0 {
		v.add("store.redis.replay_window", "must be 0 (keep nothing to replay) or more, it is %s", r.ReplayWindow)
	}
	if r.ClientCache.Enabled {
		if r.ClientCache.MaxEntries <= 0 {
			v.add("store.redis.client_cache.max_entries", "must be positive when the client cache is enabled (it is %d)", r.ClientCache.MaxEntries)
		}
		v.positive("store.redis.client_cache.max_age", r.ClientCache.MaxAge)
	}
	if len(r.Addrs) > 1 && r.MasterName == "" && strings.ContainsAny(s.KeyPrefix, "{}") {
		v.add("store.key_prefix", "%q must not contain { or } with a redis cluster: a hash tag in the prefix puts every key on one node", s.KeyPrefix)
	}
}

func (v *validator) session() {
	s := v.c.Session
	switch {
	case s.CookieName == "":
		v.add("session.cookie_name", "required")
	case !isToken(s.CookieName):
		v.add("session.cookie_name", "%q is not a valid cookie name (letters, digits and !#$%%&'*+-.^_`|~ only)", s.CookieName)
	case strings.HasPrefix(s.CookieName, "__Host-") && (!s.Secure || s.CookieDomain != ""):
		v.add("session.cookie_name", "a __Host- cookie needs secure: true and no cookie_domain")
	case strings.HasPrefix(s.CookieName, "__Secure-") && !s.Secure:
		v.add("session.cookie_name", "a __Secure- cookie needs secure: true")
	}

	if s.CookieDomain != "" {
		domain := strings.ToLower(strings.TrimPrefix(s.CookieDomain, "."))
		if !isHostname(domain) {
			v.add("session.cookie_domain", "%q is not a domain name such as \"example.com\"", s.CookieDomain)
		} else if u, err := url.Parse(v.c.Server.PublicURL); err == nil && u.Hostname() != "" {
			host := strings.ToLower(u.Hostname())
			if host != domain && !strings.HasSuffix(host, "."+domain) {
				v.add("session.cookie_domain", "%q does not cover the host of server.public_url (%s): browsers would refuse the cookie", s.CookieDomain, host)
			}
		}
	}

	if u, err := url.Parse(v.c.Server.PublicURL); err == nil && u.Scheme == "http" && s.Secure && !isLoopback(u.Hostname()) {
		v.add("session.secure", "true, but server.public_url is http://: browsers would not send the cookie back (use https, or secure: false for development)")
	}

	if v.oneOf("session.same_site", s.SameSite, sameSites) && s.SameSite == "none" && !s.Secure {
		v.add("session.same_site", "none needs secure: true (browsers drop SameSite=None cookies that are not Secure)")
	}
	v.positive("session.idle_timeout", s.IdleTimeout)
	if s.AbsoluteTimeout < s.IdleTimeout {
		v.add("session.absolute_timeout", "must be at least idle_timeout (%s), it is %s", s.IdleTimeout, s.AbsoluteTimeout)
	}
	if s.RememberMe < 0 {
		v.add("session.remember_me", "must be 0 (disabled) or more, it is %s", s.RememberMe)
	}
}

func (v *validator) users() {
	u := v.c.Users
	if v.oneOf("users.backend", u.Backend, userBackends) {
		// users.backend: redis keeps accounts in the configured store:
		// Redis in production, or memory for a demo (gone on restart).
		if u.Backend == "file" && u.File == "" {
			v.add("users.file", "required when users.backend is file")
		}
	}
	if u.Signup.Enabled && u.Backend != "redis" {
		v.add("users.signup.enabled", "signup needs users.backend: redis")
	}
	if u.Signup.PerClientPerHour < 1 {
		v.add("users.signup.per_client_per_hour", "must be at least 1, it is %d", u.Signup.PerClientPerHour)
	}
	v.reset()
	p := u.PasswordPolicy
	if p.MinLength < minPasswordLength {
		v.add("users.password_policy.min_length", "must be at least %d (NIST SP 800-63B §5.1.1.2: memorized secrets SHALL be at least 8 characters), it is %d", minPasswordLength, p.MinLength)
	}
	switch {
	case p.MaxLength > maxPasswordLength:
		v.add("users.password_policy.max_length", "must be at most %d (it is %d)", maxPasswordLength, p.MaxLength)
	case p.MaxLength < p.MinLength:
		v.add("users.password_policy.max_length", "must be at least min_length (%d), it is %d", p.MinLength, p.MaxLength)
	}
}

// reset checks users.reset.require: known proofs, each once, and always
// the text-message code (a recovery code alone would reset the password
// of whoever holds one sheet of paper).
func (v *validator) reset() {
	req := v.c.Users.Reset.Require
	if len(req) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, r := range req {
		switch {
		case r != ResetProofSMS && r != ResetProofRecoveryCode:
			v.add("users.reset.require", "unknown proof %q: use sms and recovery_code", r)
		case seen[r]:
			v.add("users.reset.require", "%s is listed twice", r)
		}
		seen[r] = true
	}
	if !seen[ResetProofSMS] {
		v.add("users.reset.require", "must include sms: a reset always needs the code sent to the account's phone")
	}
}

func (v *validator) hashing() {
	h := v.c.Hashing
	a := h.Argon2id
	v.atLeast("hashing.argon2id.parallelism", int(a.Parallelism), 1)
	v.atLeast("hashing.argon2id.iterations", int(a.Iterations), 1)
	if uint64(a.MemoryKiB) < 8*uint64(max(a.Parallelism, 1)) {
		v.add("hashing.argon2id.memory_kib", "must be at least 8 × parallelism (%d), it is %d", 8*int(max(a.Parallelism, 1)), a.MemoryKiB)
	}
	v.atLeast("hashing.max_concurrent", h.MaxConcurrent, 1)
}

func (v *validator) otp() {
	o := v.c.OTP
	if o.Length < minOTPLength || o.Length > maxOTPLength {
		v.add("otp.length", "must be from %d to %d digits (it is %d)", minOTPLength, maxOTPLength, o.Length)
	}
	v.positive("otp.ttl", o.TTL)
	v.atLeast("otp.max_attempts", o.MaxAttempts, 1)
	switch {
	case o.ResendCooldown < 0:
		v.add("otp.resend_cooldown", "must be 0 or more, it is %s", o.ResendCooldown)
	case o.TTL > 0 && o.ResendCooldown >= o.TTL:
		v.add("otp.resend_cooldown", "must be shorter than otp.ttl (%s), it is %s", o.TTL, o.ResendCooldown)
	}
	v.atLeast("otp.max_sends.count", o.MaxSends.Count, 1)
	v.positive("otp.max_sends.window", o.MaxSends.Window)
	switch {
	case o.MaxSendsPerIP.Count < 0:
		v.add("otp.max_sends_per_ip.count", "must be 0 (no per-IP quota) or more, it is %d", o.MaxSendsPerIP.Count)
	case o.MaxSendsPerIP.Count > 0:
		v.positive("otp.max_sends_per_ip.window", o.MaxSendsPerIP.Window)
	}

	for i, cc := range o.AllowedCountries {
		v.region(fmt.Sprintf("otp.allowed_countries.%d", i), cc)
	}
	for key, n := range map[string]int{"otp.budget.per_day": o.Budget.PerDay, "otp.budget.per_country_per_hour": o.Budget.PerCountryPerHour, "otp.budget.per_prefix_per_hour": o.Budget.PerPrefixPerHour} {
		if n < 0 {
			v.add(key, "must be 0 (no cap) or more, it is %d", n)
		}
	}
	if len(o.AllowedNumberTypes) == 0 {
		v.add("otp.allowed_number_types", "must name at least one kind of number (mobile, fixed_line_or_mobile, …)")
	}
	for i, nt := range o.AllowedNumberTypes {
		if !auth.KnownNumberType(nt) {
			v.add(fmt.Sprintf("otp.allowed_number_types.%d", i), "%q is not a kind of number; use %s", nt, strings.Join(auth.NumberTypes(), ", "))
		}
	}
	if o.DefaultRegion != "" && v.region("otp.default_region", o.DefaultRegion) &&
		len(o.AllowedCountries) > 0 && !slices.Contains(o.AllowedCountries, o.DefaultRegion) {
		v.add("otp.default_region", "%q is not in otp.allowed_countries: numbers typed without a country code could never get a code", o.DefaultRegion)
	}
	v.otpMessage(o.Message, o.Length)
}

// region checks an ISO 3166 alpha-2 code that libphonenumber knows.
func (v *validator) region(key, cc string) bool {
	upper := strings.ToUpper(cc)
	switch {
	case len(cc) != 2 || !isASCIILetters(cc):
		v.add(key, "%q is not an ISO 3166 alpha-2 country code (two letters, e.g. \"US\")", cc)
	case cc != upper:
		v.add(key, "%q must be upper-case: %q", cc, upper)
	case cc == "UK":
		v.add(key, "\"UK\" is not an ISO 3166 alpha-2 country code: the United Kingdom is \"GB\"")
	case !phonenumbers.GetSupportedRegions()[cc]:
		v.add(key, "%q is not a known ISO 3166 alpha-2 country code", cc)
	default:
		return true
	}
	return false
}

// otpMessage checks that the SMS template renders with the fields the
// sender provides and shows the code.
func (v *validator) otpMessage(msg string, length int) {
	const key = "otp.message"
	if msg == "" {
		v.add(key, "required: a text/template using {{.Code}}")
		return
	}
	tmpl, err := template.New("message").Option("missingkey=error").Parse(msg)
	if err != nil {
		v.add(key, "not a valid template: %v", err)
		return
	}
	code := "9081726354"[:max(min(length, maxOTPLength), 1)]
	data := map[string]any{"App": "Gatehouse", "Code": code, "Minutes": 5}
	var out strings.Builder
	if err := tmpl.Execute(&limitedWriter{w: &out, n: maxOTPMessage}, data); err != nil {
		if errors.Is(err, errTooLong) {
			v.add(key, "renders to more than %d characters", maxOTPMessage)
		} else {
			v.add(key, "cannot be rendered with .App, .Code and .Minutes: %v", err)
		}
		return
	}
	if !strings.Contains(out.String(), code) {
		v.add(key, "must show the code with {{.Code}}")
	}
}

var errTooLong = errors.New("output too long")

// limitedWriter fails once more than n bytes are written.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, errTooLong
	}
	l.n -= len(p)
	return l.w.Write(p)
}

func (v *validator) sms() {
	s := v.c.SMS
	v.positive("sms.timeout", s.Timeout)
	if w := v.c.Server.Timeouts.Write; s.Timeout > 0 && w > 0 && s.Timeout >= w {
		v.add("sms.timeout", "must be shorter than server.timeouts.write (%s): a slow provider would cut the answer off, it is %s", w, s.Timeout)
	}
	if !v.oneOf("sms.provider", s.Provider, smsProviders) {
		return
	}
	switch s.Provider {
	case "twilio_messaging", "twilio_verify":
		t := s.Twilio
		switch {
		case t.AccountSID == "":
			v.add("sms.twilio.account_sid", "required for provider %s", s.Provider)
		case !twilioAccountSID.MatchString(t.AccountSID):
			v.add("sms.twilio.account_sid", "must be \"AC\" followed by 32 hexadecimal digits")
		}
		apiKey := t.APIKeySID != "" || t.APIKeySecret != ""
		switch {
		case apiKey && t.AuthToken != "":
			v.add("sms.twilio.auth_token", "set either auth_token or api_key_sid and api_key_secret, not both")
		case apiKey:
			switch {
			case t.APIKeySID == "":
				v.add("sms.twilio.api_key_sid", "required with api_key_secret")
			case !twilioAPIKeySID.MatchString(t.APIKeySID):
				v.add("sms.twilio.api_key_sid", "must be \"SK\" followed by 32 hexadecimal digits")
			}
			switch {
			case t.APIKeySecret == "":
				v.add("sms.twilio.api_key_secret", "required with api_key_sid (or api_key_secret_file)")
			case !isAlphanumeric(t.APIKeySecret):
				v.add("sms.twilio.api_key_secret", "must be letters and digits only (a Twilio API key secret is 32 characters)")
			}
		case t.AuthToken == "":
			v.add("sms.twilio.auth_token", "required for provider %s (or auth_token_file, or an API key: api_key_sid and api_key_secret)", s.Provider)
		case !isAlphanumeric(t.AuthToken):
			v.add("sms.twilio.auth_token", "must be letters and digits only (a Twilio auth token is 32 hexadecimal characters)")
		}
		if t.BaseURL != "" {
			v.httpURL("sms.twilio.base_url", t.BaseURL)
		}
		if s.Provider == "twilio_verify" {
			switch {
			case t.VerifyServiceSID == "":
				v.add("sms.twilio.verify_service_sid", "required for provider twilio_verify")
			case !twilioVerifySID.MatchString(t.VerifyServiceSID):
				v.add("sms.twilio.verify_service_sid", "must be \"VA\" followed by 32 hexadecimal digits")
			}
			break
		}
		if t.From == "" && t.MessagingServiceSID == "" {
			v.add("sms.twilio", "provider twilio_messaging needs from or messaging_service_sid")
		}
		if t.From != "" && !e164.MatchString(t.From) {
			v.add("sms.twilio.from", "%q is not an E.164 number such as \"+12015550100\"", t.From)
		}
		if t.MessagingServiceSID != "" && !twilioMessagingSID.MatchString(t.MessagingServiceSID) {
			v.add("sms.twilio.messaging_service_sid", "must be \"MG\" followed by 32 hexadecimal digits")
		}
	case "sinch":
		switch {
		case s.Sinch.KeyID == "":
			v.add("sms.sinch.key_id", "required for provider sinch")
		case strings.ContainsFunc(s.Sinch.KeyID, func(r rune) bool { return r == ':' || r <= ' ' || r == 0x7f }):
			v.add("sms.sinch.key_id", "must not contain \":\", spaces or control characters (it is the application key, a UUID)")
		}
		switch {
		case s.Sinch.KeySecret == "":
			v.add("sms.sinch.key_secret", "required for provider sinch (or key_secret_file)")
		case strings.ContainsFunc(s.Sinch.KeySecret, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			v.add("sms.sinch.key_secret", "must not contain spaces or control characters (it is the application secret, base64)")
		case s.Sinch.Auth == "signed" && !isBase64(s.Sinch.KeySecret):
			v.add("sms.sinch.key_secret", "must be base64 (the application secret as the Sinch dashboard shows it): signed requests use its decoded bytes")
		}
		v.oneOf("sms.sinch.auth", s.Sinch.Auth, []string{"signed", "basic"})
		if s.Sinch.BaseURL != "" {
			v.httpURL("sms.sinch.base_url", s.Sinch.BaseURL)
		}
	case "webhook":
		if s.Webhook.URL == "" {
			v.add("sms.webhook.url", "required for provider webhook")
		} else {
			v.httpURL("sms.webhook.url", s.Webhook.URL)
		}
		if s.Webhook.Secret == "" {
			v.add("sms.webhook.secret", "required for provider webhook (or secret_file)")
		}
	}
}

// admin checks the admin and audit sections.
func (v *validator) admin() {
	a := v.c.Admin
	if a.Enabled && strings.TrimSpace(a.Group) == "" {
		v.add("admin.group", "required when admin.enabled is true: the group whose members may use the console")
	}
	v.positive("admin.max_auth_age", a.MaxAuthAge)
	for _, cc := range slices.Sorted(maps.Keys(a.SMSPrices)) { // problems in a stable order
		price := a.SMSPrices[cc]
		key := "admin.sms_prices." + cc
		if cc != "default" {
			v.region(key, cc)
		}
		if price < 0 || math.IsNaN(price) || math.IsInf(price, 0) {
			v.add(key, "must be a price of 0 or more, it is %v", price)
		}
	}
	if c := a.SMSCurrency; len(c) != 3 || !isASCIILetters(c) || strings.ToUpper(c) != c {
		v.add("admin.sms_currency", "%q is not an ISO 4217 currency code (three upper-case letters, like \"USD\")", c)
	}
	if v.c.Audit.Retain.Events < 1 {
		v.add("audit.retain.events", "must be at least 1, it is %d", v.c.Audit.Retain.Events)
	}
	v.positive("audit.retain.max_age", v.c.Audit.Retain.MaxAge)
}

func (v *validator) regulation() {
	r := v.c.Regulation
	v.atLeast("regulation.max_failures", r.MaxFailures, 1)
	v.positive("regulation.find_time", r.FindTime)
	v.positive("regulation.ban_time", r.BanTime)
	// ASVS V2.2.1 and NIST SP 800-63B 5.2.2: at most 100 failed attempts
	// on one account.
	if r.MaxAccountFailures < 1 || r.MaxAccountFailures > maxAccountFailures {
		v.add("regulation.max_account_failures", "must be between 1 and %d (it is %d)", maxAccountFailures, r.MaxAccountFailures)
	}
	switch {
	case r.AccountLockTime <= 0:
		v.positive("regulation.account_lock_time", r.AccountLockTime)
	case r.FindTime > 0 && r.AccountLockTime < r.FindTime:
		v.add("regulation.account_lock_time", "must be at least regulation.find_time (%s): a run of failures must be remembered longer than a ban's window (it is %s)", r.FindTime, r.AccountLockTime)
	}
}

// maxAccountFailures is the most regulation.max_account_failures may be.
const maxAccountFailures = 100

func (v *validator) portal() {
	p := v.c.Portal
	switch {
	case strings.TrimSpace(p.AppName) == "":
		v.add("portal.app_name", `required: the name people see on the login pages, e.g. "Acme CRM"`)
	case utf8.RuneCountInString(p.AppName) > maxAppName:
		v.add("portal.app_name", "must be at most %d characters", maxAppName)
	case strings.ContainsFunc(p.AppName, unicode.IsControl):
		v.add("portal.app_name", "must not contain control characters or line breaks")
	}
	if p.LogoURL != "" && p.LogoFile != "" {
		v.add("portal.logo_url", "set either logo_url or logo_file, not both")
	}
	if u := p.LogoURL; u != "" {
		if strings.HasPrefix(u, "/") {
			if strings.HasPrefix(u, "//") || strings.ContainsAny(u, "\\ \t\n\"'<>") {
				v.add("portal.logo_url", "%q must be an https:// URL or a plain path such as \"/static/logo.svg\"", u)
			}
		} else if pu, ok := v.httpURL("portal.logo_url", u); ok && pu.Scheme != "https" && !isLoopback(pu.Hostname()) {
			v.add("portal.logo_url", "must be https:// (browsers block http images on https pages)")
		}
	}
	if f := p.LogoFile; f != "" && !slices.Contains(logoTypes, strings.ToLower(path.Ext(f))) {
		v.add("portal.logo_file", "%q must be an image file ending in one of %s", f, strings.Join(logoTypes, ", "))
	}
	if !hexColor.MatchString(p.PrimaryColor) {
		v.add("portal.primary_color", "%q is not a colour such as \"#0b5cad\" (# and 3 or 6 hexadecimal digits)", p.PrimaryColor)
	}
}

func (v *validator) identity() {
	id := v.c.Identity
	if id.SigningKeyFile == "" {
		v.add("identity.signing_key_file", "required (create one with `gatehouse keygen`)")
	}
	for i, f := range id.PreviousKeyFiles {
		if f == "" {
			v.add(fmt.Sprintf("identity.previous_key_files.%d", i), "must not be empty")
		}
	}
	if id.AssertionTTL < minAssertionTTL || id.AssertionTTL > maxAssertionTTL {
		v.add("identity.assertion_ttl", "must be from %s to %s (it is %s)", minAssertionTTL, maxAssertionTTL, id.AssertionTTL)
	}

	h := id.Headers
	headers := []struct {
		key, value string
		required   bool
	}{
		{"user", h.User, true},
		{"email", h.Email, false},
		{"name", h.Name, false},
		{"groups", h.Groups, false},
		{"phone", h.Phone, false},
		{"methods", h.Methods, false},
		{"assertion", h.Assertion, true},
	}
	used := map[string]string{}
	for _, hd := range headers {
		key := "identity.headers." + hd.key
		switch {
		case hd.value == "":
			if hd.required {
				v.add(key, "required")
			}
			continue
		case !isToken(hd.value):
			v.add(key, "%q is not a valid header name", hd.value)
			continue
		case reservedHeader(normHeader(hd.value)):
			v.add(key, "%q is reserved for HTTP itself, browsers or proxies (identity headers are deleted from every request, so the gateway would lose it); choose a name such as \"X-Auth-User\"", hd.value)
			continue
		}
		norm := normHeader(hd.value)
		if other, dup := used[norm]; dup {
			v.add(key, "%q is the same header as %s (names are compared ignoring case, and \"_\" counts as \"-\")", hd.value, other)
			continue
		}
		used[norm] = key
	}
}

func (v *validator) routes() {
	v.routesAgreeOnCase()
	names := map[string]int{}
	// Two routes may share a host and path prefix only when their methods
	// lists are both set and do not overlap (GET to one, POST to another).
	type place struct{ host, prefix, method string }
	places := map[place]int{}
	for i, r := range v.c.Routes {
		p := fmt.Sprintf("routes.%d", i)

		if r.Name == "" {
			v.add(p+".name", "required: a unique name, also the assertion's audience")
		} else if first, dup := names[r.Name]; dup {
			v.add(p+".name", "%q is already the name of routes.%d", r.Name, first)
		} else {
			names[r.Name] = i
		}

		if len(r.DisplayName) > 100 || strings.ContainsFunc(r.DisplayName, unicode.IsControl) {
			v.add(p+".display_name", "at most 100 characters, on one line")
		}

		hostOK := v.routeHost(p+".host", r.Host)
		prefixOK := true
		switch {
		case !strings.HasPrefix(r.PathPrefix, "/"):
			v.add(p+".path_prefix", "%q must start with \"/\"", r.PathPrefix)
			prefixOK = false
		case strings.ContainsAny(r.PathPrefix, "?#"):
			v.add(p+".path_prefix", "%q must be a path, without ? or #", r.PathPrefix)
			prefixOK = false
		}
		if hostOK && prefixOK {
			host := strings.ToLower(r.Host)
			methods := r.Methods
			if len(methods) == 0 {
				methods = []string{"*"}
			}
			for _, m := range methods {
				m = strings.ToUpper(m)
				first, dup := places[place{host, r.PathPrefix, m}]
				if !dup && m != "*" {
					first, dup = places[place{host, r.PathPrefix, "*"}]
				}
				if !dup && m == "*" {
					for at, j := range places {
						if at.host == host && at.prefix == r.PathPrefix {
							first, dup = j, true
							break
						}
					}
				}
				if dup {
					v.add(p, "routes.%d already has host %q and path_prefix %q for these methods", first, r.Host, r.PathPrefix)
					break
				}
				places[place{host, r.PathPrefix, m}] = i
			}
		}

		if v.oneOf(p+".policy", r.Policy, routePolicies) && r.Policy != "deny" && r.Upstream == "" {
			v.add(p+".upstream", "required unless policy is deny, e.g. \"http://127.0.0.1:9001\"")
		}
		if r.Upstream != "" {
			v.httpURL(p+".upstream", r.Upstream)
		}
		for j, g := range r.Groups {
			if strings.TrimSpace(g) == "" {
				v.add(fmt.Sprintf("%s.groups.%d", p, j), "must not be empty")
			}
		}
		for j, m := range r.Methods {
			key := fmt.Sprintf("%s.methods.%d", p, j)
			switch {
			case !isToken(m):
				v.add(key, "%q is not an HTTP method", m)
			case m != strings.ToUpper(m):
				v.add(key, "%q must be upper-case: %q", m, strings.ToUpper(m))
			}
		}
		for j, b := range r.BypassPaths {
			if !strings.HasPrefix(b, "/") {
				v.add(fmt.Sprintf("%s.bypass_paths.%d", p, j), "%q must start with \"/\"", b)
			}
		}
		if r.Cache != "" {
			v.oneOf(p+".cache", r.Cache, routeCaches)
		}
		v.routeSecondFactors(p, r)
		if r.MaxAuthAge < 0 {
			v.add(p+".max_auth_age", "must be 0 (no limit) or more, it is %s", r.MaxAuthAge)
		}
		v.routeTimeouts(p+".timeouts", r.Timeouts)
	}
}

// totp checks the authenticator-app settings: enabled needs a key that
// decodes to TOTPKeyLen bytes.
func (v *validator) totp() {
	t := v.c.TOTP
	switch {
	case t.SecretKey != "":
		if _, err := DecodeTOTPKey(t.SecretKey); err != nil {
			v.add(v.secretKey("totp.secret_key"), "%v (create one with `openssl rand -base64 32`)", err)
		}
	case t.Enabled:
		v.add("totp.secret_key_file", "required when totp.enabled is true: a file holding 32 random bytes in base64 (`openssl rand -base64 32`)")
	}
	if strings.ContainsAny(t.Issuer, ":/?#") || utf8.RuneCountInString(t.Issuer) > maxAppName {
		v.add("totp.issuer", "must be at most %d characters, without : / ? or #", maxAppName)
	}
}

// secretKey is the key a secret was given under: <key>_file when it was
// read from a file.
func (v *validator) secretKey(key string) string {
	if v.c.Line(key) == 0 && v.c.Line(key+"_file") != 0 {
		return key + "_file"
	}
	return key
}

// routeSecondFactors checks routes[].second_factors (at p): known
// methods, once each, on a two_factor route, otp only with totp.enabled.
func (v *validator) routeSecondFactors(p string, r Route) {
	if len(r.SecondFactors) > 0 && r.Policy != "two_factor" {
		v.add(p+".second_factors", "only a two_factor route takes second factors (policy is %q)", r.Policy)
		return
	}
	seen := map[string]bool{}
	for j, m := range r.SecondFactors {
		key := fmt.Sprintf("%s.second_factors.%d", p, j)
		switch {
		case !v.oneOf(key, m, secondFactors):
		case seen[m]:
			v.add(key, "%q is listed twice", m)
		case m == "otp" && !v.c.TOTP.Enabled:
			v.add(key, "\"otp\" needs totp.enabled: true")
		case m == "hwk" && !v.c.Passkeys.Enabled:
			v.add(key, "\"hwk\" needs passkeys.enabled: true")
		case m != "hwk" && r.PhishingResistant:
			v.add(key, "%q is not phishing-resistant: a phishing_resistant route takes only \"hwk\"", m)
		}
		seen[m] = true
	}
	switch {
	case r.PhishingResistant && r.Policy != "two_factor":
		v.add(p+".phishing_resistant", "only a two_factor route takes it (policy is %q; the passkey policy is phishing-resistant already)", r.Policy)
	case r.PhishingResistant && !v.c.Passkeys.Enabled:
		v.add(p+".phishing_resistant", "needs passkeys.enabled: true")
	case r.Policy == "passkey" && !v.c.Passkeys.Enabled:
		v.add(p+".policy", "\"passkey\" needs passkeys.enabled: true")
	}
}

// routeTimeouts checks a route's upstream timeouts: 0 is the default,
// and waiting for response headers longer than server.timeouts.write is
// pointless, since the client's response is cut off at that point.
func (v *validator) routeTimeouts(key string, t RouteTimeouts) {
	if t.Dial < 0 {
		v.add(key+".dial", "must be 0 (the default, %s) or more, it is %s", DefaultDialTimeout, t.Dial)
	}
	if t.Response < 0 {
		v.add(key+".response", "must be 0 (the default, %s) or more, it is %s", DefaultResponseTimeout, t.Response)
	} else if w := v.c.Server.Timeouts.Write; t.Response > 0 && w > 0 && t.Response >= w {
		v.add(key+".response", "%s must be shorter than server.timeouts.write (%s), which ends the response first", t.Response, w)
	}
}

// routeHost checks a route host: a host name, "*.domain" or "*".
func (v *validator) routeHost(key, host string) bool {
	name := strings.TrimPrefix(host, "*.")
	switch {
	case host == "":
		v.add(key, "required: a host name such as \"app.example.com\", \"*.example.com\" or \"*\" for any host")
	case host == "*":
		return true
	case strings.Contains(host, "://") || strings.Contains(host, "/"):
		v.add(key, "%q must be a host name, not a URL", host)
	case strings.Contains(host, ":"):
		v.add(key, "%q must be a host name without a port", host)
	case !isHostname(strings.ToLower(name)):
		v.add(key, "%q is not a host name such as \"app.example.com\", \"*.example.com\" or \"*\"", host)
	default:
		return true
	}
	return false
}

// TrustedProxyPrefixes returns server.trusted_proxies as prefixes, a bare
// address becoming a /32 or /128. Entries that do not parse are left out,
// so call it on a configuration that passed Validate.
func (c *Config) TrustedProxyPrefixes() []netip.Prefix {
	prefixes := make([]netip.Prefix, 0, len(c.Server.TrustedProxies))
	for _, s := range c.Server.TrustedProxies {
		if p, ok := parseProxy(s); ok {
			prefixes = append(prefixes, p)
		}
	}
	return prefixes
}

// parseProxy parses an address or CIDR prefix into a masked prefix.
func parseProxy(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// isToken reports whether s is an RFC 9110 token, the syntax of header
// names, cookie names and methods.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !isTokenChar(c) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// normHeader folds a header name for comparison: case is ignored, and "_"
// counts as "-" because some proxies translate one into the other.
func normHeader(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// isHostname reports whether s (lower-case) is a DNS name or IPv4 address:
// dot-separated labels of letters, digits, "-" and "_", each 1 to 63
// characters and not starting or ending with "-".
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if c != '-' && c != '_' && (c < 'a' || c > 'z') && (c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

func isAlphanumeric(s string) bool {
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isASCIILetters(s string) bool {
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// isLoopback reports whether host is localhost or a loopback address,
// where browsers accept Secure cookies over plain http.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// isBase64 reports whether s is standard base64, padded or not.
func isBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		_, err = base64.RawStdEncoding.DecodeString(s)
	}
	return err == nil && s != ""
}
