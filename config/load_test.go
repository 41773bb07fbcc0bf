package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
regulation: { max_failures: 10, find_time: 5m, ban_time: 1h, max_account_failures: 50, account_lock_time: 48h }
admin: { enabled: true, group: ops, max_auth_age: 5m, sms_prices: { US: 0.0079, GB: 1, default: 0.05 }, sms_currency: EUR }
audit: { retain: { events: 5000, max_age: 720h } }
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
			IdleTimeout: time.Hour, AbsoluteTimeout: 24 * time.Hour, RememberMe: 0,
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
		Regulation: config.Regulation{MaxFailures: 10, FindTime: 5 * time.Minute, BanTime: time.Hour, MaxAccountFailures: 50, AccountLockTime: 48 * time.Hour},
		Admin: config.Admin{Enabled: true, Group: "ops", MaxAuthAge: 5 * time.Minute,
			SMSPrices: map[string]float64{"US": 0.0079, "GB": 1, "default": 0.05}, SMSCurrency: "EUR"},
		Audit: config.Audit{Retain: config.AuditRetain{Events: 5000, MaxAge: 720 * time.Hour}},
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

func TestParseAnchorsAndMergeKeys(t *testing.T) {
	cfg := mustParse(t, `
routes:
  - &crm
    name: crm
    host: crm.example.com
    upstream: http://crm:9001
    policy: two_factor
  - <<: *crm
    name: crm-public
    path_prefix: /public
    policy: bypass
`)
	if len(cfg.Routes) != 2 {
		t.Fatalf("got %d routes", len(cfg.Routes))
	}
	pub := cfg.Routes[1]
	if pub.Name != "crm-public" || pub.Host != "crm.example.com" || pub.Upstream != "http://crm:9001" ||
		pub.Policy != "bypass" || pub.PathPrefix != "/public" {
		t.Errorf("merged route = %+v", pub)
	}
}

func TestParseMergeList(t *testing.T) {
	cfg := mustParse(t, `
routes:
  - &base
    name: base
    host: a.example.com
    upstream: http://a
    policy: password
  - &strict
    name: strict
    policy: two_factor
    max_auth_age: 5m
  - <<: [*strict, *base]
    name: merged
`)
	got := cfg.Routes[2]
	if got.Name != "merged" || got.Policy != "two_factor" || got.Host != "a.example.com" || got.MaxAuthAge != 5*time.Minute {
		t.Errorf("merged route = %+v (earlier mappings in a merge list must win)", got)
	}
}

// TestParseAliasExpansionIsBounded checks that a small file cannot expand
// through aliases into work without end.
func TestParseAliasExpansionIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("routes:\n  - &r {name: a, host: a.example.com, groups: [x, y, z], methods: [GET]}\n")
	b.WriteString("  - <<: *r\n    name: b\n")
	for range 50_000 {
		b.WriteString("  - *r\n")
	}
	start := time.Now()
	cfg, err := config.Parse("gateway.yaml", []byte(b.String()), noEnv)
	if cfg != nil || err == nil {
		t.Fatalf("Parse accepted %d aliased routes", 50_000)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Parse took %s", elapsed)
	}
	if ps := config.Problems(err); len(ps) != 1 {
		t.Errorf("got %d problems, want 1", len(ps))
	}
}

func TestLine(t *testing.T) {
	cfg := mustParse(t, `server:
  listen: ":8080"
  trusted_proxies:
    - 10.0.0.0/8
    - 192.168.0.0/16
routes:
  - name: a
    host: a.example.com
  - name: b

    host: b.example.com
`)
	for path, want := range map[string]int{
		"server":                   1,
		"server.listen":            2,
		"server.trusted_proxies":   3,
		"server.trusted_proxies.1": 5,
		"routes.0":                 7,
		"routes.0.host":            8,
		"routes.1":                 9,
		"routes.1.host":            11,
		"session.idle_timeout":     0,
		"routes.2":                 0,
	} {
		if got := cfg.Line(path); got != want {
			t.Errorf("Line(%q) = %d, want %d", path, got, want)
		}
	}
	if got := config.Default().Line("server.listen"); got != 0 {
		t.Errorf("Default().Line = %d, want 0", got)
	}
}

