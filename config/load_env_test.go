package config_test

// Tests of ${VAR} references in values.

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

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

// TestParseEnvErrorsShowTheReferenceNotTheValue: a ${VAR} written where
// a number, a boolean or a duration belongs, whose value is not one (a
// secret's variable put on the wrong key), is reported with the text as
// written, never the variable's value: the error goes to check-config's
// output and the logs (docs/contract.md, "Configuration").
func TestParseEnvErrorsShowTheReferenceNotTheValue(t *testing.T) {
	const secret = "s3cr3t-redis-passw0rd"
	env := mapEnv(map[string]string{"REDIS_PASSWORD": secret})
	for _, src := range []string{
		"store:\n  redis:\n    db: ${REDIS_PASSWORD}\n",
		"session:\n  secure: ${REDIS_PASSWORD}\n",
		"session:\n  idle_timeout: ${REDIS_PASSWORD}\n",
		"session:\n  idle_timeout: \"x${REDIS_PASSWORD}\"\n",
	} {
		_, err := config.Parse("gateway.yaml", []byte(src), env)
		if err == nil {
			t.Fatalf("Parse(%q) accepted a password as a number", src)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Parse(%q) error shows the variable's value: %v", src, err)
		}
		if !strings.Contains(err.Error(), "${REDIS_PASSWORD}") {
			t.Errorf("Parse(%q) error does not say which reference: %v", src, err)
		}
	}
}

// TestParseEnvDurationWithoutUnitHidesTheValue: a variable holding a
// bare number where a duration belongs is named, and the suggestion does
// not spell its value.
func TestParseEnvDurationWithoutUnitHidesTheValue(t *testing.T) {
	env := mapEnv(map[string]string{"PIN": "48151623"})
	_, err := config.Parse("gateway.yaml", []byte("session:\n  idle_timeout: ${PIN}\n"), env)
	if err == nil || strings.Contains(err.Error(), "48151623") || !strings.Contains(err.Error(), "${PIN}") {
		t.Fatalf("Parse = %v; want an error naming ${PIN} without its value", err)
	}
}
