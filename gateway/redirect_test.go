package gateway_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestRedirectPortsAfterLogin checks that a login sends the browser on
// only to an allowed host on an allowed port (docs/contract.md, "Redirect
// targets"): another port of an allowed host may be another program, an
// attacker's listener on a shared machine.
func TestRedirectPortsAfterLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		publicURL string // "" keeps the harness's https://auth.example.com
		rd, want  string
	}{
		{"route host, default port", "", "https://app.example.com/inbox", "https://app.example.com/inbox"},
		{"route host, default port spelled out", "", "https://app.example.com:443/inbox", "https://app.example.com:443/inbox"},
		{"route host, other port", "", "https://app.example.com:31337/steal", "/"},
		{"public_url host, other port", "", "https://auth.example.com:8443/account", "/"},
		{"loopback public_url, its port", "http://127.0.0.1:8080", "http://127.0.0.1:8080/account", "http://127.0.0.1:8080/account"},
		{"loopback public_url, other port", "http://127.0.0.1:8080", "http://127.0.0.1:31337/steal", "/"},
		{"loopback public_url, default port", "http://127.0.0.1:8080", "http://127.0.0.1/steal", "/"},
		{"route host on public_url's port", "http://127.0.0.1:8080", "http://app.example.com:8080/inbox", "http://app.example.com:8080/inbox"},
		{"route host on another port", "http://127.0.0.1:8080", "http://app.example.com:9000/inbox", "/"},
	}
	harnesses := map[string]*harness{}
	for _, tt := range tests {
		if harnesses[tt.publicURL] != nil {
			continue
		}
		pub := tt.publicURL
		if pub == "" {
			harnesses[pub] = newHarness(t)
			continue
		}
		harnesses[pub] = newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
			cfg.Server.PublicURL = pub
			cfg.Session.CookieDomain = ""
		}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := harnesses[tt.publicURL]
			r := h.newClient(t).form(appHost, "/login", url.Values{"username": {"bob"}, "password": {bob.password}, "rd": {tt.rd}})
			r.wantStatus(t, http.StatusSeeOther)
			if got := r.header.Get("Location"); got != tt.want {
				t.Errorf("Location = %q, want %q", got, tt.want)
			}
		})
	}
}
