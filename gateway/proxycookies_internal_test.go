package gateway

import (
	"net/http"
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestDropGatewayCookiesSecureNames checks dropGatewayCookies with
// session.secure (the prefixed names; docs/contract.md, "Proxy mode"),
// with and without cookie_domain (either prefix: a reload may change
// which one is read), and the names browsers send cookies
// under: a cookie without a name is sent as its value alone.
func TestDropGatewayCookiesSecureNames(t *testing.T) {
	t.Parallel()
	for _, domain := range []string{"", "example.com"} {
		cfg := &config.Config{}
		cfg.Session.CookieName, cfg.Session.Secure, cfg.Session.CookieDomain = "gatehouse_session", true, domain
		s := &core{cfg: cfg}
		h := http.Header{"Set-Cookie": {
			"__Host-gatehouse_session=x; Path=/; Secure",
			"__Secure-gatehouse_session=x; Domain=example.com; Path=/; Secure",
			" __HOST-GATEHOUSE_SESSION = x; Path=/; Secure",
			"=__Host-gatehouse_session=x; Path=/; Secure",
			"__Host-gatehouse_session_csrf=x; Path=/; Secure",
			"__Secure-gatehouse_session_reset=x; Path=/_gatehouse/reset; Secure",
			"__Secure-gatehouse_session_link=x; Path=/_gatehouse/reset; Secure",
			"gatehouse_session=x",
			"gatehouse_session",
			"app=1; Path=/",
			"gatehouse_session_theme=dark",
		}}
		s.dropGatewayCookies(h)
		want := []string{"app=1; Path=/", "gatehouse_session_theme=dark"}
		if got := h["Set-Cookie"]; !slices.Equal(got, want) {
			t.Errorf("cookie_domain %q: kept %q, want %q", domain, got, want)
		}
		h = http.Header{"Set-Cookie": {"__Host-gatehouse_session=x"}}
		if s.dropGatewayCookies(h); h["Set-Cookie"] != nil {
			t.Errorf("cookie_domain %q: an answer with only the gateway's cookie keeps Set-Cookie %q", domain, h["Set-Cookie"])
		}
	}
}
