package gateway_test

// The test client: requests to the gateway with cookies kept and
// redirects not followed, forms with their CSRF token, and sign-in.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// client is one browser or API client: it keeps cookies and does not
// follow redirects, so they can be asserted.
type client struct {
	h   *harness
	t   *testing.T
	hc  *http.Client
	jar http.CookieJar
}

func (h *harness) newClient(t *testing.T) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{h: h, t: t, jar: jar, hc: &http.Client{
		Jar:           jar,
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// clientWithCookie returns a client presenting value as the session cookie.
func (h *harness) clientWithCookie(t *testing.T, value string) *client {
	t.Helper()
	c := h.newClient(t)
	c.jar.SetCookies(cookieURL, []*http.Cookie{{Name: h.cfg.Session.CookieName, Value: value, Path: "/", Domain: cookieDomain}})
	return c
}

// cookie returns the session cookie the client holds ("" if none).
func (c *client) cookie() string {
	for _, ck := range c.jar.Cookies(cookieURL) {
		if ck.Name == c.h.cfg.Session.CookieName {
			return ck.Value
		}
	}
	return ""
}

// request is one request to the gateway.
type request struct {
	method, host, path string
	body               io.Reader
	contentType        string
	accept             string
	header             http.Header // sent as given, names not canonicalised
}

// reply is what came back.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(r request) reply {
	c.t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	req, err := http.NewRequest(r.method, c.h.srv.URL+r.path, r.body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Host = r.host
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	for k, vs := range r.header {
		req.Header[k] = append(req.Header[k], vs...)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s%s: %v", r.method, r.host, r.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

const htmlAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// browse is a browser page load.
func (c *client) browse(host, path string) reply {
	c.t.Helper()
	return c.do(request{host: host, path: path, accept: htmlAccept})
}

// get is an API-style GET (no HTML in Accept).
func (c *client) get(host, path string) reply {
	c.t.Helper()
	return c.do(request{host: host, path: path, accept: "application/json"})
}

// api posts v as JSON to the portal's /api/ endpoint on host.
func (c *client) api(host, endpoint string, v any) reply {
	c.t.Helper()
	var body io.Reader = http.NoBody
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			c.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	return c.do(request{method: http.MethodPost, host: host, path: prefix + "/api/" + endpoint, body: body, contentType: "application/json", accept: "application/json"})
}

// form posts vals as a browser form to the portal path on host, with the
// CSRF token a browser would have from the page (unless vals has one).
func (c *client) form(host, path string, vals url.Values) reply {
	c.t.Helper()
	if !vals.Has("csrf") {
		vals = cloneValues(vals)
		vals.Set("csrf", c.csrfToken(host))
	}
	return c.formRaw(host, path, vals)
}

// formRaw posts vals exactly as given (no CSRF token added).
func (c *client) formRaw(host, path string, vals url.Values) reply {
	c.t.Helper()
	return c.do(request{method: http.MethodPost, host: host, path: prefix + path, body: strings.NewReader(vals.Encode()),
		contentType: "application/x-www-form-urlencoded", accept: htmlAccept})
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfToken loads a portal page with a form, as a browser would before
// posting, and returns its CSRF token.
func (c *client) csrfToken(host string) string {
	c.t.Helper()
	r := c.browse(host, prefix+"/logout")
	m := csrfInput.FindSubmatch(r.body)
	if m == nil {
		c.t.Fatalf("no csrf field on the logout page (%d):\n%s", r.status, r.body)
	}
	return string(m[1])
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// login posts the password step.
func (c *client) login(host string, u testUser) reply {
	c.t.Helper()
	return c.api(host, "login", map[string]any{"username": u.name, "password": u.password})
}

// signIn logs u in fully for host's route: password, then the code when
// one is asked for.
func (c *client) signIn(host string, u testUser) {
	c.t.Helper()
	r := c.login(host, u)
	if r.status != http.StatusOK {
		c.t.Fatalf("login %s at %s: %d %s", u.name, host, r.status, r.body)
	}
	if r.jsonMap(c.t)["status"] == "otp_required" {
		r = c.api(host, "otp", map[string]string{"code": c.h.sms.code(c.t, u.phone)})
		if r.status != http.StatusOK {
			c.t.Fatalf("code for %s at %s: %d %s", u.name, host, r.status, r.body)
		}
	}
	if got := r.jsonMap(c.t)["status"]; got != "authenticated" {
		c.t.Fatalf("signIn %s at %s ended with status %v", u.name, host, got)
	}
}