func TestParseEnv(t *testing.T) {
	env := mapEnv(map[string]string{
		"PUBLIC_URL": "https://auth.example.com",
		"HOST":       "auth",
		"REDIS_DB":   "7",
		"SECURE":     "false",
		"IDLE":       "45m",
		"EMPTY":      "",
		"NUMBERISH":  "12345",
	})
	tests := []struct {
		name, src, key string
		want           any
	}{
		{"whole value", "server:\n  public_url: ${PUBLIC_URL}\n", "server.public_url", "https://auth.example.com"},
		{"inside quotes", "server:\n  public_url: \"https://${HOST}.example.com\"\n", "server.public_url", "https://auth.example.com"},
		{"integer", "store:\n  redis:\n    db: ${REDIS_DB}\n", "store.redis.db", 7},
		{"boolean", "session:\n  secure: ${SECURE}\n", "session.secure", false},
		{"duration", "session:\n  idle_timeout: ${IDLE}\n", "session.idle_timeout", 45 * time.Minute},
		{"set but empty", "session:\n  cookie_domain: \"${EMPTY}\"\n", "session.cookie_domain", ""},
		{"number-like string stays a string", "store:\n  redis:\n    password: ${NUMBERISH}\n", "store.redis.password", "12345"},
		{"dollar dollar", "store:\n  redis:\n    password: \"a$$b$${HOST}\"\n", "store.redis.password", "a$b${HOST}"},
		{"lone dollar kept", "store:\n  redis:\n    password: \"a$b$\"\n", "store.redis.password", "a$b$"},
		{"in a list", "store:\n  redis:\n    addrs: [\"${HOST}:6379\"]\n", "store.redis.addrs", []string{"auth:6379"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("gateway.yaml", []byte(tt.src), env)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := field(t, cfg, tt.key)
			if gs, ok := got.([]string); ok {
				if !equal(gs, tt.want.([]string)) {
					t.Errorf("%s = %q, want %q", tt.key, gs, tt.want)
				}
				return
			}
			if got != tt.want {
				t.Errorf("%s = %#v, want %#v", tt.key, got, tt.want)
			}
		})
	}
}

func TestParseEnvErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []located
	}{
		{
			name: "unset",
			src:  "server:\n  listen: \":8080\"\n  public_url: ${PUBLIC_URL}\n",
			want: []located{{3, "server.public_url"}},
		},
		{
			name: "every unset variable",
			src:  "server:\n  public_url: ${A}\nroutes:\n  - name: x\n    upstream: http://${B}:80\n",
			want: []located{{2, "server.public_url"}, {5, "routes.0.upstream"}},
		},
		{
			name: "unterminated",
			src:  "server:\n  public_url: \"${PUBLIC_URL\"\n",
			want: []located{{2, "server.public_url"}},
		},
		{
			name: "not a name",
			src:  "server:\n  public_url: \"${PUBLIC-URL}\"\n",
			want: []located{{2, "server.public_url"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("gateway.yaml", []byte(tt.src), noEnv)
			if got := locations(err); !equal(got, tt.want) {
				t.Fatalf("problems at %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
	t.Run("message", func(t *testing.T) {
		_, err := config.Parse("conf/gw.yaml", []byte("server:\n  public_url: ${PUBLIC_URL}\n"), noEnv)
		want := `conf/gw.yaml:2: server.public_url: environment variable "PUBLIC_URL" is not set`
		if err == nil || err.Error() != want {
			t.Fatalf("error = %v, want %s", err, want)
		}
	})
	t.Run("secret not shown", func(t *testing.T) {
		_, err := config.Parse("gateway.yaml", []byte("store:\n  redis:\n    password: \"s3cr3t${X\"\n"), noEnv)
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("error = %v, want one that does not show the value", err)
		}
	})
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseSecretFiles(t *testing.T) {
	dir := t.TempDir()
	redisPW := writeFile(t, dir, "redis", "  redis-pw\n")
	token := writeFile(t, dir, "token", "twilio-token\r\n")
	sinch := writeFile(t, dir, "sinch", "sinch-secret")
	hook := writeFile(t, dir, "hook", "\thook-secret\n\n")
	empty := writeFile(t, dir, "empty", " \n")

	t.Run("read and trimmed", func(t *testing.T) {
		src := "store:\n  redis:\n    password_file: " + redisPW +
			"\nsms:\n  twilio:\n    auth_token_file: " + token +
			"\n  sinch:\n    key_secret_file: " + sinch +
			"\n  webhook:\n    secret_file: " + hook + "\n"
		cfg := mustParse(t, src)
		for key, want := range map[string]string{
			"store.redis.password":       "redis-pw",
			"store.redis.password_file":  redisPW,
			"sms.twilio.auth_token":      "twilio-token",
			"sms.sinch.key_secret":       "sinch-secret",
			"sms.sinch.key_secret_file":  sinch,
			"sms.webhook.secret":         "hook-secret",
			"sms.twilio.auth_token_file": token,
		} {
			if got := field(t, cfg, key); got != want {
				t.Errorf("%s = %q, want %q", key, got, want)
			}
		}
	})
	t.Run("from the environment", func(t *testing.T) {
		src := "sms:\n  webhook:\n    secret_file: ${HOOK_FILE}\n"
		cfg, err := config.Parse("gateway.yaml", []byte(src), mapEnv(map[string]string{"HOOK_FILE": hook}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.SMS.Webhook.Secret != "hook-secret" {
			t.Errorf("secret = %q", cfg.SMS.Webhook.Secret)
		}
	})

	problems := []struct {
		name, src string
		want      []located
	}{
		{
			name: "both set",
			src:  "sms:\n  twilio:\n    auth_token: inline-token\n    auth_token_file: " + token + "\n",
			want: []located{{4, "sms.twilio.auth_token_file"}},
		},
		{
			name: "missing file",
			src:  "store:\n  redis:\n    password_file: " + filepath.Join(dir, "nope") + "\n",
			want: []located{{3, "store.redis.password_file"}},
		},
		{
			name: "empty file",
			src:  "sms:\n  webhook:\n    secret_file: " + empty + "\n",
			want: []located{{3, "sms.webhook.secret_file"}},
		},
		{
			name: "reported with other problems",
			src:  "sesion: {}\nsms:\n  sinch:\n    key_secret_file: " + filepath.Join(dir, "nope") + "\n",
			want: []located{{1, ""}, {4, "sms.sinch.key_secret_file"}},
		},
	}
	for _, tt := range problems {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("gateway.yaml", []byte(tt.src), noEnv)
			if cfg != nil {
				t.Errorf("Parse returned a config along with problems")
			}
			if got := locations(err); !equal(got, tt.want) {
				t.Fatalf("problems at %v, want %v (%v)", got, tt.want, err)
			}
			if strings.Contains(err.Error(), "inline-token") || strings.Contains(err.Error(), "twilio-token") {
				t.Errorf("error shows a secret: %v", err)
			}
		})
	}
}

func TestParseUnknownKeys(t *testing.T) {
	src := `sesion:
  idle_timeout: 1h
server:
  listen: ":8080"
  tls:
    cert: /x.pem
  timeouts: { read: 1s, wirte: 2s }
sms:
  twilio:
    acount_sid: AC00
routes:
  - name: a
    host: a.example.com
  - name: b
    hots: b.example.com
    PathPrefix: /b
    colour: blue
`
	_, err := config.Parse("gateway.yaml", []byte(src), noEnv)
	want := []string{
		`gateway.yaml:1: unknown key "sesion" (did you mean "session"?)`,
		`gateway.yaml:6: server.tls: unknown key "cert" (did you mean "cert_file"?)`,
		`gateway.yaml:7: server.timeouts: unknown key "wirte" (did you mean "write"?)`,
		`gateway.yaml:10: sms.twilio: unknown key "acount_sid" (did you mean "account_sid"?)`,
		`gateway.yaml:15: routes.1: unknown key "hots" (did you mean "host"?)`,
		`gateway.yaml:16: routes.1: unknown key "PathPrefix" (did you mean "path_prefix"?)`,
		`gateway.yaml:17: routes.1: unknown key "colour"`,
	}
	if err == nil {
		t.Fatal("Parse accepted unknown keys")
	}
	if got := strings.Split(err.Error(), "\n"); !equal(got, want) {
		t.Fatalf("got:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

func TestParseTypeErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []located
	}{
		{"duration", "session:\n  idle_timeout: banana\n", []located{{2, "session.idle_timeout"}}},
		{"duration without unit", "routes:\n  - max_auth_age: 10\n", []located{{2, "routes.0.max_auth_age"}}},
		{"integer", "store:\n  redis:\n    db: one\n", []located{{3, "store.redis.db"}}},
		{"fraction", "otp:\n  length: 6.5\n", []located{{2, "otp.length"}}},
		{"boolean", "session:\n  secure: maybe\n", []located{{2, "session.secure"}}},
		{"yes is not a boolean", "session:\n  secure: yes\n", []located{{2, "session.secure"}}},
		{"uint8 overflow", "hashing:\n  argon2id: { parallelism: 300 }\n", []located{{2, "hashing.argon2id.parallelism"}}},
		{"negative uint", "hashing:\n  argon2id:\n    memory_kib: -1\n", []located{{3, "hashing.argon2id.memory_kib"}}},
		{"list expected", "server:\n  trusted_proxies: 10.0.0.1\n", []located{{2, "server.trusted_proxies"}}},
		{"mapping expected", "server:\n  - listen\n", []located{{2, "server"}}},
		{"value expected", "server:\n  listen: { port: 80 }\n", []located{{2, "server.listen"}}},
		{"list item", "routes:\n  - name: a\n  - [b]\n", []located{{3, "routes.1"}}},
		{"duplicate key", "session:\n  secure: true\n  secure: false\n", []located{{3, "session"}}},
		{
			"all at once",
			"session:\n  idle_timeout: banana\n  secure: maybe\nstore:\n  redis:\n    db: x\n",
			[]located{{2, "session.idle_timeout"}, {3, "session.secure"}, {6, "store.redis.db"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("gateway.yaml", []byte(tt.src), noEnv)
			if cfg != nil {
				t.Errorf("Parse returned a config along with problems")
			}
			if got := locations(err); !equal(got, tt.want) {
				t.Fatalf("problems at %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
	t.Run("message", func(t *testing.T) {
		_, err := config.Parse("gateway.yaml", []byte("session:\n  idle_timeout: banana\n"), noEnv)
		want := `gateway.yaml:2: session.idle_timeout: "banana" is not a duration (use Go syntax such as 30s, 15m or 12h)`
		if err == nil || err.Error() != want {
			t.Fatalf("error = %v, want %s", err, want)
		}
	})
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		hint      string
	}{
		{"unclosed flow list", "server:\n  listen: \":8080\"\n  trusted_proxies: [\n", 3, ""},
		{"bad indentation", "server:\n  listen: a\n public_url: b\n", 2, ""},
		{"tab indentation", "server:\n\tlisten: \":8080\"\n", 2, "tabs"},
		{"top-level list", "- server\n- store\n", 1, "mapping"},
		{"top-level scalar", "hello\n", 1, "mapping"},
		{"two documents", "server: {}\n---\nstore: {}\n", 2, "one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("gateway.yaml", []byte(tt.src), noEnv)
			if cfg != nil || err == nil {
				t.Fatalf("Parse accepted malformed YAML")
			}
			ps := config.Problems(err)
			if len(ps) != 1 {
				t.Fatalf("got %d problems, want 1: %v", len(ps), err)
			}
			if ps[0].Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", ps[0].Line, tt.line, err)
			}
			if !strings.Contains(ps[0].Message, tt.hint) {
				t.Errorf("message %q does not mention %q", ps[0].Message, tt.hint)
			}
		})
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

// TestRelativePathsFollowTheConfigFile: relative file paths are relative
// to the configuration file's folder (as for nginx and Caddy, and what a
// systemd unit started from / needs); absolute ones stay.
func TestRelativePathsFollowTheConfigFile(t *testing.T) {
	yml := "users:\n  file: users.yaml\nidentity:\n  signing_key_file: /abs/gatehouse.key\n  previous_key_files: [old.key]\nsms:\n  console: { file: sms/out.jsonl }\n"
	cfg, err := config.Parse("/etc/gatehouse/gateway.yaml", []byte(yml), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	for got, want := range map[string]string{
		cfg.Users.File:                   "/etc/gatehouse/users.yaml",
		cfg.Identity.SigningKeyFile:      "/abs/gatehouse.key",
		cfg.Identity.PreviousKeyFiles[0]: "/etc/gatehouse/old.key",
		cfg.SMS.Console.File:             "/etc/gatehouse/sms/out.jsonl",
	} {
		if got != want {
			t.Errorf("path %q, want %q", got, want)
		}
	}
}

// TestTOTPSecretKeyFile: totp.secret_key_file is read like every secret;
// a key that does not decode to 32 bytes is reported at the _file key's
// line, without showing the key.
func TestTOTPSecretKeyFile(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "totp.key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n")
	bad := writeFile(t, dir, "short.key", "c2hvcnQta2V5LWxlYWs=\n")
	cfg := mustParse(t, "totp:\n  enabled: true\n  secret_key_file: "+good+"\n")
	if k, err := config.DecodeTOTPKey(cfg.TOTP.SecretKey); err != nil || len(k) != 32 {
		t.Fatalf("key from the file: %d bytes, %v", len(k), err)
	}
	if slices.Contains(keys(cfg.Validate()), "totp.secret_key_file") {
		t.Errorf("a good key file is reported: %v", cfg.Validate())
	}
	cfg = mustParse(t, "totp:\n  enabled: true\n  secret_key_file: "+bad+"\n")
	err := cfg.Validate()
	if !slices.Contains(locations(err), located{3, "totp.secret_key_file"}) {
		t.Fatalf("bad key file: problems at %v, want line 3 totp.secret_key_file (%v)", locations(err), err)
	}
	if strings.Contains(err.Error(), "c2hvcnQta2V5LWxlYWs") {
		t.Errorf("the error shows the key: %v", err)
	}
}
