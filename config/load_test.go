package config_test

// Tests of Load and Parse as a whole: every key read, a round trip
// through YAML, the defaults kept, and reading a file from disk. The
// decoding's details are tested in load_decode_test.go, ${VAR} in
// load_env_test.go, secrets and paths in load_files_test.go.

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"gopkg.in/yaml.v3"
)

// fullYAML sets every key to something other than its default.
const fullYAML = `
server:
  listen: "0.0.0.0:8443"
  public_url: "https://login.example.org"
  portal_prefix: "/_auth"
  admin_listen: ""
  trusted_proxies: ["10.0.0.0/8", "192.168.1.1"]
  forward_auth: false
  tls: { cert_file: "/tls/cert.pem", key_file: "/tls/key.pem" }
  timeouts: { read_header: 5s, read: 15s, write: 45s, idle: 90s, shutdown: 1m }
  fast_authz: false
store:
  driver: redis
  key_prefix: "gh:"
  redis:
    addrs: ["redis-1:26379", "redis-2:26379"]
    master_name: mymaster
    username: gatehouse
    password: "hunter2"
    db: 3
    tls: true
    dial_timeout: 1s
    op_timeout: 250ms
    replay_window: 1m
    client_cache: { enabled: false, max_entries: 500, max_age: 3s }
session:
  cookie_name: "__Host-gh"
  cookie_domain: ""
  secure: true
  same_site: strict
  idle_timeout: 1h
  absolute_timeout: 24h
  remember_me: 0
  max_per_account: 300
users:
  backend: redis
  file: ""
  signup: { enabled: true }
  reset: { enabled: true, require: [sms, recovery_code] }
  password_policy: { min_length: 12, max_length: 256 }
hashing:
  argon2id: { memory_kib: 131072, iterations: 4, parallelism: 1 }
  max_concurrent: 8
  worker: false
otp:
  length: 8
  ttl: 10m
  max_attempts: 3
  resend_cooldown: 1m
  max_sends: { count: 3, window: 24h }
  max_sends_per_ip: { count: 40, window: 2h }
  allowed_countries: ["US", "CA"]
  default_region: "CA"
  message: "{{.Code}} is your code"
  webotp: true
sms:
  provider: twilio_verify
  timeout: 5s
  security_notices: false
  console: { file: "/var/log/sms.jsonl" }
  twilio:
    account_sid: "AC0123456789abcdef0123456789abcdef"
    auth_token: "tok"
    from: "+12015550100"
    messaging_service_sid: "MG0123456789abcdef0123456789abcdef"
    verify_service_sid: "VA0123456789abcdef0123456789abcdef"
    base_url: "http://127.0.0.1:7000"
  sinch: { auth: basic, key_id: "kid", key_secret: "ks", base_url: "https://eu.sinch.example" }
  webhook: { url: "https://sms.internal/send", secret: "whs" }
regulation: { max_failures: 10, find_time: 5m, ban_time: 1h, max_account_failures: 50, account_lock_time: 48h, known_devices: 720h }
admin: { enabled: true, group: ops, max_auth_age: 5m, sms_prices: { US: 0.0079, GB: 1, default: 0.05 }, sms_currency: EUR }
audit: { retain: { events: 5000, attempt_events: 20000, max_age: 720h }, repeat_window: 5m, account_share: { events: 40, window: 30m } }
identity:
  signing_key_file: "/keys/current.pem"
  previous_key_files: ["/keys/old.pem"]
  assertion_ttl: 30s
  headers:
    user: "Remote-User"
    email: "Remote-Email"
    name: "Remote-Name"
    groups: "Remote-Groups"
    phone: "Remote-Phone"
    methods: ""
    assertion: "Remote-Assertion"
portal:
  app_name: "Acme CRM"
  logo_url: "https://cdn.example.org/acme.svg"
  logo_file: ""
  primary_color: "#c2410c"
  messages_file: "/etc/gatehouse/fr.yaml"
routes:
  - name: crm
    display_name: "Acme CRM"
    host: "crm.example.org"
    path_prefix: "/app"
    upstream: "http://crm:9001"
    policy: two_factor
    groups: ["sales"]
    methods: ["GET", "POST"]
    bypass_paths: ["/app/static/"]
    max_auth_age: 10m
    preserve_host: true
  - name: docs
    host: "*.docs.example.org"
    upstream: "https://docs.internal"
    policy: bypass
    cache: allow
`

