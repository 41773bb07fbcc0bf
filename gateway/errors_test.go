package gateway_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestBadRequests checks malformed, oversize and mistyped bodies on the
// JSON endpoints.
func TestBadRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	big := `{"username":"alice","password":"` + strings.Repeat("x", 70<<10) + `"}`

	tests := []struct {
		name        string
		endpoint    string
		body        io.Reader
		contentType string
		wantStatus  int
		wantCode    string
	}{
		{"malformed JSON", "login", strings.NewReader(`{"username":`), "application/json", 400, "bad_request"},
		{"not an object", "login", strings.NewReader(`["alice"]`), "application/json", 400, "bad_request"},
		{"wrong field type", "login", strings.NewReader(`{"username":1,"password":2}`), "application/json", 400, "bad_request"},
		{"trailing data", "login", strings.NewReader(`{"username":"a","password":"b"} {}`), "application/json", 400, "bad_request"},
		{"empty body", "login", http.NoBody, "application/json", 400, "bad_request"},
		{"malformed code", "otp", strings.NewReader(`{"code":`), "application/json", 400, "bad_request"},
		{"body over 64 KiB", "login", strings.NewReader(big), "application/json", 413, "body_too_large"},
		{"body over 64 KiB, no length", "login", io.MultiReader(strings.NewReader(big)), "application/json", 413, "body_too_large"},
		{"text/plain", "login", strings.NewReader(`{"username":"alice","password":"x"}`), "text/plain", 415, "unsupported_media_type"},
		{"form", "login", strings.NewReader(`username=alice&password=x`), "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
		{"multipart", "login", strings.NewReader("--b--\r\n"), "multipart/form-data; boundary=b", 415, "unsupported_media_type"},
		{"no content type", "login", strings.NewReader(`{"username":"alice","password":"x"}`), "", 415, "unsupported_media_type"},
		{"form to otp", "otp", strings.NewReader(`code=123456`), "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
		{"form to sms/start", "sms/start", strings.NewReader(`phone=%2B12015550100`), "text/plain", 415, "unsupported_media_type"},
		{"code with no pending login", "otp", strings.NewReader(`{"code":"123456"}`), "application/json", 400, "no_pending_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.newClient(t)
			r := c.do(request{method: http.MethodPost, host: appHost, path: prefix + "/api/" + tt.endpoint, body: tt.body, contentType: tt.contentType})
			r.wantError(t, tt.wantStatus, tt.wantCode)
		})
	}
	if n := h.sms.count(t); n != 0 {
		t.Errorf("%d SMS sent by bad requests", n)
	}
}

// TestOversizeForms checks that the portal's forms refuse bodies over
// 64 KiB whether or not the client declares the length.
func TestOversizeForms(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	big := "username=alice&password=" + strings.Repeat("x", 70<<10)
	for _, path := range []string{"/login", "/otp", "/otp/resend", "/logout", "/api/logout"} {
		for _, declared := range []bool{true, false} {
			name := path + " without length"
			body := io.MultiReader(strings.NewReader(big)) // sent chunked
			if declared {
				name, body = path+" with length", strings.NewReader(big)
			}
			t.Run(name, func(t *testing.T) {
				r := h.newClient(t).do(request{method: http.MethodPost, host: appHost, path: prefix + path, body: body,
					contentType: "application/x-www-form-urlencoded", accept: htmlAccept})
				r.wantStatus(t, http.StatusRequestEntityTooLarge)
				if !strings.Contains(string(r.body), "The request body is too large.") {
					t.Errorf("page does not say why:\n%s", r.body)
				}
			})
		}
	}
}

// TestErrorShapes checks that every JSON error the gateway produces has
// exactly the contract's shape.
func TestErrorShapes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	for _, r := range []reply{
		c.get(crmHost, "/"),
		c.get("nowhere.example.org", "/"),
		c.get(appHost, "/blocked"),
		c.get(appHost, "/a%2fb"),
		c.get(appHost, prefix+"/api/session"),
		c.get(appHost, prefix+"/no-such-portal-page"),
		c.do(request{method: http.MethodDelete, host: appHost, path: prefix + "/api/login"}),
		c.api(appHost, "otp/resend", nil),
		c.api(appHost, "login", map[string]string{"username": "x", "password": "y"}),
		c.get(deadHost, "/"),
	} {
		code := r.errorCode(t)
		if r.status < 400 {
			t.Errorf("%s came with status %d", code, r.status)
		}
		if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("%s: Cache-Control %q, want no-store", code, cc)
		}
	}
}

