package gateway

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// redirectServer is just enough of a Server for safeRedirect: public_url
// https://auth.example.net and routes app.example.org, *.example.com and a
// catch-all "*" (which must not widen redirects).
func redirectServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{core: &core{prefix: "/_gatehouse"}}
	var err error
	if s.publicURL, err = url.Parse("https://auth.example.net"); err != nil {
		t.Fatal(err)
	}
	s.table.Store(mustTable(t, []config.Route{
		{Name: "app", Host: "app.example.org", PathPrefix: "/"},
		{Name: "wild", Host: "*.example.com", PathPrefix: "/"},
		{Name: "any", Host: "*", PathPrefix: "/"},
	}))
	return s
}

func TestSafeRedirect(t *testing.T) {
	s := redirectServer(t)
	tests := []struct {
		name, rd, want string
	}{
		// Kept.
		{"relative path", "/dashboard", "/dashboard"},
		{"relative path with query and fragment", "/inbox?folder=a&page=2#top", "/inbox?folder=a&page=2#top"},
		{"encoded slashes stay a local path", "/%2F%2Fevil.com", "/%2F%2Fevil.com"},
		{"encoded backslash stays a local path", "/%5Cevil.com", "/%5Cevil.com"},
		{"public_url host", "https://auth.example.net/account", "https://auth.example.net/account"},
		{"exact route host", "https://app.example.org/x?y=1", "https://app.example.org/x?y=1"},
		{"wildcard route host", "https://crm.example.com/deals", "https://crm.example.com/deals"},
		{"deep wildcard host", "https://a.b.example.com/", "https://a.b.example.com/"},
		{"mixed-case allowed host", "https://APP.Example.ORG/x", "https://APP.Example.ORG/x"},
		{"upper-case scheme", "HTTPS://app.example.org/x", "https://app.example.org/x"},
		{"allowed host with its default port", "https://app.example.org:443/x", "https://app.example.org:443/x"},
		{"public_url host with its default port", "https://auth.example.net:443/", "https://auth.example.net:443/"},
		{"default port with leading zeros", "https://app.example.org:0443/x", "https://app.example.org:0443/x"},
		{"empty port is the default", "https://app.example.org:/x", "https://app.example.org:/x"},
		// Refused.
		{"empty", "", "/"},
		{"protocol-relative", "//evil.com/x", "/"},
		{"protocol-relative to allowed host", "//app.example.org/x", "/"},
		{"slash backslash", "/\\evil.com", "/"},
		{"backslashes", "\\\\evil.com", "/"},
		{"backslash in absolute URL", "https://app.example.org\\@evil.com", "/"},
		{"http: opaque", "http:evil.com", "/"},
		{"https: opaque", "https:evil.com", "/"},
		{"https: opaque path", "https:/evil.com", "/"},
		{"userinfo on allowed host", "https://user@app.example.org/", "/"},
		{"userinfo pointing elsewhere", "https://app.example.org@evil.com/", "/"},
		{"userinfo with password", "https://user:pass@evil.com/", "/"},
		{"allowed host as a prefix of another", "https://evil.example.com.attacker.net/", "/"},
		{"suffix without the dot", "https://attackerexample.com/", "/"},
		{"wildcard apex", "https://example.com/", "/"},
		{"exact host as a suffix", "https://evilapp.example.org/", "/"},
		{"other host", "https://evil.com/", "/"},
		{"catch-all route does not widen", "https://anything.net/", "/"},
		{"javascript", "javascript:alert(1)", "/"},
		{"javascript upper case", "JavaScript:alert(document.cookie)", "/"},
		{"javascript with slashes", "javascript://app.example.org/%0Aalert(1)", "/"},
		{"data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "/"},
		{"vbscript", "vbscript:msgbox", "/"},
		{"tab in path", "/\t/evil.com", "/"},
		{"newline in path", "/\n/evil.com", "/"},
		{"carriage return in host", "https://app.example.org\r.evil.com/", "/"},
		{"leading space", " /dashboard", "/"},
		{"leading space before slashes", " //evil.com", "/"},
		{"NUL", "/a\x00b", "/"},
		{"DEL", "/a\x7fb", "/"},
		{"wrong scheme", "http://app.example.org/", "/"},
		{"ftp", "ftp://app.example.org/", "/"},
		{"triple slash", "https:///evil.com", "/"},
		{"fragment trick", "https://evil.com#@app.example.org", "/"},
		{"query trick", "https://evil.com?@app.example.org", "/"},
		{"encoded host", "https://evil.com%2F.example.com/", "/"},
		{"bad port", "https://app.example.org:evil.com/", "/"},
		{"relative without slash", "evil.com", "/"},
		{"encoded without leading slash", "%2F%2Fevil.com", "/"},
		{"ip address", "https://127.0.0.1/", "/"},
		// Ports: an allowed host name on another port may be another
		// program altogether (docs/contract.md, "Redirect targets").
		{"route host on another port", "https://app.example.org:8443/x", "/"},
		{"route host on a high port", "https://app.example.org:31337/steal", "/"},
		{"wildcard host on another port", "https://crm.example.com:8443/", "/"},
		{"public_url host on another port", "https://auth.example.net:8443/", "/"},
		{"public_url host on the http port", "https://auth.example.net:80/", "/"},
		{"port out of range", "https://app.example.org:65979/", "/"},
		{"port 0", "https://app.example.org:0/", "/"},
		{"too long", "/" + strings.Repeat("a", 5000), "/"},
		// Into the console: never a search of phone numbers, which it
		// audits in the administrator's name (docs/contract.md,
		// "Redirect targets"); the rest of the address is kept.
		{"console phone search", "/_gatehouse/admin/?q=5550101", "/_gatehouse/admin/"},
		{"console phone search with a cursor", "/_gatehouse/admin/?q=555-0101&cursor=a&x=1#f", "/_gatehouse/admin/?x=1#f"},
		{"console phone search, absolute", "https://auth.example.net/_gatehouse/admin/?q=%2B1+201+555+0101", "https://auth.example.net/_gatehouse/admin/"},
		{"console phone search, encoded path", "/_gatehouse/%61dmin/?q=5550101", "/_gatehouse/%61dmin/"},
		{"console phone search, dot segments", "/x/../_gatehouse/./admin/?q=5550101", "/x/../_gatehouse/./admin/"},
		{"console phone search, encoded slashes before dot segments", "/%2F%2Fevil.com/../_gatehouse/admin/?q=5550101", "/%2F%2Fevil.com/../_gatehouse/admin/"},
		{"console API phone search", "/_gatehouse/api/admin/users?q=5550101", "/_gatehouse/api/admin/users"},
		{"console search by name", "/_gatehouse/admin/?q=bob", "/_gatehouse/admin/?q=bob"},
		{"an app's own search", "https://app.example.org/search?q=5550101", "https://app.example.org/search?q=5550101"},
		{"an app's path like the console's", "/admin/?q=5550101", "/admin/?q=5550101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.safeRedirect(tt.rd); got != tt.want {
				t.Errorf("safeRedirect(%q) = %q, want %q", tt.rd, got, tt.want)
			}
		})
	}
}

