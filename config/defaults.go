package config

// The documented defaults: Default and the default values other packages
// name (docs/contract.md, "Configuration (gateway.yaml)").

import "time"

// DefaultOTPMessage is the SMS text used when otp.message is not set. The
// template sees .App, .Code and .Minutes.
const DefaultOTPMessage = "Your {{.App}} code is {{.Code}}. It expires in {{.Minutes}} minutes."

// Portal defaults: the name on the login pages (and in the SMS text) and
// the colour of their buttons and links.
const (
	DefaultAppName      = "Gatehouse"
	DefaultPrimaryColor = "#0b5cad"
)

// DefaultPathPrefix is the path_prefix of a route that does not set one.
const DefaultPathPrefix = "/"

// Upstream timeouts of a route that does not set routes[].timeouts.
const (
	DefaultDialTimeout     = 5 * time.Second
	DefaultResponseTimeout = 30 * time.Second
)

// Default returns a configuration holding every default documented in
// docs/contract.md (public_url included: the contract's default is
// "https://auth.example.com"). It has no routes. Each call returns a fresh
// value that the caller may modify.
func Default() *Config {
	return &Config{
		Server: Server{
			Listen:         ":8080",
			PublicURL:      "https://auth.example.com",
			PortalPrefix:   "/_gatehouse",
			AdminListen:    "127.0.0.1:9090",
			TrustedProxies: []string{"127.0.0.1/32", "::1/128"},
			ForwardAuth:    true,
			Timeouts: Timeouts{
				ReadHeader: 10 * time.Second,
				Read:       30 * time.Second,
				Write:      60 * time.Second,
				Idle:       120 * time.Second,
				Shutdown:   20 * time.Second,
			},
		},
		Store: Store{
			Driver:    "memory",
			KeyPrefix: "gatehouse:",
			Redis: Redis{
				Addrs:       []string{"127.0.0.1:6379"},
				DialTimeout: 2 * time.Second,
				OpTimeout:   500 * time.Millisecond,
				// Covers a crash failover with Sentinel's default
				// down-after-milliseconds (30 s) and the failover itself.
				ReplayWindow: 2 * time.Minute,
				ClientCache:  ClientCache{Enabled: true, MaxEntries: 10000, MaxAge: 10 * time.Second},
			},
		},
		Session: Session{
			CookieName:      "gatehouse_session",
			Secure:          true,
			SameSite:        "lax",
			IdleTimeout:     30 * time.Minute,
			AbsoluteTimeout: 12 * time.Hour,
			RememberMe:      720 * time.Hour,
			MaxPerAccount:   100,
		},
		Users: Users{
			Backend:        "file",
			File:           "users.yaml",
			Signup:         Signup{PerClientPerHour: 10},
			Reset:          Reset{Enabled: true},
			PasswordPolicy: PasswordPolicy{MinLength: 8, MaxLength: 128},
		},
		Hashing: Hashing{
			Argon2id:      Argon2id{MemoryKiB: 64 * 1024, Iterations: 3, Parallelism: 2},
			MaxConcurrent: 4,
			Worker:        true,
		},
		OTP: OTP{
			Length:         6,
			TTL:            5 * time.Minute,
			MaxAttempts:    5,
			ResendCooldown: 30 * time.Second,
			MaxSends:       MaxSends{Count: 5, Window: time.Hour},
			MaxSendsPerIP:  MaxSends{Count: 50, Window: time.Hour},
			// Premium-rate, shared-cost, VoIP, pager and other numbers are
			// what SMS pumping sends to; a person's phone is a mobile.
			AllowedNumberTypes: []string{"mobile", "fixed_line_or_mobile"},
			Budget:             Budget{PerDay: 2000, PerCountryPerHour: 500, PerPrefixPerHour: 20},
			Message:            DefaultOTPMessage,
		},
		SMS: SMS{
			Provider: "console",
			Timeout:  10 * time.Second,
			Sinch:    Sinch{Auth: "signed", BaseURL: "https://verification.api.sinch.com"},
			// The owner's number is told of new ways to sign in
			// (docs/contract.md, "Security notices").
			SecurityNotices: true,
		},
		Regulation: Regulation{
			MaxFailures:        5,
			FindTime:           10 * time.Minute,
			BanTime:            15 * time.Minute,
			MaxAccountFailures: 100,
			AccountLockTime:    24 * time.Hour,
			KnownDevices:       90 * 24 * time.Hour,
		},
		Admin: Admin{Enabled: true, Group: "admins", MaxAuthAge: 10 * time.Minute, SMSCurrency: "USD"},
		Audit: Audit{Retain: AuditRetain{Events: 100_000, AttemptEvents: 100_000, MaxAge: 90 * 24 * time.Hour}, RepeatWindow: time.Minute,
			AccountShare: AuditAccountShare{Events: 100, Window: time.Hour}},
		Portal: Portal{
			AppName:      DefaultAppName,
			PrimaryColor: DefaultPrimaryColor,
		},
		Identity: Identity{
			SigningKeyFile: "gatehouse.key",
			AssertionTTL:   60 * time.Second,
			Headers: Headers{
				User:      "X-Auth-User",
				Email:     "X-Auth-Email",
				Name:      "X-Auth-Name",
				Groups:    "X-Auth-Groups",
				Phone:     "",
				Methods:   "X-Auth-Methods",
				Assertion: "X-Auth-Assertion",
			},
		},
	}
}