func fullConfig() *config.Config {
	return &config.Config{
		Server: config.Server{
			Listen:         "0.0.0.0:8443",
			PublicURL:      "https://login.example.org",
			PortalPrefix:   "/_auth",
			AdminListen:    "",
			TrustedProxies: []string{"10.0.0.0/8", "192.168.1.1"},
			TLS:            config.TLS{CertFile: "/tls/cert.pem", KeyFile: "/tls/key.pem"},
			Timeouts: config.Timeouts{ReadHeader: 5 * time.Second, Read: 15 * time.Second,
				Write: 45 * time.Second, Idle: 90 * time.Second, Shutdown: time.Minute},
			FastAuthz: false,
		},
		Store: config.Store{
			Driver:    "redis",
			KeyPrefix: "gh:",
			Redis: config.Redis{
				Addrs: []string{"redis-1:26379", "redis-2:26379"}, MasterName: "mymaster",
				Username: "gatehouse", Password: "hunter2", DB: 3, TLS: true,
				DialTimeout: time.Second, OpTimeout: 250 * time.Millisecond, ReplayWindow: time.Minute,
				ClientCache: config.ClientCache{Enabled: false, MaxEntries: 500, MaxAge: 3 * time.Second},
			},
		},
		Session: config.Session{
			CookieName: "__Host-gh", Secure: true, SameSite: "strict",
			IdleTimeout: time.Hour, AbsoluteTimeout: 24 * time.Hour, RememberMe: 0, MaxPerAccount: 300,
		},
		Users: config.Users{
			Backend: "redis", File: "", Signup: config.Signup{Enabled: true, PerClientPerHour: 10},
			Reset:          config.Reset{Enabled: true, Require: []string{"sms", "recovery_code"}},
			PasswordPolicy: config.PasswordPolicy{MinLength: 12, MaxLength: 256},
		},
		Hashing: config.Hashing{
			Argon2id:      config.Argon2id{MemoryKiB: 131072, Iterations: 4, Parallelism: 1},
			MaxConcurrent: 8,
		},
		OTP: config.OTP{
			Length: 8, TTL: 10 * time.Minute, MaxAttempts: 3, ResendCooldown: time.Minute,
			MaxSends:           config.MaxSends{Count: 3, Window: 24 * time.Hour},
			MaxSendsPerIP:      config.MaxSends{Count: 40, Window: 2 * time.Hour},
			AllowedCountries:   []string{"US", "CA"},
			AllowedNumberTypes: []string{"mobile", "fixed_line_or_mobile"},
			Budget:             config.Budget{PerDay: 2000, PerCountryPerHour: 500, PerPrefixPerHour: 20},
			DefaultRegion:      "CA",
			Message:            "{{.Code}} is your code",
			WebOTP:             true,
		},
		SMS: config.SMS{
			Provider: "twilio_verify",
			Timeout:  5 * time.Second,
			Console:  config.Console{File: "/var/log/sms.jsonl"},
			Twilio: config.Twilio{
				AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "tok",
				From:                "+12015550100",
				MessagingServiceSID: "MG0123456789abcdef0123456789abcdef",
				VerifyServiceSID:    "VA0123456789abcdef0123456789abcdef",
				BaseURL:             "http://127.0.0.1:7000",
			},
			Sinch:   config.Sinch{Auth: "basic", KeyID: "kid", KeySecret: "ks", BaseURL: "https://eu.sinch.example"},
			Webhook: config.Webhook{URL: "https://sms.internal/send", Secret: "whs"},
		},
		Regulation: config.Regulation{MaxFailures: 10, FindTime: 5 * time.Minute, BanTime: time.Hour, MaxAccountFailures: 50, AccountLockTime: 48 * time.Hour, KnownDevices: 720 * time.Hour},
		Admin: config.Admin{Enabled: true, Group: "ops", MaxAuthAge: 5 * time.Minute,
			SMSPrices: map[string]float64{"US": 0.0079, "GB": 1, "default": 0.05}, SMSCurrency: "EUR"},
		Audit: config.Audit{Retain: config.AuditRetain{Events: 5000, AttemptEvents: 20000, MaxAge: 720 * time.Hour}, RepeatWindow: 5 * time.Minute,
			AccountShare: config.AuditAccountShare{Events: 40, Window: 30 * time.Minute}},
		Identity: config.Identity{
			SigningKeyFile:   "/keys/current.pem",
			PreviousKeyFiles: []string{"/keys/old.pem"},
			AssertionTTL:     30 * time.Second,
			Headers: config.Headers{User: "Remote-User", Email: "Remote-Email", Name: "Remote-Name",
				Groups: "Remote-Groups", Phone: "Remote-Phone", Methods: "", Assertion: "Remote-Assertion"},
		},
		Portal: config.Portal{AppName: "Acme CRM", LogoURL: "https://cdn.example.org/acme.svg", PrimaryColor: "#c2410c", MessagesFile: "/etc/gatehouse/fr.yaml"},
		Routes: []config.Route{
			{
				Name: "crm", DisplayName: "Acme CRM", Host: "crm.example.org", PathPrefix: "/app", Upstream: "http://crm:9001",
				Policy: "two_factor", Groups: []string{"sales"}, Methods: []string{"GET", "POST"},
				BypassPaths: []string{"/app/static/"}, MaxAuthAge: 10 * time.Minute, PreserveHost: true,
				Cache: config.RouteCacheNoStore,
			},
			{Name: "docs", Host: "*.docs.example.org", PathPrefix: "/", Upstream: "https://docs.internal", Policy: "bypass", Cache: config.RouteCacheAllow},
		},
	}
}

