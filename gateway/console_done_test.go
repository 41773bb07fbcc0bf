package gateway_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleActionsSayWhatWasDone: each of the console's forms on an
// account leads back to its page saying what was done (docs/contract.md,
// "Admin console": `?done=…` says what was done). Before, voiding the
// recovery codes led back to a page that said nothing: the administrator
// could not tell the codes were void, and voided them again.
func TestConsoleActionsSayWhatWasDone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	for _, c := range []struct {
		action string
		vals   url.Values
		says   string
	}{
		{"revoke", url.Values{}, "The sessions are ended."},
		{"unban", url.Values{}, "The ban is lifted and the failures are forgotten."},
		{"void-recovery", url.Values{}, "The recovery codes are void, and the sessions they signed in ended."},
		{"groups", url.Values{"groups": {"staff"}}, "The groups are changed."},
		{"disable", url.Values{}, "The account is changed."},
		{"enable", url.Values{}, "The account is changed."},
		{"reset-phone", url.Values{}, "The account is changed."},
	} {
		r := admin.form(authHost, "/admin/users/bob/"+c.action, c.vals)
		if r.status != http.StatusSeeOther {
			t.Errorf("%s: %d, want 303", c.action, r.status)
			continue
		}
		loc, err := url.Parse(r.header.Get("Location"))
		if err != nil || loc.Path != prefix+"/admin/users/bob" {
			t.Errorf("%s leads to %q, want the account's page", c.action, r.header.Get("Location"))
			continue
		}
		page := admin.browse(authHost, loc.RequestURI())
		page.wantStatus(t, http.StatusOK)
		if body := html.UnescapeString(string(page.body)); !strings.Contains(body, `role="status"`) || !strings.Contains(body, c.says) {
			t.Errorf("after %s the account's page does not say %q", c.action, c.says)
		}
	}
}
