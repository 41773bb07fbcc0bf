package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// forged is a value no gateway would ever set.
const forged = "mallory"

// TestForgedIdentityHeadersNeverReachUpstream sends every spelling of the
// identity headers a client could try, on every kind of proxied request,
// and checks that the upstream sees only the gateway's own values.
func TestForgedIdentityHeadersNeverReachUpstream(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	signedIn := h.newClient(t)
	signedIn.signIn(crmHost, alice)
	anonymous := h.newClient(t)

	spellings := []struct {
		name   string
		header http.Header
	}{
		{"canonical", http.Header{"X-Auth-User": {forged}, "X-Auth-Groups": {"admins"}, "X-Auth-Methods": {"pwd,sms"}}},
		{"lower case", http.Header{"x-auth-user": {forged}, "x-auth-email": {"mallory@evil.test"}}},
		{"upper case", http.Header{"X-AUTH-USER": {forged}, "X-AUTH-ASSERTION": {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0."}}},
		{"underscores", http.Header{"X_Auth_User": {forged}, "x_auth_name": {forged}, "X_AUTH_GROUPS": {"admins"}}},
		{"mixed separators", http.Header{"X-Auth_User": {forged}, "X_Auth-Methods": {"pwd,sms"}}},
		{"repeated", http.Header{"X-Auth-User": {forged, "root"}, "X-Auth-Assertion": {"a", "b"}}},
		{"empty value", http.Header{"X-Auth-User": {""}}},
	}
	targets := []struct {
		name     string
		c        *client
		host     string
		path     string
		wantUser string // "" for no identity
	}{
		{"authenticated", signedIn, crmHost, "/deals", "alice"},
		{"bypass route, anonymous", anonymous, publicHost, "/", ""},
		{"bypass route, signed in", signedIn, publicHost, "/", ""},
		{"bypass path, anonymous", anonymous, appHost, "/static/site.css", ""},
	}
	for _, target := range targets {
		for _, sp := range spellings {
			t.Run(target.name+"/"+sp.name, func(t *testing.T) {
				r := target.c.do(request{host: target.host, path: target.path, accept: "application/json", header: sp.header.Clone()})
				r.wantStatus(t, http.StatusOK)
				checkIdentity(t, h, h.up.last(t).Header, target.wantUser, "crm")
			})
		}
	}
}

// checkIdentity asserts that the upstream got exactly the gateway's
// identity for user (none when user is "") and no forged value anywhere.
func checkIdentity(t *testing.T, h *harness, hdr http.Header, user, audience string) {
	t.Helper()
	ids := identityValues(hdr)
	for name, vs := range ids {
		for _, v := range vs {
			if v == forged || strings.Contains(v, "mallory") || v == "root" || v == "a" || v == "b" {
				t.Errorf("upstream got the forged %s: %q", name, v)
			}
		}
	}
	for name := range hdr {
		if strings.Contains(name, "_") {
			t.Errorf("upstream got the header %q", name)
		}
	}
	if user == "" {
		if len(ids) != 0 {
			t.Errorf("anonymous request carried identity %v", ids)
		}
		return
	}
	for _, n := range identityNames {
		if len(ids[n]) != 1 {
			t.Errorf("upstream got %d values of %s: %q", len(ids[n]), n, ids[n])
		}
	}
	if got := hdr.Get("X-Auth-User"); got != user {
		t.Errorf("X-Auth-User = %q, want %q", got, user)
	}
	if claims := h.verify(t, hdr.Get("X-Auth-Assertion"), audience); claims.Subject != user {
		t.Errorf("assertion sub = %q, want %q", claims.Subject, user)
	}
}

// TestConnectionHeaderCannotDropIdentity checks that hop-by-hop tricks
// (naming our headers in Connection) do not remove the gateway's headers.
func TestConnectionHeaderCannotDropIdentity(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.signIn(crmHost, alice)

	tests := []struct {
		name   string
		header http.Header
	}{
		{"names identity headers", http.Header{"Connection": {"X-Auth-User, X-Auth-Assertion"}}},
		{"every identity header", http.Header{"Connection": {"X-Auth-User, X-Auth-Email, X-Auth-Name, X-Auth-Groups, X-Auth-Methods, X-Auth-Assertion"}}},
		{"lower case", http.Header{"Connection": {"x-auth-user,x-auth-assertion"}}},
		{"with keep-alive", http.Header{"Connection": {"keep-alive, X-Auth-User"}, "Keep-Alive": {"timeout=5"}}},
		{"with upgrade", http.Header{"Connection": {"Upgrade, X-Auth-Assertion, X-Auth-Methods"}, "Upgrade": {"websocket"}}},
		{"with forged values too", http.Header{"Connection": {"X-Auth-User"}, "X-Auth-User": {forged}}},
		{"several lines", http.Header{"Connection": {"X-Auth-User", "X-Auth-Groups"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do(request{host: crmHost, path: "/deals", accept: "application/json", header: tt.header.Clone()})
			r.wantStatus(t, http.StatusOK)
			seen := h.up.last(t)
			checkIdentity(t, h, seen.Header, "alice", "crm")
			if got := seen.Header.Get("X-Auth-Methods"); got != "pwd,sms" {
				t.Errorf("X-Auth-Methods = %q", got)
			}
		})
	}
}

// TestForwardedHeadersFromUntrustedPeer checks that X-Forwarded-* and
// X-Request-Id from a client that is not a trusted proxy are replaced.
func TestForwardedHeadersFromUntrustedPeer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		trusted   []string
		wantXFF   string
		wantHost  string
		wantReqID bool
	}{
		{"untrusted peer", []string{"10.0.0.0/8"}, "127.0.0.1", publicHost, false},
		// Not the Host decided on: the client's (TestTrustedProxyPassesOnlyTheDecidedHost).
		{"trusted peer", []string{"127.0.0.1/32"}, "198.51.100.9, 127.0.0.1", publicHost, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = tt.trusted }})
			r := h.newClient(t).do(request{host: publicHost, path: "/", header: http.Header{
				"X-Forwarded-For":   {"198.51.100.9"},
				"X-Forwarded-Host":  {"front.example.net"},
				"X-Forwarded-Proto": {"https"},
				"X-Request-Id":      {"client-chosen-id"},
			}})
			r.wantStatus(t, http.StatusOK)
			seen := h.up.last(t)
			if got := seen.Header.Get("X-Forwarded-For"); got != tt.wantXFF {
				t.Errorf("X-Forwarded-For = %q, want %q", got, tt.wantXFF)
			}
			if got := seen.Header.Get("X-Forwarded-Host"); got != tt.wantHost {
				t.Errorf("X-Forwarded-Host = %q, want %q", got, tt.wantHost)
			}
			wantProto := "http"
			if tt.wantReqID {
				wantProto = "https"
			}
			if got := seen.Header.Get("X-Forwarded-Proto"); got != wantProto {
				t.Errorf("X-Forwarded-Proto = %q, want %q", got, wantProto)
			}
			got := r.header.Get("X-Request-Id")
			if (got == "client-chosen-id") != tt.wantReqID || got == "" {
				t.Errorf("X-Request-Id = %q (client sent client-chosen-id; kept should be %t)", got, tt.wantReqID)
			}
			if seen.Header.Get("X-Request-Id") != got {
				t.Errorf("upstream X-Request-Id %q differs from the response's %q", seen.Header.Get("X-Request-Id"), got)
			}
		})
	}
}