// TestSafeRedirectPorts pins the port rule with a public_url on a port of
// its own, as in development: public_url's host only on that port, route
// hosts on it or on the scheme's default port.
func TestSafeRedirectPorts(t *testing.T) {
	s := &Server{core: &core{}}
	var err error
	if s.publicURL, err = url.Parse("http://127.0.0.1:8080"); err != nil {
		t.Fatal(err)
	}
	s.table.Store(mustTable(t, []config.Route{
		{Name: "app", Host: "localhost", PathPrefix: "/"},
		{Name: "wild", Host: "*.example.com", PathPrefix: "/"},
	}))
	tests := []struct {
		name, rd, want string
	}{
		{"public_url itself", "http://127.0.0.1:8080/account", "http://127.0.0.1:8080/account"},
		{"public_url host on another port", "http://127.0.0.1:31337/steal", "/"},
		{"public_url host on the default port", "http://127.0.0.1/", "/"},
		{"public_url host on the default port, explicit", "http://127.0.0.1:80/", "/"},
		{"route host on public_url's port", "http://localhost:8080/welcome", "http://localhost:8080/welcome"},
		{"route host on the default port", "http://localhost/welcome", "http://localhost/welcome"},
		{"route host on the default port, explicit", "http://localhost:80/welcome", "http://localhost:80/welcome"},
		{"route host on another port", "http://localhost:31337/steal", "/"},
		{"route host on the https port", "http://localhost:443/", "/"},
		{"wildcard host on public_url's port", "http://a.example.com:8080/", "http://a.example.com:8080/"},
		{"wildcard host on another port", "http://a.example.com:8081/", "/"},
		{"other scheme", "https://127.0.0.1:8080/", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.safeRedirect(tt.rd); got != tt.want {
				t.Errorf("safeRedirect(%q) = %q, want %q", tt.rd, got, tt.want)
			}
		})
	}
}

// redirectAllowedHost is the fuzz oracle: written apart from the gateway's
// matcher, from the configuration of redirectServer.
func redirectAllowedHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == "auth.example.net" || host == "app.example.org" ||
		(strings.HasSuffix(host, ".example.com") && len(host) > len(".example.com"))
}

func FuzzSafeRedirect(f *testing.F) {
	for _, s := range []string{
		"/", "/a?b=c#d", "//evil.com", "/\\evil.com", "\\\\evil.com", "http:evil.com", "https://user@evil.com",
		"https://app.example.org/x", "https://x.example.com", "https://attackerexample.com", "javascript:alert(1)",
		"data:,x", "/\t/evil.com", "%2F%2Fevil.com", "/%2F%2Fevil.com", "HTTPS://APP.EXAMPLE.ORG", "https://evil.com#@app.example.org",
	} {
		f.Add(s)
	}
	s := redirectServer(f)
	f.Fuzz(func(t *testing.T, rd string) {
		got := s.safeRedirect(rd)
		if got == "/" {
			return
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c < 0x20 || c == 0x7f || c == '\\' {
				t.Fatalf("safeRedirect(%q) = %q: contains byte %#x", rd, got, c)
			}
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("safeRedirect(%q) = %q: does not parse: %v", rd, got, err)
		}
		if strings.HasPrefix(got, "/") {
			if strings.HasPrefix(got, "//") || u.Scheme != "" || u.Host != "" || u.User != nil {
				t.Fatalf("safeRedirect(%q) = %q: a path that leaves the host", rd, got)
			}
			return
		}
		if u.Scheme != "https" || u.User != nil || u.Opaque != "" || !redirectAllowedHost(u.Hostname()) {
			t.Fatalf("safeRedirect(%q) = %q: absolute URL to a host that is not allowed (%q)", rd, got, u.Hostname())
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n != 443 {
				t.Fatalf("safeRedirect(%q) = %q: absolute URL to port %q, want 443", rd, got, p)
			}
		}
	})
}
