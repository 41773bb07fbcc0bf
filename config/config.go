package config

// Config, the whole of gateway.yaml, and the sections about the gateway
// itself: server, store, session, admin and audit. The other sections are
// in config_users.go, config_codes.go, config_routes.go and passkeys.go.

import (
	"io/fs"
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
	// exposed maps the key of each file Load found that others may read
	// or write (signing key, TLS key, secrets) to its mode; Check warns
	// of them without doing I/O itself.
	exposed map[string]fs.FileMode
	// fromEnv holds the key paths whose value in the file names a ${VAR}.
	fromEnv map[string]bool
	// inline maps each secret written in the file itself (not *_file nor
	// ${VAR}), when Load found the file others may read or write, to the
	// file's mode; Check warns of them.
	inline map[string]fs.FileMode
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
	// RepeatWindow is how long events just like one recorded (but an
	// administrator's) are counted rather than recorded, one record of how
	// many ending each window; 0 records every one (docs/contract.md,
	// "Audit trail").
	RepeatWindow time.Duration `yaml:"repeat_window"`
	// AccountShare is how much of the history one account may write one
	// record at a time (docs/contract.md, "Audit trail").
	AccountShare AuditAccountShare `yaml:"account_share"`
}

// AuditAccountShare bounds one account's records of the history (an
// administrator's actions aside): Events a Window are recorded one by
// one, the rest of the window counted in one record; Events 0 records
// every one (docs/contract.md, "Audit trail").
type AuditAccountShare struct {
	Events int           `yaml:"events"`
	Window time.Duration `yaml:"window"`
}

// AuditRetain bounds the kept audit trail by count and by age: the
// history (Events) and the attempts (AttemptEvents), which anyone can
// make at will, each under its own count (docs/contract.md, "Audit
// trail").
type AuditRetain struct {
	Events        int           `yaml:"events"`
	AttemptEvents int           `yaml:"attempt_events"`
	MaxAge        time.Duration `yaml:"max_age"`
}

// Server holds the listeners and HTTP server settings.
type Server struct {
	Listen         string   `yaml:"listen"`
	PublicURL      string   `yaml:"public_url"`
	PortalPrefix   string   `yaml:"portal_prefix"`
	AdminListen    string   `yaml:"admin_listen"`
	TrustedProxies []string `yaml:"trusted_proxies"`
	// ForwardAuth serves the forward-auth endpoints (docs/contract.md,
	// "Forward-auth protocol"); false answers them 404, for a gateway
	// that only proxies, behind a load balancer in TrustedProxies.
	ForwardAuth bool     `yaml:"forward_auth"`
	TLS         TLS      `yaml:"tls"`
	Timeouts    Timeouts `yaml:"timeouts"`
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
	Addrs        []string `yaml:"addrs"`
	MasterName   string   `yaml:"master_name"`
	Username     string   `yaml:"username"`
	Password     string   `yaml:"password"`
	PasswordFile string   `yaml:"password_file"`
	DB           int      `yaml:"db"`
	TLS          bool     `yaml:"tls"`
	// TLSCAFile, TLSCertFile, TLSKeyFile and TLSServerName shape TLS to
	// Redis (docs/contract.md, "TLS to Redis"): the PEM certificates
	// that may sign the server's (else the system's), a client
	// certificate and its key, and the name the server's certificate
	// must hold (else the host dialled). Each needs TLS.
	TLSCAFile     string        `yaml:"tls_ca_file"`
	TLSCertFile   string        `yaml:"tls_cert_file"`
	TLSKeyFile    string        `yaml:"tls_key_file"`
	TLSServerName string        `yaml:"tls_server_name"`
	DialTimeout   time.Duration `yaml:"dial_timeout"`
	OpTimeout     time.Duration `yaml:"op_timeout"`
	ClientCache   ClientCache   `yaml:"client_cache"`
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
	// MaxPerAccount is how many sessions one account keeps
	// (docs/contract.md, "Sessions per account"), and how many
	// WebSockets it holds open through a replica ("WebSocket proxying").
	MaxPerAccount int `yaml:"max_per_account"`
}