func TestParseFullExample(t *testing.T) {
	cfg := mustParse(t, fullYAML)
	sameConfig(t, cfg, fullConfig())
	if cfg.File != "gateway.yaml" {
		t.Errorf("File = %q, want gateway.yaml", cfg.File)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// TestRoundTrip checks that a configuration written out as YAML reads back
// the same.
func TestRoundTrip(t *testing.T) {
	for name, want := range map[string]*config.Config{"full": fullConfig(), "default": config.Default()} {
		t.Run(name, func(t *testing.T) {
			out, err := yaml.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := config.Parse("out.yaml", out, noEnv)
			if err != nil {
				t.Fatalf("Parse of marshalled config: %v\n%s", err, out)
			}
			sameConfig(t, got, want)
		})
	}
}

func TestParseEmptyGivesDefaults(t *testing.T) {
	for name, src := range map[string]string{
		"empty":         "",
		"comments only": "# nothing here\n\n# at all\n",
		"document mark": "---\n",
		"null":          "~\n",
	} {
		t.Run(name, func(t *testing.T) {
			cfg := mustParse(t, src)
			sameConfig(t, cfg, config.Default())
			if cfg.File != "gateway.yaml" {
				t.Errorf("File = %q", cfg.File)
			}
		})
	}
}

func TestParseKeepsDefaultsOfOmittedKeys(t *testing.T) {
	cfg := mustParse(t, `
server:
  public_url: https://auth.example.com
session:
  idle_timeout: 1h
otp:
`)
	want := config.Default()
	want.Server.PublicURL = "https://auth.example.com"
	want.Session.IdleTimeout = time.Hour
	sameConfig(t, cfg, want)
}

func TestParseRouteDefaults(t *testing.T) {
	cfg := mustParse(t, `
routes:
  - name: a
    host: a.example.com
    upstream: http://a
    policy: password
  - name: b
    host: b.example.com
    path_prefix: ""
    upstream: http://b
    policy: password
  - name: c
    host: c.example.com
    path_prefix: /c
    upstream: http://c
    policy: password
`)
	for i, want := range []string{"/", "/", "/c"} {
		if got := cfg.Routes[i].PathPrefix; got != want {
			t.Errorf("routes.%d.path_prefix = %q, want %q", i, got, want)
		}
	}
}

func TestParseExplicitEmptyValues(t *testing.T) {
	cfg := mustParse(t, `
server:
  trusted_proxies: []
  admin_listen:
otp:
  allowed_countries: ~
`)
	if cfg.Server.TrustedProxies == nil || len(cfg.Server.TrustedProxies) != 0 {
		t.Errorf("trusted_proxies = %#v, want an empty list", cfg.Server.TrustedProxies)
	}
	if cfg.Server.AdminListen != "" {
		t.Errorf("admin_listen = %q, want empty (disabled)", cfg.Server.AdminListen)
	}
	if cfg.OTP.AllowedCountries != nil {
		t.Errorf("allowed_countries = %#v, want nil", cfg.OTP.AllowedCountries)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "gw.yaml", "server:\n  public_url: https://auth.example.com\n  listen: \":9999\"\n")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.File != path || cfg.Server.Listen != ":9999" || cfg.Line("server.listen") != 3 {
		t.Errorf("Load gave File=%q listen=%q line=%d", cfg.File, cfg.Server.Listen, cfg.Line("server.listen"))
	}

	t.Run("environment", func(t *testing.T) {
		t.Setenv("GATEHOUSE_TEST_LISTEN", ":7777")
		p := writeFile(t, dir, "env.yaml", "server:\n  listen: ${GATEHOUSE_TEST_LISTEN}\n")
		cfg, err := config.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Server.Listen != ":7777" {
			t.Errorf("listen = %q", cfg.Server.Listen)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := config.Load(filepath.Join(dir, "nope.yaml"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("error = %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("problems use the path as given", func(t *testing.T) {
		p := writeFile(t, dir, "bad.yaml", "server:\n  lisen: x\n")
		_, err := config.Load(p)
		ps := config.Problems(err)
		if len(ps) != 1 || ps[0].File != p || ps[0].Line != 2 {
			t.Fatalf("problems = %v", err)
		}
	})
}
