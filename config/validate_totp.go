package config

// Checks of the totp section, authenticator apps (docs/contract.md,
// "Authenticator apps").

import (
	"strings"
	"unicode/utf8"
)

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
