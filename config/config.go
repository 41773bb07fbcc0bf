package config

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Config is the whole gateway.yaml. Field names follow the YAML keys; see
// docs/contract.md for the meaning of each key. Secrets given as `<key>_file` are
// read by Load into the plain field and the *File field keeps the path.
type Config struct {
	Server     Server     `yaml:"server"`
	Store      Store      `yaml:"store"`
	Session    Session    `yaml:"session"`
	Users      Users      `yaml:"users"`
	Hashing    Hashing    `yaml:"hashing"`
	OTP        OTP        `yaml:"otp"`
	TOTP       TOTP       `yaml:"totp"`
	Passkeys   Passkeys   `yaml:"passkeys"`
	SMS        SMS        `yaml:"sms"`
	Regulation Regulation `yaml:"regulation"`
	Admin      Admin      `yaml:"admin"`
	Audit      Audit      `yaml:"audit"`
	Identity   Identity   `yaml:"identity"`
	Portal     Portal     `yaml:"portal"`
	Routes     []Route    `yaml:"routes"`

	// File is the path the configuration was loaded from ("" for Default()).
	File string `yaml:"-"`
	// lines maps a dotted key path ("session.idle_timeout", "routes.0.host")
	// to the line it was written on, for error messages.
	lines map[string]int
}

// Admin configures the operator console and admin API
// (docs/contract.md, "Admin console").
type Admin struct {
	// Enabled serves the console and the admin API.
	Enabled bool `yaml:"enabled"`
	// Group is the group whose members may use them.
	Group string `yaml:"group"`
	// MaxAuthAge is how recent both factors of an administrator's
	// session must be; older ones are asked to step up.
	MaxAuthAge time.Duration `yaml:"max_auth_age"`
	// SMSPrices is the price of one text message by destination country
	// (ISO 3166 alpha-2), "default" for every other: the console's
	// estimate of what the messages sent cost. Empty: no estimate.
	SMSPrices map[string]float64 `yaml:"sms_prices"`
	// SMSCurrency is the prices' currency (ISO 4217, like "USD").
	SMSCurrency string `yaml:"sms_currency"`
}

// Audit configures the audit trail that is kept, beside the log lines
// (docs/contract.md, "Audit trail").
type Audit struct {
	Retain AuditRetain `yaml:"retain"`
}

// AuditRetain bounds the kept audit trail by count and by age.
type AuditRetain struct {
	Events int           `yaml:"events"`
	MaxAge time.Duration `yaml:"max_age"`
}

// Server holds the listeners and HTTP server settings.
type Server struct {
	Listen         string   `yaml:"listen"`
	PublicURL      string   `yaml:"public_url"`
	PortalPrefix   string   `yaml:"portal_prefix"`
	AdminListen    string   `yaml:"admin_listen"`
	TrustedProxies []string `yaml:"trusted_proxies"`
	TLS            TLS      `yaml:"tls"`
	Timeouts       Timeouts `yaml:"timeouts"`
	// FastAuthz is deprecated and ignored (docs/contract.md,
	// "server.fast_authz is deprecated and ignored"): the fast front it
	// switched was removed. Accepted for one
	// release so that existing files still load; Validate warns when a
	// file sets it.
	FastAuthz bool `yaml:"fast_authz"`
}

// TLS enables the built-in TLS listener when both files are set.
type TLS struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
}

// Timeouts are the http.Server timeouts plus the graceful shutdown budget.
type Timeouts struct {
	ReadHeader time.Duration `yaml:"read_header"`
	Read       time.Duration `yaml:"read"`
	Write      time.Duration `yaml:"write"`
	Idle       time.Duration `yaml:"idle"`
	Shutdown   time.Duration `yaml:"shutdown"`
}

// Store selects where sessions, challenges, counters and redis users live.
type Store struct {
	Driver    string `yaml:"driver"`
	KeyPrefix string `yaml:"key_prefix"`
	Redis     Redis  `yaml:"redis"`
}

// Redis configures the go-redis UniversalClient.
type Redis struct {
	Addrs        []string      `yaml:"addrs"`
	MasterName   string        `yaml:"master_name"`
	Username     string        `yaml:"username"`
	Password     string        `yaml:"password"`
	PasswordFile string        `yaml:"password_file"`
	DB           int           `yaml:"db"`
	TLS          bool          `yaml:"tls"`
	DialTimeout  time.Duration `yaml:"dial_timeout"`
	OpTimeout    time.Duration `yaml:"op_timeout"`
	ClientCache  ClientCache   `yaml:"client_cache"`
	// ReplayWindow is how long the gateway keeps its security-relevant
	// writes to write them again on a master it has not written to before
	// (docs/contract.md, "Failover durability"); 0 keeps none.
	ReplayWindow time.Duration `yaml:"replay_window"`
}

