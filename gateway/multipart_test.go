package gateway_test

import (
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// TestMultipartBodiesAreRefusedUnread: no page or API call of the portal
// sends a multipart body, and parsing one cost about 25 times its size
// (docs/contract.md, "Request bodies"). Every endpoint that reads a body
// answers one 415 unsupported_media_type before reading it, whatever it
// carries: a right password and a good CSRF token included. Before, the
// form endpoints parsed it and acted on its fields (alice was signed in).
func TestMultipartBodiesAreRefusedUnread(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct{ host, path, accept string }{
		{appHost, "/login", htmlAccept},
		{appHost, "/otp", htmlAccept},
		{appHost, "/otp/resend", htmlAccept},
		{appHost, "/logout", htmlAccept},
		{appHost, "/signup", htmlAccept},
		{appHost, "/reset", htmlAccept},
		{appHost, "/totp", htmlAccept},
		{appHost, "/recovery", htmlAccept},
		{authHost, "/account/password", htmlAccept},
		{authHost, "/admin/users", htmlAccept},
		{appHost, "/api/login", "application/json"},
		{appHost, "/api/logout", "application/json"},
	} {
		for _, spelling := range []string{"multipart/form-data", "Multipart/Form-Data", "multipart/mixed"} {
			t.Run(tc.path+" "+spelling, func(t *testing.T) {
				c := h.newClient(t)
				var b strings.Builder
				w := multipart.NewWriter(&b)
				for k, v := range map[string]string{"csrf": c.csrfToken(tc.host), "username": alice.name, "password": alice.password} {
					if err := w.WriteField(k, v); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				r := c.do(request{method: http.MethodPost, host: tc.host, path: prefix + tc.path, body: strings.NewReader(b.String()),
					contentType: spelling + "; boundary=" + w.Boundary(), accept: tc.accept})
				r.wantStatus(t, http.StatusUnsupportedMediaType)
				if tc.accept == "application/json" {
					r.wantError(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
				} else if !strings.Contains(string(r.body), "takes no multipart body") {
					t.Errorf("page does not say why:\n%s", r.body)
				}
				if c.cookie() != "" {
					t.Errorf("a session cookie was given")
				}
			})
		}
	}
}
