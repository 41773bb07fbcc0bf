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
	if r := h.newClient(t).browse(appHost, prefix+"/admin/"); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "/login?rd=") {
		t.Fatalf("console without a session: %d %s", r.status, r.header.Get("Location"))
	}
	bobC := h.newClient(t)
	bobC.signIn(crmHost, bob)
	if r := bobC.browse(appHost, prefix+"/admin/"); r.status != http.StatusForbidden {
		t.Fatalf("console for a non-admin: %d", r.status)
	}

	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	home := admin.browse(appHost, prefix+"/admin/?q=bo")
	home.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(home.body), `href="/_gatehouse/admin/users/bob"`) || strings.Contains(string(home.body), "users/carol") {
		t.Fatalf("search bo:\n%s", home.body)
	}
	page := admin.browse(appHost, prefix+"/admin/users/bob")
	page.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(page.body), "&#43;1 ••• ••• 0101") || strings.Contains(string(page.body), "0155501") {
		t.Fatalf("bob's page shows his phone unmasked, or not at all:\n%s", page.body)
	}
	// No CSRF token: refused before anything is done.
	admin.formRaw(appHost, "/admin/users/bob/revoke", url.Values{}).wantStatus(t, http.StatusForbidden)
	bobC.get(crmHost, "/").wantStatus(t, http.StatusOK)

	r := admin.form(appHost, "/admin/users/bob/revoke", url.Values{})
	if r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "/admin/users/bob?done=admin.revoked") {
		t.Fatalf("end every session: %d %s", r.status, r.header.Get("Location"))
	}
	bobC.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")

	r = admin.form(appHost, "/admin/users/bob/recovery", url.Values{})
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
