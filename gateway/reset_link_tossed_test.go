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
// the whole site (Domain=example.com), which the browser sends beside
// the portal's, first when it is the older, or alone once it has pushed
// the portal's out of the jar. Before, the page and the POST took
// whichever came first: the page named the planted link's account, or
// named gus and the password gus typed went to the account of the link
// the attacker planted, which the attacker holds, gus's own link left
// unused; another site's link to the planted link does the same,
// replacing the portal's cookie itself. Two link cookies are no link (410 link_expired, on the page
// and the POST), and the POST carries the account its page showed, a
// cookie of another account's link refused alike: nothing set, neither
// link spent (docs/contract.md, "Admin console").
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
	linkCookie := h.cfg.Session.CookieName + "_link"
	planted := linkCookie + "=" + url.QueryEscape(links["mallory"])

	person := h.newClient(t)
	person.browse(authHost, prefix+"/reset?token="+url.QueryEscape(links["gus"]))
	// The sibling host's cookie is there before the page loads: the
	// page must not name the planted link's account.
	r := person.do(request{host: authHost, path: prefix + "/reset?step=link", accept: htmlAccept, header: http.Header{"Cookie": {planted}}})
	if r.status != http.StatusGone || strings.Contains(string(r.body), "mallory") {
		t.Errorf("the link's page with a planted cookie beside gus's: %d, want 410 naming nobody:\n%s", r.status, r.body)
	}
	page := person.browse(authHost, prefix+"/reset?step=link")
	page.wantStatus(t, http.StatusOK)
	m := linkUsernameInput.FindSubmatch(page.body)
	if m == nil || string(m[1]) != "gus" {
		t.Fatalf("the link's page does not name gus:\n%s", page.body)
	}
	// What the page's form posts, the sibling host's cookie planted
	// since: beside gus's, or alone (gus's pushed out of the jar).
	form := url.Values{"csrf": {person.csrfToken(authHost)}, "link": {"1"}, "username": {string(m[1])}, "password": {"gus chose this one"}}
	var others []string
	for _, ck := range person.jar.Cookies(&url.URL{Scheme: "http", Host: authHost, Path: "/"}) {
		if ck.Name != linkCookie {
			others = append(others, ck.Name+"="+ck.Value)
		}
	}
	for _, tc := range []struct {
		name   string
		client *client
		cookie string
	}{
		{"beside gus's", person, planted},
		{"alone", h.newClient(t), strings.Join(append(others, planted), "; ")},
	} {
		r := tc.client.do(request{method: http.MethodPost, host: authHost, path: prefix + "/reset", body: strings.NewReader(form.Encode()),
			contentType: "application/x-www-form-urlencoded", accept: htmlAccept, header: http.Header{"Cookie": {tc.cookie}}})
		if r.status != http.StatusGone {
			t.Errorf("the POST with the planted cookie %s: %d, want 410", tc.name, r.status)
		}
		if got := h.newClient(t).login(appHost, testUser{name: "mallory", password: "gus chose this one"}); got.status == http.StatusOK {
			t.Fatalf("the planted cookie %s: the password gus typed was set on the account of the link the sibling host planted", tc.name)
		}
	}

	// Another site's link to the planted link replaces the portal's
	// cookie itself, between gus's page and his post.
	person.do(request{host: authHost, path: prefix + "/reset?token=" + url.QueryEscape(links["mallory"]), accept: htmlAccept,
		header: http.Header{"Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}}})
	if r := person.form(authHost, "/reset", form); r.status != http.StatusGone {
		t.Errorf("the POST after another site's link replaced the cookie: %d, want 410", r.status)
	}
	if got := h.newClient(t).login(appHost, testUser{name: "mallory", password: "gus chose this one"}); got.status == http.StatusOK {
		t.Fatal("another site's link: the password gus typed was set on the account of its link")
	}

	// Neither link was spent: gus opens his again and sets his password,
	// and the planted one still opens its own page.
	person.browse(authHost, prefix+"/reset?token="+url.QueryEscape(links["gus"]))
	done := person.form(authHost, "/reset", url.Values{"link": {"1"}, "username": {"gus"}, "password": {"gus chose this one"}})
	if done.status != http.StatusSeeOther || !leadsTo(done, prefix+"/reset", "step", "done") {
		t.Fatalf("gus's own link: %d %q\n%s", done.status, done.header.Get("Location"), done.body)
	}
	h.newClient(t).login(appHost, testUser{name: "gus", password: "gus chose this one"}).wantStatus(t, http.StatusOK)
	other := h.newClient(t)
	other.browse(authHost, prefix+"/reset?token="+url.QueryEscape(links["mallory"]))
	other.browse(authHost, prefix+"/reset?step=link").wantStatus(t, http.StatusOK)
}