// TestPathTricks checks that what the upstream sees is the path the policy
// approved.
func TestPathTricks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.signIn(appHost, bob) // pwd only: /secure (two_factor) is closed to bob

	tests := []struct {
		path       string
		wantStatus int
		wantPath   string // what the upstream got, "" when it got nothing
	}{
		{"/inbox/", http.StatusOK, "/inbox/"},
		{"/inbox/../inbox/", http.StatusBadRequest, ""}, // dot segments: readers differ (docs/contract.md, "Request paths")
		{"/static/../secure/x", http.StatusBadRequest, ""},
		{"/static/%2e%2e/secure/x", http.StatusBadRequest, ""},
		{"/static/..%2fsecure/x", http.StatusBadRequest, ""},
		{"/static/%2fsecure", http.StatusBadRequest, ""},
		{"/static%5c..%5csecure", http.StatusBadRequest, ""},
		{"//secure/x", http.StatusBadRequest, ""},
		{"/./secure", http.StatusBadRequest, ""},
		{"/SECURE/x", http.StatusOK, "/SECURE/x"}, // paths are case-sensitive: not /secure
		{"/a//b/./c/", http.StatusBadRequest, ""},
		{"/a/b%20c/", http.StatusOK, "/a/b c/"},
		{"/%73ecure/x", http.StatusBadRequest, ""}, // /secure decoded, / route as sent
		{"/x%00y", http.StatusBadRequest, ""},
		{prefix + "/../secure", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			before := h.up.count()
			r := c.get(appHost, tt.path)
			r.wantStatus(t, tt.wantStatus)
			if r.status >= 400 {
				r.errorCode(t)
			}
			if tt.wantPath == "" {
				if h.up.count() != before {
					t.Errorf("upstream got %q", h.up.last(t).Path)
				}
				return
			}
			if got := h.up.last(t).Path; got != tt.wantPath {
				t.Errorf("upstream path %q, want %q", got, tt.wantPath)
			}
		})
	}
}

