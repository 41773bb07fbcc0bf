package gateway_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// spoofableNotices are the portal's links that name a change, each with
// what its page says once the change is made: before, anyone could send
// a signed-in person one of them, and the portal's own page said so.
var spoofableNotices = []struct{ path, says string }{
	{"/account?done=password", "Password changed."},
	{"/account?done=phone", "Your phone number has been changed."},
	{"/account?done=phone_sent", "We texted a code to the new number"},
	{"/account?done=phone_cancelled", "The change was cancelled"},
	{"/account?totp=enrolled", "Your authenticator app is set up."},
	{"/account?totp=removed", "Your authenticator app was removed."},
	{"/account?passkey=added", "Your passkey was added."},
	{"/account?passkey=removed", "The passkey was removed."},
	{"/admin/users/bob?done=admin.recovery_voided", "The recovery codes are void"},
	{"/admin/users/bob?done=admin.revoked", "The sessions are ended."},
	{"/admin/?done=admin.deleted", "The account is deleted."},
	{"/admin/sessions?done=admin.revoked", "The sessions are ended."},
	{"/admin/bans?done=admin.ban_lifted", "The ban is lifted."},
	{"/reset?step=done", "Your password has been changed"},
}

// TestChangeNoticesAreTheBrowsersOwn: a page says a change was made only
// to the browser that made it (docs/contract.md, "Notices after a
// change"). Before, a link anyone could send made the portal's own page
// tell a signed-in person "Your phone number has been changed" or "Your
// authenticator app was removed" (a phishing mail's proof, on the real
// address), and an administrator's console say an account's recovery
// codes were void or its sessions ended when nothing was done.
func TestChangeNoticesAreTheBrowsersOwn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, resetBySMS)
	victim := h.newClient(t)
	victim.signIn(crmHost, alice) // an administrator too
	says := func(c *client, path, text string) bool {
		t.Helper()
		r := c.browse(authHost, path)
		r.wantStatus(t, http.StatusOK)
		return strings.Contains(html.UnescapeString(string(r.body)), text)
	}
	for _, n := range spoofableNotices {
		if says(victim, prefix+n.path, n.says) {
			t.Errorf("%s, a link anyone can send, says %q", n.path, n.says)
		}
	}

	// The address a change of the attacker's own leads to says it to
	// the attacker's browser, and nothing in the victim's.
	attacker := h.newClient(t)
	attacker.signIn(crmHost, bob)
	r := attacker.form(authHost, "/account/phone/cancel", url.Values{})
	if r.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.status)
	}
	loc := r.header.Get("Location")
	if !says(attacker, loc, "The change was cancelled") {
		t.Errorf("%s does not say the change was cancelled to the browser that made it", loc)
	}
	if says(victim, loc, "The change was cancelled") {
		t.Errorf("%s, from another browser's change, says it was made", loc)
	}
}

var passkeyDone = regexp.MustCompile(`data-done="([^"]+)"`)

// TestPasskeyAddedNoticeIsTheBrowsersOwn: the account page's script,
// once a passkey is added, goes to the address the page gave it, which
// says so in that browser (docs/contract.md, "Notices after a change").
func TestPasskeyAddedNoticeIsTheBrowsersOwn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	page := c.browse(authHost, prefix+"/account")
	m := passkeyDone.FindSubmatch(page.body)
	if m == nil {
		t.Fatalf("no data-done on the account page:\n%s", page.body)
	}
	next := html.UnescapeString(string(m[1]))
	r := c.browse(authHost, next)
	if !strings.Contains(string(r.body), "Your passkey was added.") {
		t.Errorf("%s does not say the passkey was added", next)
	}
	if strings.Contains(string(h.newClient(t).browse(authHost, next).body), "Your passkey was added.") {
		t.Errorf("%s says the passkey was added to another browser", next)
	}
}

// TestCodeSentNoticeIsTheBrowsersOwn: the code page says a new code was
// sent only after this browser's resend (docs/contract.md, "Notices
// after a change"). Before, a link anyone could send a person midway
// through signing in (/otp?sent=1) made the portal's own page say "We
// sent a new code to …" when nothing was sent: a phishing page's cue to
// read out the code that came.
func TestCodeSentNoticeIsTheBrowsersOwn(t *testing.T) {
	t.Parallel()
	const says = "We sent a new code to"
	h := newHarness(t)
	victim := h.newClient(t)
	victim.login(crmHost, alice).wantStatus(t, http.StatusOK)
	for _, path := range []string{"/otp?sent=1", "/otp?sent=yes&rd=%2F"} {
		r := victim.browse(crmHost, prefix+path)
		r.wantStatus(t, http.StatusOK)
		if strings.Contains(string(r.body), says) {
			t.Errorf("%s, a link anyone can send, says a code was sent", path)
		}
	}

	// The browser that asked for a new code is told where it went, and
	// the address it was sent to says nothing in another browser.
	h.clock.Advance(time.Minute)
	sent := h.sms.count(t)
	r := victim.form(crmHost, "/otp/resend", url.Values{})
	r.wantStatus(t, http.StatusSeeOther)
	if h.sms.count(t) != sent+1 {
		t.Fatal("no new code sent")
	}
	loc := r.header.Get("Location")
	if !strings.Contains(string(victim.browse(crmHost, loc).body), says) {
		t.Errorf("%s does not say a code was sent to the browser that asked", loc)
	}
	other := h.newClient(t)
	other.login(crmHost, alice).wantStatus(t, http.StatusOK)
	if strings.Contains(string(other.browse(crmHost, loc).body), says) {
		t.Errorf("%s, from another browser's resend, says a code was sent", loc)
	}
}