// ClientCache configures the process-local cache of session and user
// record reads, kept coherent by Redis's server-assisted invalidation
// (CLIENT TRACKING). It applies to a standalone server only; with a
// cluster or Sentinel every read goes to Redis.
type ClientCache struct {
	Enabled    bool          `yaml:"enabled"`
	MaxEntries int           `yaml:"max_entries"` // entries held at most
	MaxAge     time.Duration `yaml:"max_age"`     // longest an entry is served without asking Redis
}

// Session configures the session cookie and lifetimes.
type Session struct {
	CookieName      string        `yaml:"cookie_name"`
	CookieDomain    string        `yaml:"cookie_domain"`
	Secure          bool          `yaml:"secure"`
	SameSite        string        `yaml:"same_site"`
	IdleTimeout     time.Duration `yaml:"idle_timeout"`
	AbsoluteTimeout time.Duration `yaml:"absolute_timeout"`
	RememberMe      time.Duration `yaml:"remember_me"`
}

// Users selects the user backend.
type Users struct {
	Backend        string         `yaml:"backend"`
	File           string         `yaml:"file"`
	Signup         Signup         `yaml:"signup"`
	Reset          Reset          `yaml:"reset"`
	PasswordPolicy PasswordPolicy `yaml:"password_policy"`
	// Passwordless turns on sign-in with a code alone (POST /api/sms/start
	// and the portal's phone form) on every host; without it, only where
	// a route has the sms policy (docs/contract.md, "Policies").
	Passwordless bool `yaml:"passwordless"`
}

// Signup controls self-service registration (redis backend only).
type Signup struct {
	Enabled bool `yaml:"enabled"`
	// PerClientPerHour bounds the sign-ups one client address (IPv4) or
	// /64 (IPv6) may start per hour (docs/contract.md, "Sign-up").
	PerClientPerHour int `yaml:"per_client_per_hour"`
}

// Reset controls password reset by text-message code (redis backend
// only; docs/contract.md, "Password reset").
type Reset struct {
	// Enabled offers reset; default true.
	Enabled bool `yaml:"enabled"`
	// Require lists the proofs a reset needs: [sms], or [sms,
	// recovery_code]. Empty: [sms, recovery_code] for accounts that sign
	// in with two factors (force_two_factor, or any route whose policy is
	// two_factor) and [sms] for the others.
	Require []string `yaml:"require"`
}

// Reset proofs (users.reset.require).
const (
	ResetProofSMS          = "sms"
	ResetProofRecoveryCode = "recovery_code"
)

// PasswordPolicy bounds new passwords.
type PasswordPolicy struct {
	MinLength int `yaml:"min_length"`
	MaxLength int `yaml:"max_length"`
}

// Hashing configures password hashing.
type Hashing struct {
	Argon2id      Argon2id `yaml:"argon2id"`
	MaxConcurrent int      `yaml:"max_concurrent"`
	// Worker computes hashes in a child process at the lowest CPU
	// priority (docs/contract.md, "Password hashing"), so a login flood does not
	// slow signed-in traffic; false hashes in the gateway process.
	Worker bool `yaml:"worker"`
}

// Argon2id holds the argon2id cost parameters for new hashes.
type Argon2id struct {
	MemoryKiB   uint32 `yaml:"memory_kib"`
	Iterations  uint32 `yaml:"iterations"`
	Parallelism uint8  `yaml:"parallelism"`
}

// OTP configures one-time codes sent by SMS.
type OTP struct {
	Length         int           `yaml:"length"`
	TTL            time.Duration `yaml:"ttl"`
	MaxAttempts    int           `yaml:"max_attempts"`
	ResendCooldown time.Duration `yaml:"resend_cooldown"`
	MaxSends       MaxSends      `yaml:"max_sends"`
	// MaxSendsPerIP is the send quota per client IP (count 0 disables it).
	MaxSendsPerIP    MaxSends `yaml:"max_sends_per_ip"`
	AllowedCountries []string `yaml:"allowed_countries"`
	// AllowedNumberTypes are the kinds of number (libphonenumber's types:
	// mobile, fixed_line_or_mobile, fixed_line, voip, premium_rate, …)
	// codes may be sent to (docs/contract.md, "SMS delivery").
	AllowedNumberTypes []string `yaml:"allowed_number_types"`
	// Budget caps the codes asked for anonymously (passwordless start,
	// reset, sign-up), decoys included, beyond the per-number and per-IP
	// quotas (docs/contract.md, "Send quotas").
	Budget Budget `yaml:"budget"`
	// DefaultRegion (ISO 3166 alpha-2) is the country of phone numbers
	// typed without + or 00; "" requires international numbers.
	DefaultRegion string `yaml:"default_region"`
	Message       string `yaml:"message"`
	// WebOTP appends the origin-bound line "@host #code" to the message.
	WebOTP bool `yaml:"webotp"`
}

