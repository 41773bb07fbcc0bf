package gateway_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestRefusedRDEndsAtThePortalsHome: a sign-in whose rd is refused (a
// host no route serves, another port, a protocol-relative path) ends
// where one without rd does, the portal's home (docs/contract.md,
// "Redirect targets", "Portal pages leave no dead ends"). Before, it
// fell back to "/" of the host asked: on public_url's host, which serves
// no app, the person signed in to a "Page not found".
func TestRefusedRDEndsAtThePortalsHome(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, rd := range []string{"https://evil.example/", "//evil.example/x", "https://app.example.com:8443/", "javascript:alert(1)"} {
		c := h.newClient(t)
		next := signInTo(t, h, c, rd)
		if r := c.browse(authHost, strings.TrimPrefix(next, publicURL)); r.status != http.StatusOK {
			t.Errorf("rd=%s: the sign-in ends on %q, which is %d", rd, next, r.status)
		}
		// Signed in, the login page sends the person on to the same.
		r := c.browse(authHost, prefix+"/login?rd="+url.QueryEscape(rd))
		if r.status != http.StatusSeeOther {
			t.Fatalf("rd=%s: the login page, signed in: %d", rd, r.status)
		}
		if got := c.browse(authHost, r.header.Get("Location")); got.status != http.StatusOK {
			t.Errorf("rd=%s: the login page, signed in, sends to %q, which is %d", rd, r.header.Get("Location"), got.status)
		}
	}
	// The sign-out page's Cancel, without rd, leads home too.
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	page := c.browse(authHost, prefix+"/logout")
	m := cancelHref.FindSubmatch(page.body)
	if m == nil {
		t.Fatalf("no Cancel on the sign-out page:\n%s", page.body)
	}
	if r := c.browse(authHost, html.UnescapeString(string(m[1]))); r.status != http.StatusOK {
		t.Errorf("the sign-out page's Cancel leads to %q, which is %d", m[1], r.status)
	}
}

var cancelHref = regexp.MustCompile(`<p class="aside"><a href="([^"]*)">`)
