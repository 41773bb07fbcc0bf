package gateway_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSetPasswordLinkSurvivesScanners: a set-password link sent by mail
// or chat is fetched by link scanners (Outlook Safe Links, unfurlers,
// antivirus) before its person opens it, and it sits in a URL. Their
// GETs and HEADs, followed or not, spend nothing; the answers that carry
// it keep it out of a Referer and caches, the access log never holds it
// (docs/contract.md, "Admin console"), and only the person's POST uses
// it, once.
func TestSetPasswordLinkSurvivesScanners(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	h := newHarness(t, withAccounts, setup{logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	r := admin.api(authHost, "admin/users", map[string]any{"username": "gus", "email": "gus@example.com"})
	r.wantStatus(t, http.StatusCreated)
	token := linkToken(t, r)
	link := prefix + "/reset?token=" + url.QueryEscape(token)

	for _, scan := range []struct {
		name   string
		method string
		follow bool
	}{
		{"a GET", http.MethodGet, false},
		{"a GET that follows the redirect", http.MethodGet, true},
		{"a HEAD", http.MethodHead, false},
	} {
		scanner := h.newClient(t)
		r := scanner.do(request{method: scan.method, host: authHost, path: link, accept: htmlAccept,
			header: http.Header{"Sec-Fetch-Site": {"none"}, "Sec-Fetch-Mode": {"navigate"}}})
		if scan.method == http.MethodGet {
			if r.header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(r.header.Get("Cache-Control"), "no-store") || strings.Contains(r.header.Get("Location"), token) {
				t.Errorf("%s of the link: Referrer-Policy %q, Cache-Control %q, Location %q", scan.name, r.header.Get("Referrer-Policy"), r.header.Get("Cache-Control"), r.header.Get("Location"))
			}
		}
		if scan.follow {
			scanner.browse(authHost, prefix+"/reset?step=link").wantStatus(t, http.StatusOK)
		}
	}

	// The person opens it from their mail client, and chooses a password.
	person := h.newClient(t)
	open := person.do(request{host: authHost, path: link, accept: htmlAccept, header: http.Header{"Sec-Fetch-Site": {"none"}, "Sec-Fetch-User": {"?1"}}})
	if open.status != http.StatusSeeOther || open.header.Get("Location") != prefix+"/reset?step=link" {
		t.Fatalf("the person opening the link: %d %q", open.status, open.header.Get("Location"))
	}
	person.browse(authHost, prefix+"/reset?step=link").wantStatus(t, http.StatusOK)
	done := person.form(authHost, "/reset", url.Values{"link": {"1"}, "username": {"gus"}, "password": {"gus chose this one"}})
	if done.status != http.StatusSeeOther || !leadsTo(done, prefix+"/reset", "step", "done") {
		t.Fatalf("the person's password, after the scanners: %d %q\n%s", done.status, done.header.Get("Location"), done.body)
	}
	h.newClient(t).login(appHost, testUser{name: "gus", password: "gus chose this one"}).wantStatus(t, http.StatusOK)
	again := h.newClient(t)
	again.browse(authHost, link)
	again.browse(authHost, prefix+"/reset?step=link").wantStatus(t, http.StatusGone)

	if strings.Contains(logs.String(), strings.TrimPrefix(token, "ghpw_")) {
		t.Error("the logs hold the link's token")
	}
}
