package gateway_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestFormOverPlainHTTPSaysWhy: with session.secure on, a browser on plain
// http drops the Secure form cookie, and every form post failed with
// "This form has expired or came from another site" and a log line
// blaming nothing. The page now says the page was opened over plain http,
// and the log says why.
func TestFormOverPlainHTTPSaysWhy(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	h := newHarness(t, setup{logger: slog.New(slog.NewJSONHandler(logs, nil)), edit: func(cfg *config.Config, _ string) {
		cfg.Session.Secure = true // the harness serves plain http
	}})
	c := h.newClient(t)
	r := c.formRaw(appHost, "/login", url.Values{"username": {alice.name}, "password": {alice.password}, "csrf": {"anything"}})
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "plain http") {
		t.Fatalf("%d, page does not say the page came over plain http:\n%s", r.status, r.body)
	}
	if !strings.Contains(logs.String(), "session.secure") {
		t.Errorf("the log does not say why:\n%s", logs.String())
	}
}
