package gateway_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var linkUsernameInput = regexp.MustCompile(`name="username" value="([^"]*)"`)

// TestSetPasswordGoesToTheAccountThePageShowed: a set-password link's
// token rides from its page to the POST in a host-only cookie, but a
// sibling host of the same site can set a cookie of the same name for
// the whole site (Domain=example.com), which the browser sends first, or
// alone once it has pushed the portal's out of the jar. Before, the POST
// set the password on the account of whichever link's cookie came first:
// the page said "gus", and the password gus typed went to the account
// of the link the attacker planted, which the attacker holds, while gus's
// own link stayed unused. The POST carries the account its page showed,
// and is refused (410 link_expired) when the cookie's link is for
// another: nothing set, neither link spent (docs/contract.md, "Admin
// console").
func TestSetPasswordGoesToTheAccountThePageShowed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	links := map[string]string{}
	for _, name := range []string{"gus", "mallory"} {
		r := admin.api(authHost, "admin/users", map[string]any{"username": name, "email": name + "@example.com"})
		r.wantStatus(t, http.StatusCreated)
		links[name] = linkToken(t, r)
	}

	person := h.newClient(t)
	person.browse(authHost, prefix+"/reset?token="+url.QueryEscape(links["gus"]))
	page := person.browse(authHost, prefix+"/reset?step=link")
	page.wantStatus(t, http.StatusOK)
	m := linkUsernameInput.FindSubmatch(page.body)
	if m == nil || string(m[1]) != "gus" {
		t.Fatalf("the link's page does not name gus:\n%s", page.body)
	}
	// What the page's form posts, with the sibling host's cookie first.
	form := url.Values{"csrf": {person.csrfToken(authHost)}, "link": {"1"}, "username": {string(m[1])}, "password": {"gus chose this one"}}
	tossed := h.cfg.Session.CookieName + "_link=" + url.QueryEscape(links["mallory"])
	r := person.do(request{method: http.MethodPost, host: authHost, path: prefix + "/reset", body: strings.NewReader(form.Encode()),
		contentType: "application/x-www-form-urlencoded", accept: htmlAccept, header: http.Header{"Cookie": {tossed}}})
	if r.status != http.StatusGone {
		t.Errorf("the POST with the planted cookie: %d, want 410", r.status)
	}
	if got := h.newClient(t).login(appHost, testUser{name: "mallory", password: "gus chose this one"}); got.status == http.StatusOK {
		t.Error("the password gus typed was set on the account of the link the sibling host planted")
	}

	// Neither link was spent: gus opens his again and sets his password;
	// the planted one still works for its own page.
	person.browse(authHost, prefix+"/reset?token="+url.QueryEscape(links["gus"]))
	person.browse(authHost, prefix+"/reset?step=link").wantStatus(t, http.StatusOK)
	done := person.form(authHost, "/reset", url.Values{"link": {"1"}, "username": {"gus"}, "password": {"gus chose this one"}})
	if done.status != http.StatusSeeOther || !strings.HasSuffix(done.header.Get("Location"), "/reset?step=done") {
		t.Fatalf("gus's own link, again: %d %q\n%s", done.status, done.header.Get("Location"), done.body)
	}
	h.newClient(t).login(appHost, testUser{name: "gus", password: "gus chose this one"}).wantStatus(t, http.StatusOK)
	other := h.newClient(t)
	other.browse(authHost, prefix+"/reset?token="+url.QueryEscape(links["mallory"]))
	other.browse(authHost, prefix+"/reset?step=link").wantStatus(t, http.StatusOK)
}
