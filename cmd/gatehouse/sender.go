package main

import (
	"fmt"
	"net/url"
	"os"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/config"
)

// newSender builds the configured SMS provider (docs/sms.md). build wraps
// it with sms.Instrument.
func newSender(cfg *config.Config) (auth.Sender, error) {
	c := cfg.SMS
	tw := sms.TwilioConfig{
		AccountSID:          c.Twilio.AccountSID,
		AuthToken:           c.Twilio.AuthToken,
		APIKeySID:           c.Twilio.APIKeySID,
		APIKeySecret:        c.Twilio.APIKeySecret,
		From:                c.Twilio.From,
		MessagingServiceSID: c.Twilio.MessagingServiceSID,
		VerifyServiceSID:    c.Twilio.VerifyServiceSID,
		BaseURL:             c.Twilio.BaseURL,
		Timeout:             c.Timeout,
	}
	var (
		s   auth.Sender
		err error
	)
	switch c.Provider {
	case "console":
		s = auth.NewConsoleSender(c.Console.File, os.Stderr, nil)
	case "twilio_messaging":
		s, err = sms.NewTwilioMessaging(tw)
	case "twilio_verify":
		s, err = sms.NewTwilioVerify(tw)
	case "sinch":
		s, err = sms.NewSinch(sms.SinchConfig{KeyID: c.Sinch.KeyID, KeySecret: c.Sinch.KeySecret, Basic: c.Sinch.Auth == "basic", BaseURL: c.Sinch.BaseURL, Timeout: c.Timeout})
	case "webhook":
		s, err = sms.NewWebhook(sms.WebhookConfig{URL: c.Webhook.URL, Secret: c.Webhook.Secret, Timeout: c.Timeout})
	default:
		err = fmt.Errorf("unknown provider %q", c.Provider)
	}
	if err != nil {
		return nil, fmt.Errorf("sms.provider %s: %w", c.Provider, err)
	}
	return s, nil
}

// otpConfig is the code service's configuration from cfg (without the
// parsed message template). {{.App}} is portal.app_name as texts have it
// (auth.TextName: public_url's host for a name that is not one text).
func otpConfig(cfg *config.Config) auth.OTPConfig {
	o := cfg.OTP
	app := cfg.Portal.AppName
	if app == "" {
		app = config.DefaultAppName
	}
	return auth.OTPConfig{
		App:                     app,
		PublicURL:               cfg.Server.PublicURL,
		Length:                  o.Length,
		TTL:                     o.TTL,
		MaxAttempts:             o.MaxAttempts,
		ResendCooldown:          o.ResendCooldown,
		MaxSends:                o.MaxSends.Count,
		SendWindow:              o.MaxSends.Window,
		MaxSendsPerIP:           o.MaxSendsPerIP.Count,
		IPSendWindow:            o.MaxSendsPerIP.Window,
		AllowedCountries:        o.AllowedCountries,
		AllowedNumberTypes:      o.AllowedNumberTypes,
		BudgetPerDay:            o.Budget.PerDay,
		BudgetPerCountryPerHour: o.Budget.PerCountryPerHour,
		BudgetPerPrefixPerHour:  o.Budget.PerPrefixPerHour,
		WebOTPDomain:            webOTPDomain(cfg),
		SendTimeout:             cfg.SMS.Timeout,
	}
}

// webOTPDomain is the default origin of the WebOTP line: public_url's
// host when otp.webotp is on (the gateway uses the portal's own host when
// it is one of its hosts), else "" (off).
func webOTPDomain(cfg *config.Config) string {
	if !cfg.OTP.WebOTP {
		return ""
	}
	u, err := url.Parse(cfg.Server.PublicURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
