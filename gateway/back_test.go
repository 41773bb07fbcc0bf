package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBackToTheCodePageAfterSigningIn: a person fully signed in who goes
// Back to the code page is sent on to where they were going, not offered
// "Send the code" (which texted a new code to someone already signed in).
func TestBackToTheCodePageAfterSigningIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	sent := h.sms.count(t)
	rd := "/deals"
	r := c.browse(crmHost, prefix+"/otp?rd="+url.QueryEscape(rd))
	if r.status != http.StatusSeeOther || r.header.Get("Location") != rd || strings.Contains(string(r.body), "Send") {
		t.Fatalf("the code page after signing in: %d %s, want a redirect to %s", r.status, r.header.Get("Location"), rd)
	}
	if h.sms.count(t) != sent {
		t.Fatal("a code was sent")
	}
}
