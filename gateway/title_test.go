package gateway_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

var titleRE = regexp.MustCompile(`<title>([^<]*)</title>`)

// TestErrorPagesSayErrorInTheTitle: a page showing an error starts its
// title with "Error: ", the first thing a screen reader announces; a page
// without one does not.
func TestErrorPagesSayErrorInTheTitle(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	title := func(r reply) string {
		m := titleRE.FindSubmatch(r.body)
		if m == nil {
			t.Fatalf("no title:\n%s", r.body)
		}
		return string(m[1])
	}
	ok := c.browse(appHost, prefix+"/login")
	ok.wantStatus(t, http.StatusOK)
	if got := title(ok); regexp.MustCompile(`^Error: `).MatchString(got) {
		t.Errorf("a page without an error is titled %q", got)
	}
	bad := c.form(appHost, "/login", url.Values{"username": {alice.name}, "password": {"wrong password"}})
	if got := title(bad); !regexp.MustCompile(`^Error: `).MatchString(got) {
		t.Errorf("the page of a refused login is titled %q, want Error: first", got)
	}
}

// TestNewPhoneIsNotAutofilled: the account page's "new mobile number"
// field does not offer the current number (autocomplete="off").
func TestNewPhoneIsNotAutofilled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	r := c.browse(authHost, prefix+"/account")
	r.wantStatus(t, http.StatusOK)
	if !regexp.MustCompile(`<input id="phone" name="phone" type="tel" autocomplete="off"`).Match(r.body) {
		t.Fatalf("the new-number field may be autofilled:\n%s", r.body)
	}
}
