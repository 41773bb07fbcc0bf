package config

// The files a configuration names: relative paths are resolved against
// the configuration file's folder, and secrets given as <key>_file are
// read from their files (docs/contract.md, "Configuration
// (gateway.yaml)").

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// secret is a value that may instead be read from <key>_file.
type secret struct {
	key   string
	value *string
	file  *string
}

func (c *Config) secrets() []secret {
	return []secret{
		{"store.redis.password", &c.Store.Redis.Password, &c.Store.Redis.PasswordFile},
		{"sms.twilio.auth_token", &c.SMS.Twilio.AuthToken, &c.SMS.Twilio.AuthTokenFile},
		{"sms.twilio.api_key_secret", &c.SMS.Twilio.APIKeySecret, &c.SMS.Twilio.APIKeySecretFile},
		{"sms.sinch.key_secret", &c.SMS.Sinch.KeySecret, &c.SMS.Sinch.KeySecretFile},
		{"sms.webhook.secret", &c.SMS.Webhook.Secret, &c.SMS.Webhook.SecretFile},
		{"totp.secret_key", &c.TOTP.SecretKey, &c.TOTP.SecretKeyFile},
	}
}

// readSecrets fills each secret given as <key>_file from its file.
func (c *Config) readSecrets(ps *problems, readFile func(string) (string, error)) {
	for _, s := range c.secrets() {
		if *s.file == "" {
			continue
		}
		fileKey := s.key + "_file"
		name := s.key[strings.LastIndexByte(s.key, '.')+1:]
		if *s.value != "" {
			ps.at(c.lineOf(fileKey), fileKey, "set either %s or %s_file, not both", name, name)
			continue
		}
		content, err := readFile(*s.file)
		if err != nil {
			ps.at(c.lineOf(fileKey), fileKey, "cannot read the secret: %v", err)
			continue
		}
		content = strings.TrimSpace(content)
		if content == "" {
			ps.at(c.lineOf(fileKey), fileKey, "the file %q is empty", *s.file)
			continue
		}
		*s.value = content
	}
}

// resolvePaths makes every relative file path of c relative to the
// folder of c.File (the working directory when c.File has none).
func (c *Config) resolvePaths() {
	dir := filepath.Dir(c.File)
	if dir == "." || dir == "" {
		return
	}
	paths := []*string{&c.Users.File, &c.Identity.SigningKeyFile, &c.Identity.DerivationKeyFile, &c.Server.TLS.CertFile, &c.Server.TLS.KeyFile,
		&c.Portal.LogoFile, &c.Portal.MessagesFile, &c.SMS.Console.File,
		&c.Store.Redis.TLSCAFile, &c.Store.Redis.TLSCertFile, &c.Store.Redis.TLSKeyFile}
	for i := range c.Identity.PreviousKeyFiles {
		paths = append(paths, &c.Identity.PreviousKeyFiles[i])
	}
	for _, s := range c.secrets() {
		paths = append(paths, s.file)
	}
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// readSecretFile reads a secret of at most maxSecretSize bytes.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path) //nolint:gosec // G304: path is a *_file key of the operator's configuration
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose on close
	data, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxSecretSize {
		return "", fmt.Errorf("%s is larger than %d KiB", path, maxSecretSize>>10)
	}
	return string(data), nil
}
