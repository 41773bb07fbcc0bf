package main

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// TestServeTextsTheNameAsTheRuleHasIt: serve's code service gives every
// text the name auth.TextName has for portal.app_name and public_url,
// the host for a name that would not be one text (docs/contract.md,
// "SMS delivery"); before, it texted portal.app_name as written.
func TestServeTextsTheNameAsTheRuleHasIt(t *testing.T) {
	for _, tc := range []struct{ app, want string }{
		{"Acme CRM", "Acme CRM"},
		{"Acme’s CRM", "auth.example.com"},
		{"Acme Customer Relations Portal for Partners", "auth.example.com"},
	} {
		cfg := config.Default()
		cfg.Server.PublicURL = "https://auth.example.com"
		cfg.Portal.AppName = tc.app
		o := auth.NewOTP(nil, nil, make([]byte, 32), otpConfig(cfg), nil, nil)
		if got := o.Config().App; got != tc.want {
			t.Errorf("portal.app_name %q is texted as %q, want %q", tc.app, got, tc.want)
		}
	}
}
