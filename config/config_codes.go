package config

// The sections about one-time codes: those sent by text message (otp,
// sms and its providers) and those of authenticator apps (totp).

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

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
	// SecurityNotices texts an account's own number when its signed-in
	// person adds a passkey, sets up an authenticator app, makes recovery
	// codes or changes the password (docs/contract.md, "Security
	// notices"); default true. twilio_verify and sinch cannot send them.
	SecurityNotices bool `yaml:"security_notices"`
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
