package config_test

// Tests of the files a configuration names: secrets read from
// <key>_file, and relative paths.

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

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
