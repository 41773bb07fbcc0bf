package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestPageClientOrigin: the origin a passkey ceremony is bound to is the
// page's (the request's Origin, which the JSON API checked against the
// host), else public_url's scheme and the host asked, with public_url's
// port on its host when a front door dropped it (docs/contract.md,
// "Passkeys").
func TestPageClientOrigin(t *testing.T) {
	for _, tc := range []struct {
		name, public, host, origin, want string
	}{
		{"the page's Origin", "https://auth.example.com", "crm.example.com", "https://crm.example.com", "https://crm.example.com"},
		{"no Origin: the host asked", "https://auth.example.com", "crm.example.com", "", "https://crm.example.com"},
		{"an opaque Origin is no page's", "https://auth.example.com", "crm.example.com", "null", "https://crm.example.com"},
		{"host in capitals", "https://auth.example.com", "CRM.Example.com", "", "https://crm.example.com"},
		{"public_url's port, dropped by the front door", "https://auth.example.com:8443", "auth.example.com", "", "https://auth.example.com:8443"},
		{"the port the client used", "https://auth.example.com:8443", "auth.example.com:8443", "", "https://auth.example.com:8443"},
		{"another host keeps its own (no) port", "https://auth.example.com:8443", "crm.example.com", "", "https://crm.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &core{}
			var err error
			if s.publicURL, err = url.Parse(tc.public); err != nil {
				t.Fatal(err)
			}
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest(http.MethodPost, "/_gatehouse/api/passkey/login/start", http.NoBody)
			c.Request.Host = tc.host
			if tc.origin != "" {
				c.Request.Header.Set("Origin", tc.origin)
			}
			if got := s.pageClient(c).Origin; got != tc.want {
				t.Errorf("origin %q, want %q", got, tc.want)
			}
		})
	}
}
