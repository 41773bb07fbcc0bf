package config

// Checks of the sms section: the provider and the settings it needs
// (Twilio, Sinch, webhook).

import (
	"regexp"
	"strings"
)

// The syntax of Twilio's ids and of E.164 phone numbers.
var (
	twilioAccountSID   = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	twilioMessagingSID = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	twilioVerifySID    = regexp.MustCompile(`^VA[0-9a-fA-F]{32}$`)
	twilioAPIKeySID    = regexp.MustCompile(`^SK[0-9a-fA-F]{32}$`)
	e164               = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
)

func (v *validator) sms() {
	s := v.c.SMS
	v.positive("sms.timeout", s.Timeout)
	if w := v.c.Server.Timeouts.Write; s.Timeout > 0 && w > 0 && s.Timeout >= w {
		v.add("sms.timeout", "must be shorter than server.timeouts.write (%s): a slow provider would cut the answer off, it is %s", w, s.Timeout)
	}
	if !v.oneOf("sms.provider", s.Provider, smsProviders) {
		return
	}
	// Verify and Sinch send only their own codes: a notice asked for in
	// so many words would never come (docs/contract.md, "Security
	// notices").
	if ownCodesOnly(s.Provider) && s.SecurityNotices && v.c.Line("sms.security_notices") > 0 {
		v.warn("sms.security_notices", "is true, but %s sends only its own codes: no security notice is texted; use twilio_messaging or webhook for them, or set it false", s.Provider)
	}
	switch s.Provider {
	case "twilio_messaging", "twilio_verify":
		t := s.Twilio
		switch {
		case t.AccountSID == "":
			v.add("sms.twilio.account_sid", "required for provider %s", s.Provider)
		case !twilioAccountSID.MatchString(t.AccountSID):
			v.add("sms.twilio.account_sid", "must be \"AC\" followed by 32 hexadecimal digits")
		}
		apiKey := t.APIKeySID != "" || t.APIKeySecret != ""
		switch {
		case apiKey && t.AuthToken != "":
			v.add("sms.twilio.auth_token", "set either auth_token or api_key_sid and api_key_secret, not both")
		case apiKey:
			switch {
			case t.APIKeySID == "":
				v.add("sms.twilio.api_key_sid", "required with api_key_secret")
			case !twilioAPIKeySID.MatchString(t.APIKeySID):
				v.add("sms.twilio.api_key_sid", "must be \"SK\" followed by 32 hexadecimal digits")
			}
			switch {
			case t.APIKeySecret == "":
				v.add("sms.twilio.api_key_secret", "required with api_key_sid (or api_key_secret_file)")
			case !isAlphanumeric(t.APIKeySecret):
				v.add("sms.twilio.api_key_secret", "must be letters and digits only (a Twilio API key secret is 32 characters)")
			}
		case t.AuthToken == "":
			v.add("sms.twilio.auth_token", "required for provider %s (or auth_token_file, or an API key: api_key_sid and api_key_secret)", s.Provider)
		case !isAlphanumeric(t.AuthToken):
			v.add("sms.twilio.auth_token", "must be letters and digits only (a Twilio auth token is 32 hexadecimal characters)")
		}
		if t.BaseURL != "" {
			v.httpURL("sms.twilio.base_url", t.BaseURL)
		}
		if s.Provider == "twilio_verify" {
			switch {
			case t.VerifyServiceSID == "":
				v.add("sms.twilio.verify_service_sid", "required for provider twilio_verify")
			case !twilioVerifySID.MatchString(t.VerifyServiceSID):
				v.add("sms.twilio.verify_service_sid", "must be \"VA\" followed by 32 hexadecimal digits")
			}
			break
		}
		if t.From == "" && t.MessagingServiceSID == "" {
			v.add("sms.twilio", "provider twilio_messaging needs from or messaging_service_sid")
		}
		if t.From != "" && !e164.MatchString(t.From) {
			v.add("sms.twilio.from", "%q is not an E.164 number such as \"+12015550100\"", t.From)
		}
		if t.MessagingServiceSID != "" && !twilioMessagingSID.MatchString(t.MessagingServiceSID) {
			v.add("sms.twilio.messaging_service_sid", "must be \"MG\" followed by 32 hexadecimal digits")
		}
	case "sinch":
		switch {
		case s.Sinch.KeyID == "":
			v.add("sms.sinch.key_id", "required for provider sinch")
		case strings.ContainsFunc(s.Sinch.KeyID, func(r rune) bool { return r == ':' || r <= ' ' || r == 0x7f }):
			v.add("sms.sinch.key_id", "must not contain \":\", spaces or control characters (it is the application key, a UUID)")
		}
		switch {
		case s.Sinch.KeySecret == "":
			v.add("sms.sinch.key_secret", "required for provider sinch (or key_secret_file)")
		case strings.ContainsFunc(s.Sinch.KeySecret, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			v.add("sms.sinch.key_secret", "must not contain spaces or control characters (it is the application secret, base64)")
		case s.Sinch.Auth == "signed" && !isBase64(s.Sinch.KeySecret):
			v.add("sms.sinch.key_secret", "must be base64 (the application secret as the Sinch dashboard shows it): signed requests use its decoded bytes")
		}
		v.oneOf("sms.sinch.auth", s.Sinch.Auth, []string{"signed", "basic"})
		if s.Sinch.BaseURL != "" {
			v.httpURL("sms.sinch.base_url", s.Sinch.BaseURL)
		}
	case "webhook":
		if s.Webhook.URL == "" {
			v.add("sms.webhook.url", "required for provider webhook")
		} else {
			v.httpURL("sms.webhook.url", s.Webhook.URL)
		}
		if s.Webhook.Secret == "" {
			v.add("sms.webhook.secret", "required for provider webhook (or secret_file)")
		}
	}
}

// ownCodesOnly reports whether provider sends only codes of its own
// making (twilio_verify, sinch): no text of Gatehouse's, no notice
// (docs/contract.md, "Security notices").
func ownCodesOnly(provider string) bool {
	return provider == "twilio_verify" || provider == "sinch"
}