// MaxSends is a send quota: count sends per window (per phone number for
// max_sends, per client IP for max_sends_per_ip).
type MaxSends struct {
	Count  int           `yaml:"count"`
	Window time.Duration `yaml:"window"`
}

// Budget caps anonymous code sends over all numbers; 0 turns a cap off.
type Budget struct {
	PerDay            int `yaml:"per_day"`              // in all, per day
	PerCountryPerHour int `yaml:"per_country_per_hour"` // per destination country, per hour
	PerPrefixPerHour  int `yaml:"per_prefix_per_hour"`  // per number without its last 4 digits, per hour
}

// TOTP configures authenticator apps (docs/contract.md, "Authenticator
// apps"): codes per RFC 6238 as a second factor beside text messages.
type TOTP struct {
	// Enabled offers authenticator apps on the account page and accepts
	// their codes; it needs a secret key.
	Enabled bool `yaml:"enabled"`
	// Issuer is the name apps show beside the account; "" is
	// portal.app_name.
	Issuer string `yaml:"issuer"`
	// SecretKey encrypts the apps' secrets in the store (AES-256-GCM):
	// 32 random bytes in standard base64. Losing it loses every
	// enrolment; changing it makes them fail to decrypt.
	SecretKey     string `yaml:"secret_key"`
	SecretKeyFile string `yaml:"secret_key_file"`
}

// TOTPKeyLen is the length of totp.secret_key once decoded.
const TOTPKeyLen = 32

// DecodeTOTPKey decodes totp.secret_key (standard base64, 32 bytes).
func DecodeTOTPKey(s string) ([]byte, error) {
	k, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("not standard base64: %w", err)
	}
	if len(k) != TOTPKeyLen {
		return nil, fmt.Errorf("decodes to %d bytes, want %d", len(k), TOTPKeyLen)
	}
	return k, nil
}

// SMS selects and configures the SMS provider.
type SMS struct {
	Provider string        `yaml:"provider"`
	Timeout  time.Duration `yaml:"timeout"`
	Console  Console       `yaml:"console"`
	Twilio   Twilio        `yaml:"twilio"`
	Sinch    Sinch         `yaml:"sinch"`
	Webhook  Webhook       `yaml:"webhook"`
}

// Console is the development sender.
type Console struct {
	File string `yaml:"file"`
}

// Twilio configures twilio_messaging and twilio_verify.
type Twilio struct {
	AccountSID    string `yaml:"account_sid"`
	AuthToken     string `yaml:"auth_token"`
	AuthTokenFile string `yaml:"auth_token_file"`
	// APIKeySID and APIKeySecret authenticate with a Twilio API key
	// ("SK…") instead of the account's auth token; the account SID still
	// names the account.
	APIKeySID           string `yaml:"api_key_sid"`
	APIKeySecret        string `yaml:"api_key_secret"`
	APIKeySecretFile    string `yaml:"api_key_secret_file"`
	From                string `yaml:"from"`
	MessagingServiceSID string `yaml:"messaging_service_sid"`
	VerifyServiceSID    string `yaml:"verify_service_sid"`
	BaseURL             string `yaml:"base_url"`
}

// Sinch configures the Sinch Verification API.
type Sinch struct {
	// Auth is how calls are authenticated: "signed" (Sinch's application
	// signed requests, HMAC-SHA256 with the base64-decoded secret; the
	// default) or "basic" (the key and secret as HTTP Basic credentials).
	Auth          string `yaml:"auth"`
	KeyID         string `yaml:"key_id"`
	KeySecret     string `yaml:"key_secret"`
	KeySecretFile string `yaml:"key_secret_file"`
	BaseURL       string `yaml:"base_url"`
}

// Webhook configures the signed webhook sender.
type Webhook struct {
	URL        string `yaml:"url"`
	Secret     string `yaml:"secret"`
	SecretFile string `yaml:"secret_file"`
}

// Regulation configures brute-force bans and the account lock.
type Regulation struct {
	MaxFailures int           `yaml:"max_failures"`
	FindTime    time.Duration `yaml:"find_time"`
	BanTime     time.Duration `yaml:"ban_time"`
	// MaxAccountFailures failures in a row, however slow, lock the
	// account for AccountLockTime; a run is forgotten after a quiet
	// AccountLockTime or a completed sign-in.
	MaxAccountFailures int           `yaml:"max_account_failures"`
	AccountLockTime    time.Duration `yaml:"account_lock_time"`
}

