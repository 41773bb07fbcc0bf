package config_test

// What Validate promises about every section: the cases of each are in
// validate_<section>_test.go and run by TestValidateRules; here are the
// report's form and order, the file-less configuration, purity and
// secrecy.

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
	"gopkg.in/yaml.v3"
)

// ruleCase is a case of TestValidateRules: changes to validConfig and
// the keys of the problems Validate must then report, in order.
type ruleCase struct {
	name   string
	change []func(c *config.Config)
	want   []string // keys of the expected problems; none for a valid change
}

// validConfig is the smallest configuration that passes Validate.
func validConfig() *config.Config {
	c := config.Default()
	c.Server.PublicURL = "https://auth.example.com"
	c.Routes = []config.Route{{
		Name: "app", Host: "app.example.com", PathPrefix: "/",
		Upstream: "http://127.0.0.1:9001", Policy: "password",
	}}
	return c
}

// fn lists the changes of a ruleCase.
func fn(fs ...func(c *config.Config)) []func(c *config.Config) { return fs }

// TestValidateRules runs the cases of every section.
func TestValidateRules(t *testing.T) {
	tests := slices.Concat(adminRules, serverRules, storeRules, sessionRules, usersRules,
		otpRules, totpRules, smsRules, regulationRules, identityRules, portalRules, routesRules)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			for _, change := range tt.change {
				change(cfg)
			}
			err := cfg.Validate()
			if got := keys(err); !equal(got, tt.want) {
				t.Fatalf("problems at %q, want %q\n%v", got, tt.want, err)
			}
		})
	}
}

// TestValidateReportsEverythingWithLines checks the output check-config
// prints: every problem at once, in file order, located by the key's line
// or, for a key the file leaves out, by its nearest parent's.
func TestValidateReportsEverythingWithLines(t *testing.T) {
	src := `server:
  public_url: "ftp://auth.example.com"
session:
  same_site: Lax
  idle_timeout: 13h
routes:
  - name: app
    host: app.example.com
    upstream: http://127.0.0.1:9001
    policy: magic
  - name: other
    host: other.example.com
    policy: password
`
	cfg, err := config.Parse("deploy/gateway.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`deploy/gateway.yaml:2: server.public_url: must be an absolute http:// or https:// URL`,
		`deploy/gateway.yaml:3: session.absolute_timeout: must be at least idle_timeout (13h0m0s), it is 12h0m0s`,
		`deploy/gateway.yaml:4: session.same_site: must be one of lax, strict, none, not "Lax"`,
		`deploy/gateway.yaml:10: routes.0.policy: must be one of bypass, password, sms, two_factor, passkey, deny, not "magic"`,
		`deploy/gateway.yaml:11: routes.1.upstream: required unless policy is deny, e.g. "http://127.0.0.1:9001"`,
	}, "\n")
	if err := cfg.Validate(); err == nil || err.Error() != want {
		t.Fatalf("Validate:\n%v\nwant:\n%s", err, want)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	cfg := config.Default()
	cfg.Server.PublicURL = ""
	err := cfg.Validate()
	want := `config: server.public_url: required: the URL the portal is reached at, e.g. "https://auth.example.com"`
	if err == nil || err.Error() != want {
		t.Fatalf("Validate = %v, want %s", err, want)
	}
}

// TestValidateChangesNothing checks that Validate is pure: it leaves the
// configuration as it was, even a broken one.
func TestValidateChangesNothing(t *testing.T) {
	cfg := mustParse(t, fullYAML)
	cfg.Routes[1].PathPrefix = ""
	cfg.Session.SameSite = "LAX"
	before, _ := yaml.Marshal(cfg)
	_ = cfg.Validate()
	_ = cfg.Validate()
	after, _ := yaml.Marshal(cfg)
	if string(before) != string(after) {
		t.Fatalf("Validate changed the configuration:\n%s\n---\n%s", before, after)
	}
}

func TestValidateNeverShowsSecrets(t *testing.T) {
	cfg := validConfig()
	cfg.SMS.Provider = "twilio_messaging"
	cfg.SMS.Twilio.AccountSID = "ACsecret-sid-leak"
	cfg.SMS.Twilio.AuthToken = "token-leak"
	cfg.SMS.Twilio.BaseURL = "https://user:basepw-leak@api.example.com/#frag"
	cfg.Store.Driver = "redis"
	cfg.Store.Redis.Password = "redispw-leak"
	cfg.Store.Redis.Addrs = nil
	cfg.Routes[0].Upstream = "ftp://u:upstream-leak@backend"
	cfg.TOTP = config.TOTP{Enabled: true, SecretKey: "totp-key-leak"}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate accepted a broken configuration")
	}
	if strings.Contains(err.Error(), "leak") {
		t.Fatalf("a message shows a secret:\n%v", err)
	}
}
