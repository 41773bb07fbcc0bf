package config

import (
	"slices"
	"testing"
)

// TestServiceNames: the names a new password may not be made of
// (docs/contract.md, "Password rules") are the app name and public_url's
// host whole, as its registrable domain and without its public suffix;
// an address names nothing.
func TestServiceNames(t *testing.T) {
	for _, tt := range []struct {
		publicURL string
		want      []string
	}{
		{"https://auth.example.com", []string{"Acme", "auth.example.com", "example.com", "auth.example"}},
		{"https://login.acme.co.uk:8443/", []string{"Acme", "login.acme.co.uk", "acme.co.uk", "login.acme"}},
		{"http://127.0.0.1:8080", []string{"Acme"}},
		{"http://[::1]:8080", []string{"Acme"}},
	} {
		c := Default()
		c.Portal.AppName = "Acme"
		c.Server.PublicURL = tt.publicURL
		if got := c.ServiceNames(); !slices.Equal(got, tt.want) {
			t.Errorf("ServiceNames for %s = %q, want %q", tt.publicURL, got, tt.want)
		}
	}
}
