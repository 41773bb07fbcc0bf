package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestAccountChangesRedirect: the account page's changes answer with a
// redirect to the page that says what happened (Reload never sends them
// again), and a phone change shows the whole new number and can be
// cancelled (docs/contract.md, "Account page").
func TestAccountChangesRedirect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	r := c.form(authHost, "/account/phone", url.Values{"phone": {"+1 201 555 0150"}})
	if r.status != http.StatusSeeOther || !leadsTo(r, prefix+"/account", "done", "phone_sent") {
		t.Fatalf("phone change: %d %q", r.status, r.header.Get("Location"))
	}
	page := string(c.browse(authHost, r.header.Get("Location")).body)
	if !strings.Contains(page, "We texted a code to the new number") || !strings.Contains(page, "201\u2011555\u20110150") {
		t.Fatalf("after the phone change's POST:\n%s", page)
	}
	if strings.Contains(page, `maxlength="20" required autofocus`) {
		t.Error("the code field takes the focus: the page opens scrolled down")
	}
	r = c.form(authHost, "/account/phone/cancel", url.Values{})
	if r.status != http.StatusSeeOther || !leadsTo(r, prefix+"/account", "done", "phone_cancelled") {
		t.Fatalf("cancel: %d %q", r.status, r.header.Get("Location"))
	}
	page = string(c.browse(authHost, r.header.Get("Location")).body)
	if !strings.Contains(page, "your phone number is unchanged") || strings.Contains(page, "/account/phone/verify") {
		t.Fatalf("after cancelling:\n%s", page)
	}
	r = c.form(authHost, "/account/password", url.Values{"current": {alice.password}, "password": {"a fresh long passphrase"}})
	if r.status != http.StatusSeeOther || !leadsTo(r, prefix+"/account", "done", "password") {
		t.Fatalf("password change: %d %q", r.status, r.header.Get("Location"))
	}
}

// leadsTo reports whether r's Location is path with the query parameter
// name set to value (a notice, with its mark beside it).
func leadsTo(r reply, path, name, value string) bool {
	u, err := url.Parse(r.header.Get("Location"))
	return err == nil && u.Path == path && u.Query().Get(name) == value
}

// TestSignupOneProblemIsSummedUp: one bad field gets the summary (which
// the page's script focuses) like several, and the password that does not
// come back is asked for again, not called too short.
func TestSignupOneProblemIsSummedUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	vals := url.Values{"username": {"-"}, "email": {"new@example.com"}, "phone": {"+1 201 555 0177"}, "password": {"a good long passphrase"}}
	r := c.form(appHost, "/signup", vals)
	body := string(r.body)
	if r.status != http.StatusBadRequest || !strings.Contains(body, `id="form-error" tabindex="-1"`) || !strings.Contains(body, `<a href="#username">`) || !strings.Contains(body, "Enter your password again.") {
		t.Fatalf("one bad field: %d\n%s", r.status, body)
	}
	vals.Set("username", "newname")
	vals.Del("password")
	r = c.form(appHost, "/signup", vals)
	if body := string(r.body); !strings.Contains(body, `id="password-error">Enter your password again.`) || strings.Contains(body, "Use at least") {
		t.Fatalf("the emptied password: %d\n%s", r.status, body)
	}
}

// TestResetCookieIsOneBrowsersKeep: the cookie that carries the name
// typed from the reset's first step to the second is limited to the
// reset's path, so with secure cookies it must be __Secure- (browsers
// drop a __Host- cookie whose path is not /), HttpOnly and host-only.
func TestResetCookieIsOneBrowsersKeep(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) { cfg.Session.Secure = true }})
	c := h.newClient(t)
	// The test server is plain http, where a client keeps no Secure
	// cookie: carry the form's cookie by hand, as a browser over https.
	page := c.browse(appHost, prefix+"/reset")
	token := csrfInput.FindSubmatch(page.body)
	if token == nil {
		t.Fatalf("no csrf field:\n%s", page.body)
	}
	var jar []string
	for _, ck := range (&http.Response{Header: page.header}).Cookies() {
		jar = append(jar, ck.Name+"="+ck.Value)
	}
	r := c.do(request{method: http.MethodPost, host: appHost, path: prefix + "/reset", accept: htmlAccept,
		contentType: "application/x-www-form-urlencoded", header: http.Header{"Cookie": {strings.Join(jar, "; ")}, "Origin": {"https://" + appHost}},
		body: strings.NewReader(url.Values{"username": {"bob@example.com"}, "csrf": {string(token[1])}}.Encode())})
	if r.status != http.StatusSeeOther || strings.Contains(r.header.Get("Location"), "bob") {
		t.Fatalf("reset step one: %d %q\n%s", r.status, r.header.Get("Location"), r.body)
	}
	var found bool
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if !strings.HasSuffix(ck.Name, "_reset") {
			continue
		}
		found = true
		if !strings.HasPrefix(ck.Name, "__Secure-") || ck.Path != prefix+"/reset" || !ck.Secure || !ck.HttpOnly || ck.Domain != "" {
			t.Errorf("reset cookie %+v: want __Secure-, path %s/reset, Secure, HttpOnly, host-only", ck, prefix)
		}
	}
	if !found {
		t.Fatalf("no reset cookie: %v", r.header["Set-Cookie"])
	}
}
