package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// frontDoor builds the authorisation request a front door sends for one
// client request, with exactly the headers it sends (see deploy/ and
// integration/frontdoor, which run the real nginx and Caddy).
type frontDoor struct {
	name string
	// redirects: browser GETs without a session get a 302 (forward-auth);
	// otherwise a 401 whose Location is the login page (auth-request).
	redirects bool
	build     func(clientReq) request
}

// clientReq is the request a browser or API client made to the front door.
type clientReq struct {
	method, proto, host, uri string
	header                   http.Header // as the client sent it: Accept, Cookie, forged headers...
}

func (c clientReq) url() string { return c.proto + "://" + c.host + c.uri }

func withClientHeaders(base http.Header, c clientReq) http.Header {
	for k, vs := range c.header {
		base[k] = append([]string(nil), vs...)
	}
	return base
}

var frontDoors = []frontDoor{
	{
		// deploy/nginx/snippets/gatehouse-authz.conf: a GET subrequest to
		// the upstream "gatehouse", the client's headers, plus these.
		name: "nginx auth_request",
		build: func(c clientReq) request {
			return request{host: "gatehouse", path: prefix + "/authz/auth-request", header: withClientHeaders(http.Header{
				"X-Original-URL":    {c.url()},
				"X-Original-Method": {c.method},
				"X-Forwarded-For":   {"203.0.113.7"},
			}, c)}
		},
	},
	{
		// Caddy's forward_auth: reverse_proxy with method GET, the client's
		// Host and headers, X-Forwarded-For/Proto/Host set by
		// reverse_proxy, X-Forwarded-Method/Uri by forward_auth.
		name:      "caddy forward_auth",
		redirects: true,
		build: func(c clientReq) request {
			return request{host: c.host, path: prefix + "/authz/forward-auth", header: withClientHeaders(http.Header{
				"X-Forwarded-For":    {"203.0.113.7"},
				"X-Forwarded-Proto":  {c.proto},
				"X-Forwarded-Host":   {c.host},
				"X-Forwarded-Method": {c.method},
				"X-Forwarded-Uri":    {c.uri},
				"Accept-Encoding":    {"gzip"},
			}, c)}
		},
	},
	{
		// Traefik's ForwardAuth (pkg/middlewares/auth/forward.go): a GET to
		// the configured address with the client's headers, the entry
		// point's X-Forwarded-Port/Server and X-Real-Ip, then
		// X-Forwarded-For/Method/Proto/Host/Uri.
		name:      "traefik ForwardAuth",
		redirects: true,
		build: func(c clientReq) request {
			return request{host: "gatehouse:8080", path: prefix + "/authz/forward-auth", header: withClientHeaders(http.Header{
				"X-Real-Ip":          {"203.0.113.7"},
				"X-Forwarded-Port":   {"443"},
				"X-Forwarded-Server": {"traefik-1"},
				"X-Forwarded-For":    {"203.0.113.7"},
				"X-Forwarded-Method": {c.method},
				"X-Forwarded-Proto":  {c.proto},
				"X-Forwarded-Host":   {c.host},
				"X-Forwarded-Uri":    {c.uri},
			}, c)}
		},
	},
}