// TestUpstreamFailures checks that a dead or hung upstream answers quickly
// with 502 or 504 instead of hanging.
func TestUpstreamFailures(t *testing.T) {
	t.Parallel()

	t.Run("dead upstream", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.newClient(t)
		start := time.Now()
		r := c.get(deadHost, "/")
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("502 took %s", took)
		}
		r.wantError(t, http.StatusBadGateway, "upstream_unavailable")
		r = c.browse(deadHost, "/")
		r.wantStatus(t, http.StatusBadGateway)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(r.body), "The application is not reachable right now.") {
			t.Errorf("browser 502: %s\n%s", ct, r.body)
		}
	})

	t.Run("slow upstream", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(slow.Close)
		t.Cleanup(func() { close(release) }) // runs first: lets the handler return
		h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
			cfg.Routes = append(cfg.Routes, config.Route{Name: "slow", Host: "slow.example.com", PathPrefix: "/", Upstream: slow.URL, Policy: "bypass",
				Timeouts: config.RouteTimeouts{Response: 300 * time.Millisecond}})
		}})
		c := h.newClient(t)
		start := time.Now()
		r := c.get("slow.example.com", "/report")
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("504 took %s", took)
		}
		r.wantError(t, http.StatusGatewayTimeout, "upstream_timeout")
		// The other routes are unaffected.
		c.get(publicHost, "/").wantStatus(t, http.StatusOK)
	})
}

// TestStoreDown checks that the gateway fails closed when the store is
// unreachable.
func TestStoreDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := httptest.NewServer(h.gw.AdminHandler(h.registry))
	t.Cleanup(admin.Close)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	readyz := func() int {
		resp, err := http.Get(admin.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := readyz(); got != http.StatusOK {
		t.Fatalf("/readyz = %d with the store up", got)
	}

	h.store.down.Store(true)
	before := h.up.count()
	tests := []struct {
		name string
		do   func() reply
	}{
		{"proxied request", func() reply { return c.get(crmHost, "/") }},
		{"password route", func() reply { return c.get(appHost, "/") }},
		{"session", func() reply { return c.get(appHost, prefix+"/api/session") }},
		{"login", func() reply { return h.newClient(t).login(appHost, bob) }},
		{"nginx auth-request", func() reply {
			return c.do(request{host: "auth.example.com", path: prefix + "/authz/auth-request", header: http.Header{"X-Original-Url": {"https://crm.example.com/"}}})
		}},
		{"traefik forward-auth", func() reply {
			return c.do(request{host: "auth.example.com", path: prefix + "/authz/forward-auth", accept: htmlAccept, header: http.Header{
				"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {crmHost}, "X-Forwarded-Uri": {"/"}}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.do()
			r.wantError(t, http.StatusServiceUnavailable, "store_unavailable")
			if bytes.Contains(r.body, []byte("connection refused")) {
				t.Errorf("the store's error text reached the client: %s", r.body)
			}
		})
	}
	if h.up.count() != before {
		t.Error("a request reached the upstream while the store was down")
	}
	if got := readyz(); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d with the store down, want 503", got)
	}
	// Bypass routes need no store.
	c.get(publicHost, "/").wantStatus(t, http.StatusOK)

	h.store.down.Store(false)
	c.get(crmHost, "/").wantStatus(t, http.StatusOK)
	if got := readyz(); got != http.StatusOK {
		t.Errorf("/readyz = %d after the store came back", got)
	}
}

// TestBodilessAndCrossOriginAPI: the endpoints that need no input
// (resend, logout) accept a POST without a body or Content-Type, and no
// other does; a cross-site page, or one on another port of the same
// host, cannot call the JSON API at all.
func TestBodilessAndCrossOriginAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.signIn(appHost, bob) // password only
	r := c.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/otp/resend", accept: "application/json"})
	r.wantStatus(t, http.StatusOK)
	if h.sms.code(t, bob.phone) == "" {
		t.Fatal("no step-up code sent")
	}
	for _, path := range []string{"/api/otp/resend", "/api/logout", "/api/login"} {
		r := c.do(request{method: http.MethodPost, host: crmHost, path: prefix + path, body: strings.NewReader(`{}`),
			contentType: "application/json", header: http.Header{"Origin": {"https://evil.example.net"}}})
		r.wantError(t, http.StatusForbidden, "csrf_failed")
	}
	// Another port of the same host is another program: cookies do not
	// tell ports apart, so the Origin must (before: hosts only compared).
	// The port the client used is Host's, or public_url's on its host when
	// a front door drops it from Host.
	for _, tc := range []struct{ host, origin string }{
		{authHost, "https://auth.example.com:8443"},
		{"crm.example.com:8080", "https://crm.example.com:8443"},
		{"crm.example.com:8080", "https://crm.example.com"},
	} {
		r := c.do(request{method: http.MethodPost, host: tc.host, path: prefix + "/api/logout", body: strings.NewReader(`{}`),
			contentType: "application/json", header: http.Header{"Origin": {tc.origin}}})
		r.wantError(t, http.StatusForbidden, "csrf_failed")
	}
	// Elsewhere a bodiless POST is refused before its handler runs:
	// before, the console's actions that read no body (delete, disable,
	// force-reset) were carried out by one.
	for _, path := range []string{"/api/login", "/api/admin/users/carol/disable", "/api/totp-app/remove"} {
		c.do(request{method: http.MethodPost, host: authHost, path: prefix + path, accept: "application/json"}).
			wantError(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	c.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/logout", accept: "application/json"}).wantStatus(t, http.StatusOK)
	c.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
}
