package gateway_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

const authHost = "auth.example.com"

// nginx asks /authz/auth-request about originalURL.
func (c *client) nginx(originalURL, method string, extra http.Header) reply {
	c.t.Helper()
	hdr := http.Header{"X-Original-Url": {originalURL}}
	if method != "" {
		hdr.Set("X-Original-Method", method)
	}
	for k, v := range extra {
		hdr[k] = v
	}
	return c.do(request{host: authHost, path: prefix + "/authz/auth-request", header: hdr})
}

// traefik asks /authz/forward-auth about proto://host+uri.
func (c *client) traefik(proto, host, uri, method, accept string) reply {
	c.t.Helper()
	hdr := http.Header{"X-Forwarded-Proto": {proto}, "X-Forwarded-Host": {host}, "X-Forwarded-Uri": {uri}}
	if method != "" {
		hdr.Set("X-Forwarded-Method", method)
	}
	return c.do(request{host: authHost, path: prefix + "/authz/forward-auth", accept: accept, header: hdr})
}

// wantIdentityHeaders checks a forward-auth 200: every identity header is
// present (empty ones too), with these values.
func wantIdentityHeaders(t *testing.T, r reply, want map[string]string) {
	t.Helper()
	r.wantStatus(t, http.StatusOK)
	for _, name := range []string{"X-Auth-User", "X-Auth-Email", "X-Auth-Name", "X-Auth-Groups", "X-Auth-Methods", "X-Auth-Assertion"} {
		vs, ok := r.header[name]
		if !ok || len(vs) != 1 {
			t.Errorf("%s: present %t, values %q; want exactly one", name, ok, vs)
			continue
		}
		if w, ok := want[name]; ok && vs[0] != w {
			t.Errorf("%s = %q, want %q", name, vs[0], w)
		}
	}
}

func TestNginxAuthRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	anon := h.newClient(t)
	alices := h.newClient(t)
	alices.signIn(crmHost, alice)
	bobs := h.newClient(t)
	bobs.signIn(crmHost, bob)
	forgedUser := http.Header{"X-Auth-User": {forged}, "X_Auth_Groups": {"admins"}}

	t.Run("no session", func(t *testing.T) {
		anon.nginx("https://crm.example.com/deals", "GET", nil).wantError(t, http.StatusUnauthorized, "unauthenticated")
		// nginx turns 401 into its own redirect: never a 302 here, even for browsers.
		r := anon.do(request{host: authHost, path: prefix + "/authz/auth-request", accept: htmlAccept, header: http.Header{"X-Original-Url": {"https://crm.example.com/"}}})
		r.wantStatus(t, http.StatusUnauthorized)
	})
	t.Run("signed in", func(t *testing.T) {
		r := alices.nginx("https://crm.example.com/deals?id=7", "GET", forgedUser)
		wantIdentityHeaders(t, r, map[string]string{
			"X-Auth-User": "alice", "X-Auth-Email": alice.email, "X-Auth-Name": alice.display,
			"X-Auth-Groups": "admins,staff", "X-Auth-Methods": "pwd,sms",
		})
		claims := h.verify(t, r.header.Get("X-Auth-Assertion"), "crm")
		if claims.Subject != "alice" || !slices.Equal(claims.AMR, []string{"pwd", "sms", "mfa"}) {
			t.Errorf("claims %+v", claims)
		}
	})
	t.Run("bypass sends every header, empty", func(t *testing.T) {
		for _, c := range []*client{anon, alices} {
			r := c.nginx("https://public.example.com/x", "", forgedUser)
			wantIdentityHeaders(t, r, map[string]string{
				"X-Auth-User": "", "X-Auth-Email": "", "X-Auth-Name": "", "X-Auth-Groups": "", "X-Auth-Methods": "", "X-Auth-Assertion": "",
			})
		}
		r := anon.nginx("https://app.example.com/static/app.js", "GET", forgedUser)
		wantIdentityHeaders(t, r, map[string]string{"X-Auth-User": "", "X-Auth-Assertion": ""})
	})
	t.Run("non-member", func(t *testing.T) {
		bobs.nginx("https://app.example.com/admin/users", "GET", nil).wantError(t, http.StatusForbidden, "forbidden")
		alices.nginx("https://app.example.com/admin/users", "GET", nil).wantStatus(t, http.StatusOK)
	})
	t.Run("deny", func(t *testing.T) {
		alices.nginx("https://app.example.com/blocked", "GET", nil).wantError(t, http.StatusForbidden, "forbidden")
		anon.nginx("https://app.example.com/blocked", "GET", nil).wantError(t, http.StatusForbidden, "forbidden")
	})
	t.Run("missing method", func(t *testing.T) {
		bobPwd := h.newClient(t)
		bobPwd.signIn(appHost, bob)
		bobPwd.nginx("https://crm.example.com/", "GET", nil).wantError(t, http.StatusUnauthorized, "step_up_required")
		bobPwd.nginx("https://app.example.com/", "GET", nil).wantStatus(t, http.StatusOK)
	})
	t.Run("original method", func(t *testing.T) {
		alices.nginx("https://ro.example.com/page", "GET", nil).wantStatus(t, http.StatusOK)
		alices.nginx("https://ro.example.com/page", "delete", nil).wantStatus(t, http.StatusForbidden)
	})
	t.Run("host normalisation", func(t *testing.T) {
		for _, u := range []string{
			"https://CRM.Example.COM/deals",
			"https://crm.example.com:8443/deals",
			"https://crm.example.com./deals",
			"http://Crm.Example.Com.:80/deals",
		} {
			r := alices.nginx(u, "GET", nil)
			wantIdentityHeaders(t, r, map[string]string{"X-Auth-User": "alice"})
			h.verify(t, r.header.Get("X-Auth-Assertion"), "crm")
			anon.nginx(u, "GET", nil).wantError(t, http.StatusUnauthorized, "unauthenticated")
		}
	})
	t.Run("bad original URL", func(t *testing.T) {
		for _, u := range []string{"", "/relative", "javascript:alert(1)", "https://crm.example.com/a%2f..%2fadmin", "ftp://crm.example.com/"} {
			if r := alices.nginx(u, "GET", nil); r.status == http.StatusOK {
				t.Errorf("%q was allowed", u)
			}
		}
	})
	t.Run("no route", func(t *testing.T) {
		alices.nginx("https://elsewhere.example.org/", "GET", nil).wantError(t, http.StatusForbidden, "forbidden")
	})
}

func TestTraefikForwardAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	anon := h.newClient(t)
	alices := h.newClient(t)
	alices.signIn(crmHost, alice)

	t.Run("browser without session is sent to the portal", func(t *testing.T) {
		r := anon.traefik("https", crmHost, "/reports?q=1&b=2", "GET", htmlAccept)
		r.wantStatus(t, http.StatusFound)
		want := publicURL + prefix + "/login?rd=" + url.QueryEscape("https://crm.example.com/reports?q=1&b=2")
		if got := r.header.Get("Location"); got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
	})
	t.Run("API or non-GET without session gets 401", func(t *testing.T) {
		anon.traefik("https", crmHost, "/reports", "GET", "application/json").wantError(t, http.StatusUnauthorized, "unauthenticated")
		anon.traefik("https", crmHost, "/reports", "POST", htmlAccept).wantError(t, http.StatusUnauthorized, "unauthenticated")
	})
	t.Run("signed in", func(t *testing.T) {
		r := alices.traefik("https", crmHost, "/reports", "GET", htmlAccept)
		wantIdentityHeaders(t, r, map[string]string{"X-Auth-User": "alice", "X-Auth-Methods": "pwd,sms", "X-Auth-Groups": "admins,staff"})
		h.verify(t, r.header.Get("X-Auth-Assertion"), "crm")
	})
	t.Run("login from the redirect comes back to the app", func(t *testing.T) {
		c := h.newClient(t)
		r := c.traefik("https", appHost, "/inbox", "GET", htmlAccept)
		r.wantStatus(t, http.StatusFound)
		loc, err := url.Parse(r.header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		rd := loc.Query().Get("rd")
		r = c.form(authHost, "/login", url.Values{"username": {"bob"}, "password": {bob.password}, "rd": {rd}})
		r.wantStatus(t, http.StatusSeeOther)
		if got := r.header.Get("Location"); got != "https://app.example.com/inbox" {
			t.Errorf("after login Location = %q", got)
		}
		wantIdentityHeaders(t, c.traefik("https", appHost, "/inbox", "GET", htmlAccept), map[string]string{"X-Auth-User": "bob"})
	})
	t.Run("login at the portal asks for what the target needs", func(t *testing.T) {
		c := h.newClient(t)
		rd := "https://crm.example.com/deals?id=9"
		r := c.form(authHost, "/login", url.Values{"username": {"alice"}, "password": {alice.password}, "rd": {rd}})
		r.wantStatus(t, http.StatusSeeOther)
		if got, want := r.header.Get("Location"), prefix+"/otp?rd="+url.QueryEscape(rd); got != want {
			t.Fatalf("Location = %q, want %q", got, want)
		}
		r = c.form(authHost, "/otp", url.Values{"code": {h.sms.code(t, alice.phone)}, "rd": {rd}})
		r.wantStatus(t, http.StatusSeeOther)
		if got := r.header.Get("Location"); got != rd {
			t.Fatalf("after code Location = %q, want %q", got, rd)
		}
		wantIdentityHeaders(t, c.traefik("https", crmHost, "/deals?id=9", "GET", htmlAccept), map[string]string{"X-Auth-Methods": "pwd,sms"})

		// Without rd, on a host with no route, the portal's home is the
		// account page: the sign-in asks for every method the account
		// signs in with and ends there, not on a 404 (issue 19).
		d := h.newClient(t)
		sent := h.sms.count(t)
		r = d.form(authHost, "/login", url.Values{"username": {"alice"}, "password": {alice.password}})
		r.wantStatus(t, http.StatusSeeOther)
		if got := r.header.Get("Location"); got != prefix+"/otp" || h.sms.count(t) != sent+1 {
			t.Errorf("Location %q, %d SMS sent; want the code page and one", got, h.sms.count(t)-sent)
		}
		r = d.form(authHost, "/otp", url.Values{"code": {h.sms.code(t, alice.phone)}})
		if got := r.header.Get("Location"); got != prefix+"/account" {
			t.Errorf("after the code, Location %q, want the account page", got)
		}
		wantIdentityHeaders(t, d.traefik("https", crmHost, "/", "GET", ""), map[string]string{"X-Auth-Methods": "pwd,sms"})
		if r := d.browse(authHost, prefix+"/login"); r.status != http.StatusSeeOther || r.header.Get("Location") != prefix+"/account" {
			t.Errorf("the portal's login page, signed in: %d %q, want the account page", r.status, r.header.Get("Location"))
		}
		if r := d.browse(authHost, "/"); r.status != http.StatusNotFound || !strings.Contains(string(r.body), `href="`+prefix+`/account"`) {
			t.Errorf("the portal host's /: %d, want a 404 leading to the account page\n%s", r.status, r.body)
		}
	})
	t.Run("host normalisation", func(t *testing.T) {
		for _, host := range []string{"CRM.EXAMPLE.COM", "crm.example.com:443", "crm.example.com.", "Crm.Example.Com.:8443"} {
			r := alices.traefik("https", host, "/", "GET", "")
			wantIdentityHeaders(t, r, map[string]string{"X-Auth-User": "alice"})
		}
	})
	t.Run("bad forwarded headers", func(t *testing.T) {
		for _, tt := range []struct{ proto, host, uri string }{
			{"ftp", crmHost, "/"},
			{"https", "", "/"},
			{"https", crmHost, "relative"},
			{"https", crmHost, "/a%2F..%2Fadmin"},
		} {
			if r := alices.traefik(tt.proto, tt.host, tt.uri, "GET", ""); r.status == http.StatusOK {
				t.Errorf("%+v was allowed", tt)
			}
		}
	})
}

// TestForwardAuthUntrustedPeer checks that a peer outside trusted_proxies
// is refused whatever it sends, even with a valid session.
func TestForwardAuthUntrustedPeer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = []string{"10.0.0.0/8"} }})
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	c.get(crmHost, "/").wantStatus(t, http.StatusOK) // the session is good

	c.nginx("https://crm.example.com/", "GET", nil).wantError(t, http.StatusUnauthorized, "unauthenticated")
	c.nginx("https://public.example.com/", "GET", nil).wantError(t, http.StatusUnauthorized, "unauthenticated")
	c.traefik("https", crmHost, "/", "GET", "").wantError(t, http.StatusUnauthorized, "unauthenticated")
	r := c.traefik("https", crmHost, "/", "GET", htmlAccept)
	r.wantError(t, http.StatusUnauthorized, "unauthenticated")
	if _, ok := r.header["X-Auth-User"]; ok {
		t.Error("an untrusted peer got identity headers")
	}
}