// TestForwardAuthAsFrontDoorsSendIt sends each front door's request shape
// for browsers and API clients, with and without sessions, and checks
// status, Location and identity headers.
func TestForwardAuthAsFrontDoorsSendIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alices := h.newClient(t)
	alices.signIn(crmHost, alice)
	bobs := h.newClient(t)
	bobs.signIn(crmHost, bob)
	cookie := func(c *client) string { return "theme=dark; " + h.cfg.Session.CookieName + "=" + c.cookie() }
	forgedHdr := http.Header{"X-Auth-User": {forged}, "X-Auth-Groups": {"admins"}, "X_Auth_User": {forged}, "X-Auth-Assertion": {"forged"}}
	browser := func(method, host, uri, cookie string) clientReq {
		hdr := http.Header{"Accept": {htmlAccept}, "User-Agent": {"Mozilla/5.0"}}
		for k, v := range forgedHdr {
			hdr[k] = v
		}
		if cookie != "" {
			hdr["Cookie"] = []string{cookie}
		}
		return clientReq{method: method, proto: "https", host: host, uri: uri, header: hdr}
	}
	api := func(method, host, uri string) clientReq {
		return clientReq{method: method, proto: "https", host: host, uri: uri, header: http.Header{"Accept": {"application/json"}}}
	}

	for _, fd := range frontDoors {
		t.Run(fd.name, func(t *testing.T) {
			c := h.newClient(t) // no cookies of its own: the front door forwards the client's
			ask := func(cr clientReq) reply { t.Helper(); return c.do(fd.build(cr)) }

			t.Run("browser without session goes to the portal with rd", func(t *testing.T) {
				cr := browser("GET", crmHost, "/deals?id=7&q=a%20b", "")
				r := ask(cr)
				want := publicURL + prefix + "/login?rd=" + url.QueryEscape(cr.url())
				if fd.redirects {
					r.wantStatus(t, http.StatusFound)
				} else {
					r.wantError(t, http.StatusUnauthorized, "unauthenticated")
				}
				if got := r.header.Get("Location"); got != want {
					t.Errorf("Location = %q, want %q", got, want)
				}
				if _, ok := r.header["X-Auth-User"]; ok {
					t.Error("identity headers on a refusal")
				}
			})
			t.Run("API client and non-GET get a JSON 401 without Location", func(t *testing.T) {
				for _, cr := range []clientReq{api("GET", crmHost, "/deals"), browser("POST", crmHost, "/deals", ""), browser("HEAD", crmHost, "/deals", "")} {
					r := ask(cr)
					r.wantError(t, http.StatusUnauthorized, "unauthenticated")
					if loc := r.header.Get("Location"); loc != "" {
						t.Errorf("%s %s: Location %q", cr.method, cr.header.Get("Accept"), loc)
					}
				}
			})
			t.Run("signed in: 200 with every identity header, none forged", func(t *testing.T) {
				r := ask(browser("GET", crmHost, "/deals?id=7", cookie(alices)))
				wantIdentityHeaders(t, r, map[string]string{
					"X-Auth-User": "alice", "X-Auth-Email": alice.email, "X-Auth-Name": alice.display,
					"X-Auth-Groups": "admins,staff", "X-Auth-Methods": "pwd,sms",
				})
				h.verify(t, r.header.Get("X-Auth-Assertion"), "crm")
				if _, ok := r.header["X_auth_user"]; ok {
					t.Error("the answer echoes a forged header")
				}
			})
			t.Run("signed in, not in the group: 403", func(t *testing.T) {
				ask(browser("GET", appHost, "/admin/users", cookie(bobs))).wantError(t, http.StatusForbidden, "forbidden")
				ask(browser("GET", appHost, "/admin/users", cookie(alices))).wantStatus(t, http.StatusOK)
			})
			t.Run("deny and unknown hosts: 403 for everyone", func(t *testing.T) {
				ask(browser("GET", appHost, "/blocked", cookie(alices))).wantError(t, http.StatusForbidden, "forbidden")
				ask(browser("GET", "elsewhere.example.org", "/", "")).wantError(t, http.StatusForbidden, "forbidden")
			})
			t.Run("bypass: 200 with every identity header present and empty", func(t *testing.T) {
				for _, ck := range []string{"", cookie(alices)} {
					r := ask(browser("GET", publicHost, "/x", ck))
					wantIdentityHeaders(t, r, map[string]string{"X-Auth-User": "", "X-Auth-Email": "", "X-Auth-Name": "",
						"X-Auth-Groups": "", "X-Auth-Methods": "", "X-Auth-Assertion": ""})
				}
			})
			t.Run("the portal on public_url's host is never behind a login", func(t *testing.T) {
				// A middleware or wildcard route covering the portal's host
				// would otherwise send the login page to the login page.
				for _, uri := range []string{prefix + "/login?rd=x", prefix + "/static/style.css", prefix} {
					wantIdentityHeaders(t, ask(browser("GET", authHost+":443", uri, "")), map[string]string{"X-Auth-User": "", "X-Auth-Assertion": ""})
				}
				// Only there: on an app's host the same path is the app's.
				if r := ask(browser("GET", crmHost, prefix+"/login", "")); r.status == http.StatusOK {
					t.Error("the portal prefix on an app host was allowed without a session")
				}
				ask(browser("GET", authHost, prefix+"-other/x", "")).wantError(t, http.StatusForbidden, "forbidden")
				// Nor on another port of that host, another site
				// (before: exempted on any port).
				if r := ask(browser("GET", authHost+":8443", prefix+"/login", "")); r.status == http.StatusOK {
					t.Error("the portal prefix on another port of public_url's host was allowed without a session")
				}
			})
			t.Run("host with upper case, trailing dot and port", func(t *testing.T) {
				r := ask(browser("GET", "CRM.Example.COM.:8443", "/deals", cookie(alices)))
				wantIdentityHeaders(t, r, map[string]string{"X-Auth-User": "alice"})
				h.verify(t, r.header.Get("X-Auth-Assertion"), "crm")
			})
		})
	}
}