// TestUntrustedRewriteHeadersNeverReachTheApp: headers that apps and
// frameworks read as set by the proxy in front of them (the real path:
// X-Original-URL / X-Rewrite-URL in Symfony < 3.4.14, Zend, IIS URL
// Rewrite; the client's address; X-Forwarded-Port/Prefix; the identity
// headers of other authenticating proxies) never reach the upstream as a
// client sent them, in any spelling, from an untrusted client or through
// a trusted proxy (which passes its clients' headers on); X-Real-IP is
// the client address the gateway determined (docs/contract.md, "Proxy
// mode").
func TestUntrustedRewriteHeadersNeverReachTheApp(t *testing.T) {
	t.Parallel()
	sent := http.Header{
		"X-Original-Url":     {"/admin/users"},
		"x_rewrite_url":      {"/admin/users"},
		"X-Real-Ip":          {"203.0.113.66"},
		"True-Client-IP":     {"203.0.113.66"},
		"X-Forwarded-Prefix": {"/admin"},
		"X-FORWARDED-PORT":   {"8443"},
		// Identity headers of other auth proxies (Authelia, oauth2-proxy).
		"Remote-User":          {forged},
		"REMOTE_GROUPS":        {"admins"},
		"X-Forwarded-User":     {forged},
		"X-Forwarded-Email":    {"mallory@evil.test"},
		"X-Forwarded-Groups":   {"admins"},
		"X-Auth-Request-Email": {"mallory@evil.test"},
		"x-auth-request-user":  {forged},
		"X-Remote-User":        {forged},
	}
	tests := []struct {
		name     string
		trusted  []string
		xff      string // sent as X-Forwarded-For
		wantReal string // X-Real-IP at the upstream
	}{
		{"untrusted peer", []string{"10.0.0.0/8"}, "198.51.100.9", "127.0.0.1"},
		{"trusted proxy", []string{"127.0.0.1/32"}, "198.51.100.9", "198.51.100.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = tt.trusted }})
			signedIn := h.newClient(t)
			signedIn.signIn(crmHost, alice)
			for _, target := range []struct {
				c          *client
				host, path string
				user       string
			}{
				{h.newClient(t), appHost, "/static/site.css", ""},
				{signedIn, crmHost, "/deals", "alice"},
			} {
				hdr := sent.Clone()
				hdr["X-Forwarded-For"] = []string{tt.xff}
				target.c.do(request{host: target.host, path: target.path, accept: "application/json", header: hdr}).wantStatus(t, http.StatusOK)
				seen := h.up.last(t).Header
				for name := range sent {
					if v := seen.Get(name); v != "" && name != "X-Real-Ip" {
						t.Errorf("%s%s: the client's %s reached the upstream as %q", target.host, target.path, name, v)
					}
				}
				if got := seen.Values("X-Real-Ip"); len(got) != 1 || got[0] != tt.wantReal {
					t.Errorf("%s%s: X-Real-IP %q, want the client address %q", target.host, target.path, got, tt.wantReal)
				}
				checkIdentity(t, h, seen, target.user, "crm")
			}
		})
	}
}

// TestUnderscoreForwardedHeadersNeverReachTheApp: ReverseProxy drops only
// the exact names X-Forwarded-For, -Host and -Proto; their underscore
// spellings, which CGI, PHP and WSGI read as the same headers
// (HTTP_X_FORWARDED_HOST), reached the upstream as the client sent them.
// They go with the rest of the proxy's own headers.
func TestUnderscoreForwardedHeadersNeverReachTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sent := http.Header{
		"X_Forwarded_For":   {"10.0.0.1"},
		"x_forwarded_host":  {"admin.internal.example"},
		"X_FORWARDED_PROTO": {"https"},
	}
	h.newClient(t).do(request{host: appHost, path: "/static/site.css", accept: "application/json", header: sent}).wantStatus(t, http.StatusOK)
	seen := h.up.last(t).Header
	for name := range sent {
		if v := seen.Get(name); v != "" {
			t.Errorf("the client's %s reached the upstream as %q", name, v)
		}
	}
	if seen.Get("X-Forwarded-Host") == "admin.internal.example" || seen.Get("X-Real-Ip") == "" {
		t.Errorf("upstream saw X-Forwarded-Host %q, X-Real-IP %q", seen.Get("X-Forwarded-Host"), seen.Get("X-Real-Ip"))
	}
}
