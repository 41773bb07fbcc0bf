package config_test

// Tests of a portal served over plain http, and of a session cookie sent
// without Secure.

import "testing"

// TestPlainHTTPPortalIsWarnedOf: a portal on plain http off this machine
// sends passwords, codes and the session in clear, and a session cookie
// without Secure beside an https portal is also sent over plain http:
// both are warnings (a network of one's own may encrypt below http);
// serve --dev's configuration, and the compose demo's on a name under
// localhost, say nothing.
func TestPlainHTTPPortalIsWarnedOf(t *testing.T) {
	tests := []struct {
		name      string
		publicURL string
		secure    bool
		domain    string
		problems  []string
		warnings  []string
	}{
		{"https, secure", "https://auth.example.com", true, "", nil, nil},
		{"https, not secure", "https://auth.example.com", false, "", nil, []string{"session.secure"}},
		{"https, not secure, shared", "https://auth.example.com", false, "example.com", nil, []string{"session.secure"}},
		{"http elsewhere, not secure", "http://auth.example.com", false, "", nil, []string{"server.public_url"}},
		{"http on a private address, not secure", "http://10.0.0.5:8080", false, "", nil, []string{"server.public_url"}},
		{"http elsewhere, secure", "http://auth.example.com", true, "", []string{"session.secure"}, nil},
		{"http on loopback, not secure", "http://127.0.0.1:8080", false, "", nil, nil},
		{"http under localhost, not secure", "http://app.localhost:8000", false, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Server.PublicURL = tt.publicURL
			cfg.Session.Secure = tt.secure
			cfg.Session.CookieDomain = tt.domain
			wantChecked(t, cfg, tt.problems, tt.warnings)
		})
	}
	t.Run("serve --dev", func(t *testing.T) {
		dev, err := validConfig().Dev("127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		wantChecked(t, dev, nil, nil)
	})
}
