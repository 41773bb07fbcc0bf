package gateway_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestAdminConsolePages: the console's pages answer only an administrator
// with both factors fresh (others go to sign in, or see 403), and their
// actions are CSRF-protected forms; a one-time code is shown once, in the
// answer, never in a URL.
func TestAdminConsolePages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if r := h.newClient(t).browse(authHost, prefix+"/admin/"); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "/login?rd=") {
		t.Fatalf("console without a session: %d %s", r.status, r.header.Get("Location"))
	}
	bobC := h.newClient(t)
	bobC.signIn(crmHost, bob)
	for _, p := range []string{"/admin/", "/admin/sessions", "/admin/bans", "/admin/sms"} {
		if r := bobC.browse(authHost, prefix+p); r.status != http.StatusForbidden {
			t.Fatalf("%s for a non-admin: %d", p, r.status)
		}
		if r := h.newClient(t).browse(authHost, prefix+p); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "/login?rd=") {
			t.Fatalf("%s without a session: %d %s", p, r.status, r.header.Get("Location"))
		}
	}
	for _, p := range []string{"/admin/users", "/admin/bans/lift"} {
		if r := bobC.form(authHost, p, url.Values{"username": {"zed"}, "email": {"zed@example.com"}, "ip": {"192.0.2.1"}}); r.status != http.StatusForbidden {
			t.Fatalf("POST %s by a non-admin: %d", p, r.status)
		}
	}

	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	home := admin.browse(authHost, prefix+"/admin/?q=bo")
	home.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(home.body), `href="/_gatehouse/admin/users/bob"`) || strings.Contains(string(home.body), "users/carol") {
		t.Fatalf("search bo:\n%s", home.body)
	}
	page := admin.browse(authHost, prefix+"/admin/users/bob")
	page.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(page.body), "&#43;1 ••• ••• 0101") || strings.Contains(string(page.body), "0155501") {
		t.Fatalf("bob's page shows his phone unmasked, or not at all:\n%s", page.body)
	}
	// No CSRF token: refused before anything is done.
	admin.formRaw(authHost, "/admin/users/bob/revoke", url.Values{}).wantStatus(t, http.StatusForbidden)
	bobC.get(crmHost, "/").wantStatus(t, http.StatusOK)

	r := admin.form(authHost, "/admin/users/bob/revoke", url.Values{})
	if r.status != http.StatusSeeOther || !leadsTo(r, prefix+"/admin/users/bob", "done", "admin.revoked") {
		t.Fatalf("end every session: %d %s", r.status, r.header.Get("Location"))
	}
	bobC.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")

	r = admin.form(authHost, "/admin/users/bob/recovery", url.Values{})
	r.wantStatus(t, http.StatusOK)
	m := regexp.MustCompile(`id="issued-code">([0-9a-z-]+)<`).FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("no code shown:\n%s", r.body)
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("the page with the code is cacheable: %q", cc)
	}
	lost := h.newClient(t)
	lost.login(crmHost, bob).wantStatus(t, http.StatusOK)
	lost.api(crmHost, "recovery", map[string]string{"code": string(m[1])}).wantStatus(t, http.StatusOK)
}

// TestAdminConsoleLifecyclePages: without JavaScript an administrator
// creates an account (the set-password link shown once, in the answer),
// its person follows the link (the token leaves the address bar at once)
// and chooses a password; groups, the end of a password and a delete
// (which asks for the username) are forms with the CSRF token.
func TestAdminConsoleLifecyclePages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	create := url.Values{"username": {"erin"}, "name": {"Erin"}, "email": {"erin@example.com"}, "groups": {"staff, ops"}}
	admin.formRaw(authHost, "/admin/users", create).wantStatus(t, http.StatusForbidden)
	bad := admin.form(authHost, "/admin/users", url.Values{"username": {"erin"}, "email": {"not an email"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(string(bad.body), `value="not an email"`) || !strings.Contains(string(bad.body), `aria-invalid="true"`) {
		t.Fatalf("a bad form: %d\n%s", bad.status, bad.body)
	}
	r := admin.form(authHost, "/admin/users", create)
	r.wantStatus(t, http.StatusOK)
	m := regexp.MustCompile(`id="set-password-link" class="link-text">([^<]+)<`).FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("no link shown:\n%s", r.body)
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("the page with the link is cacheable: %q", cc)
	}
	link, err := url.Parse(strings.ReplaceAll(string(m[1]), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}

	person := h.newClient(t)
	open := person.browse(appHost, link.RequestURI())
	if open.status != http.StatusSeeOther || open.header.Get("Location") != prefix+"/reset?step=link" {
		t.Fatalf("opening the link: %d %q", open.status, open.header.Get("Location"))
	}
	form := person.browse(appHost, prefix+"/reset?step=link")
	if form.status != http.StatusOK || !strings.Contains(string(form.body), "erin") || !strings.Contains(string(form.body), `name="link"`) {
		t.Fatalf("the link's page: %d\n%s", form.status, form.body)
	}
	weak := person.form(appHost, "/reset", url.Values{"link": {"1"}, "username": {"erin"}, "password": {"password"}})
	if weak.status != http.StatusBadRequest {
		t.Fatalf("a common password: %d", weak.status)
	}
	done := person.form(appHost, "/reset", url.Values{"link": {"1"}, "username": {"erin"}, "password": {"erin-chose-this-one"}})
	if done.status != http.StatusSeeOther || !leadsTo(done, prefix+"/reset", "step", "done") {
		t.Fatalf("setting the password: %d %q", done.status, done.header.Get("Location"))
	}
	h.newClient(t).login(appHost, testUser{name: "erin", password: "erin-chose-this-one"}).wantStatus(t, http.StatusOK)
	late := h.newClient(t)
	late.browse(appHost, link.RequestURI())
	if again := late.browse(appHost, prefix+"/reset?step=link"); again.status != http.StatusGone {
		t.Fatalf("a used link's page: %d", again.status)
	}

	r = admin.form(authHost, "/admin/users/erin/groups", url.Values{"groups": {"ops"}})
	if r.status != http.StatusSeeOther || !leadsTo(r, prefix+"/admin/users/erin", "done", "admin.groups_changed") {
		t.Fatalf("groups: %d %q", r.status, r.header.Get("Location"))
	}
	r = admin.form(authHost, "/admin/users/erin/force-reset", url.Values{})
	if r.wantStatus(t, http.StatusOK); !strings.Contains(string(r.body), `id="set-password-link"`) {
		t.Fatalf("force-reset shows no link:\n%s", r.body)
	}
	h.newClient(t).login(appHost, testUser{name: "erin", password: "erin-chose-this-one"}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
	admin.form(authHost, "/admin/users/erin/delete", url.Values{"confirm": {"bob"}}).wantStatus(t, http.StatusBadRequest)
	r = admin.form(authHost, "/admin/users/erin/delete", url.Values{"confirm": {"erin"}})
	if r.status != http.StatusSeeOther || !leadsTo(r, prefix+"/admin/", "done", "admin.deleted") {
		t.Fatalf("delete: %d %q", r.status, r.header.Get("Location"))
	}
	admin.browse(authHost, prefix+"/admin/users/erin").wantStatus(t, http.StatusNotFound)
}
