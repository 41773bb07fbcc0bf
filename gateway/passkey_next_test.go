package gateway_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// dataNext is where the portal's script sends the browser once a passkey
// signed the person in (portal.js: location.assign(box.dataset.next)).
var dataNext = regexp.MustCompile(`data-next="([^"]*)"`)

// TestPasskeySignInKeepsRD: after "Sign in with a passkey" the script
// goes on to the login page's own address for the page's rd, which sends
// the signed-in person to rd exactly as it was asked for, query and all
// (docs/contract.md, "Portal pages leave no dead ends"). Before, the
// address was written with rd not encoded: its `&` ended rd early and
// its `+` or `%2B` became a space, so the person landed elsewhere (a
// space is no redirect target: the portal's home).
func TestPasskeySignInKeepsRD(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	addr := h.srv.Listener.Addr().String()
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	for _, rd := range []string{
		"https://crm.example.com/deals?stage=won&owner=alice",
		"https://crm.example.com/search?q=a+b",
		"/deals?q=c%2B%2B&page=2",
		"/deals?next=%2Finbox%3Fa%3D1%26b%3D2",
	} {
		t.Run(rd, func(t *testing.T) {
			_, body := rawGet(t, addr, crmHost, prefix+"/login?rd="+url.QueryEscape(rd), http.Header{"Accept": {htmlAccept}})
			m := dataNext.FindSubmatch(body)
			if m == nil {
				t.Fatalf("no passkey sign-in on the login page:\n%s", body)
			}
			next := html.UnescapeString(string(m[1]))
			r := c.browse(crmHost, next)
			r.wantStatus(t, http.StatusSeeOther)
			if got := r.header.Get("Location"); got != rd {
				t.Errorf("after a passkey sign-in the script goes to %q, which sends the browser to %q, want %q", next, got, rd)
			}
		})
	}
}