// TestForwardAuthFromUntrustedPeers checks that a peer outside
// trusted_proxies gets 401 whatever it sends, with a valid session too:
// no identity, no redirect built from its headers.
func TestForwardAuthFromUntrustedPeers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = []string{"192.0.2.0/24"} }})
	alices := h.newClient(t)
	alices.signIn(crmHost, alice)
	session := h.cfg.Session.CookieName + "=" + alices.cookie()
	c := h.newClient(t)
	for _, fd := range frontDoors {
		for _, cr := range []clientReq{
			{method: "GET", proto: "https", host: crmHost, uri: "/", header: http.Header{"Accept": {htmlAccept}, "Cookie": {session}}},
			{method: "GET", proto: "https", host: publicHost, uri: "/", header: http.Header{"Accept": {htmlAccept}}},
		} {
			t.Run(fd.name+" "+cr.host, func(t *testing.T) {
				r := c.do(fd.build(cr))
				r.wantError(t, http.StatusUnauthorized, "unauthenticated")
				for name := range r.header {
					if strings.HasPrefix(name, "X-Auth-") || name == "Location" {
						t.Errorf("an untrusted peer got %s", name)
					}
				}
			})
		}
	}
}

// TestSingleSignOnAcrossSubdomains signs in on the portal's host and uses
// the cookie it sets, as a browser would send it, for another host.
func TestSingleSignOnAcrossSubdomains(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	rd := "https://app.example.com/inbox?x=1"
	r := c.form(authHost, "/login", url.Values{"username": {"bob"}, "password": {bob.password}, "rd": {rd}})
	r.wantStatus(t, http.StatusSeeOther)
	if got := r.header.Get("Location"); got != rd {
		t.Fatalf("after login Location = %q, want %q (rd to a route host)", got, rd)
	}
	var session *http.Cookie
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == h.cfg.Session.CookieName {
			session = ck
		}
	}
	if session == nil || session.Value == "" {
		t.Fatalf("no session cookie set: %q", r.header["Set-Cookie"])
	}
	if session.Domain != cookieDomain || !session.HttpOnly || session.Path != "/" {
		t.Errorf("session cookie %+v: want Domain=%s, Path=/, HttpOnly", session, cookieDomain)
	}
	fresh := h.newClient(t)
	for _, fd := range frontDoors {
		cr := clientReq{method: "GET", proto: "https", host: appHost, uri: "/inbox?x=1",
			header: http.Header{"Accept": {htmlAccept}, "Cookie": {session.Name + "=" + session.Value}}}
		wantIdentityHeaders(t, fresh.do(fd.build(cr)), map[string]string{"X-Auth-User": "bob", "X-Auth-Methods": "pwd"})
	}
	// rd to a host that is neither public_url's nor a route's is dropped:
	// the sign-in goes on to the portal's home, here the account page,
	// which asks for the code first.
	r = h.newClient(t).form(authHost, "/login", url.Values{"username": {"bob"}, "password": {bob.password}, "rd": {"https://evil.example.org/"}})
	r.wantStatus(t, http.StatusSeeOther)
	if got := r.header.Get("Location"); got != prefix+"/otp" {
		t.Errorf("rd to another site: Location = %q, want the code page of the portal's home", got)
	}
}