// Identity configures the signed assertion and identity headers.
type Identity struct {
	SigningKeyFile   string        `yaml:"signing_key_file"`
	PreviousKeyFiles []string      `yaml:"previous_key_files"`
	AssertionTTL     time.Duration `yaml:"assertion_ttl"`
	Headers          Headers       `yaml:"headers"`
}

// Headers names the identity headers; "" means the header is not sent.
type Headers struct {
	User      string `yaml:"user"`
	Email     string `yaml:"email"`
	Name      string `yaml:"name"`
	Groups    string `yaml:"groups"`
	Phone     string `yaml:"phone"`
	Methods   string `yaml:"methods"`
	Assertion string `yaml:"assertion"`
}

// Portal brands the login pages: name, logo, colour and wording.
type Portal struct {
	// AppName is shown in the page header and title and is the {{.App}}
	// of the SMS text.
	AppName string `yaml:"app_name"`
	// LogoURL is an image shown beside the name: an absolute https URL or
	// a path on the gateway's hosts. At most one of LogoURL and LogoFile.
	LogoURL string `yaml:"logo_url"`
	// LogoFile is a local image (.svg, .png, .jpg, .jpeg, .gif, .webp or
	// .ico) the gateway serves itself under the portal prefix.
	LogoFile string `yaml:"logo_file"`
	// PrimaryColor is the colour of buttons and links, "#rrggbb" or
	// "#rgb"; text colours that keep WCAG AA contrast are derived from it.
	PrimaryColor string `yaml:"primary_color"`
	// MessagesFile is a YAML file of message id: text that overrides or
	// translates the built-in English texts of the pages.
	MessagesFile string `yaml:"messages_file"`
}

// Route maps a host and path prefix to an upstream with a policy.
type Route struct {
	Name string `yaml:"name"`
	// DisplayName is what the portal calls the app the route serves
	// ("Sign in to continue to Acme CRM"); "" is portal.app_name.
	DisplayName  string        `yaml:"display_name"`
	Host         string        `yaml:"host"`
	PathPrefix   string        `yaml:"path_prefix"`
	Upstream     string        `yaml:"upstream"`
	Policy       string        `yaml:"policy"`
	Groups       []string      `yaml:"groups"`
	Methods      []string      `yaml:"methods"`
	BypassPaths  []string      `yaml:"bypass_paths"`
	MaxAuthAge   time.Duration `yaml:"max_auth_age"`
	PreserveHost bool          `yaml:"preserve_host"`
	// SecondFactors are the second factors a two_factor route accepts
	// after the password ("sms", "otp", "hwk"); empty: every one the
	// account has.
	SecondFactors []string `yaml:"second_factors"`
	// PhishingResistant asks, on a two_factor route, for a passkey as the
	// second factor, which no recovery code replaces (docs/contract.md,
	// "Passkeys").
	PhishingResistant bool `yaml:"phishing_resistant"`
	// CaseInsensitivePaths says the upstream reads paths without regard
	// to case (IIS, ASP.NET, Express by default): path_prefix and
	// bypass_paths then match in any case, so /ADMIN is decided as /admin
	// (docs/contract.md, "Routes: path_prefix and methods"). Every route
	// of one upstream must agree.
	CaseInsensitivePaths bool          `yaml:"case_insensitive_paths"`
	Timeouts             RouteTimeouts `yaml:"timeouts"`
	// Cache is what the gateway does to the cacheability of the answers
	// it forwards to signed-in requests: RouteCacheNoStore (the default,
	// "" too) or RouteCacheAllow.
	Cache string `yaml:"cache"`
}

// Values of routes[].cache.
const (
	// RouteCacheNoStore marks every answer to a request sent with an
	// identity "Cache-Control: no-store", whatever the upstream said: it
	// is private to the person signed in.
	RouteCacheNoStore = "no-store"
	// RouteCacheAllow keeps the upstream's caching headers.
	RouteCacheAllow = "allow"
)

// RouteTimeouts bound the calls to a route's upstream; zero means the
// default (DefaultDialTimeout, DefaultResponseTimeout).
type RouteTimeouts struct {
	// Dial bounds connecting to the upstream (TCP and TLS handshake).
	Dial time.Duration `yaml:"dial"`
	// Response bounds the wait for the upstream's response headers once
	// the request is sent; the body may then stream for longer.
	Response time.Duration `yaml:"response"`
}
