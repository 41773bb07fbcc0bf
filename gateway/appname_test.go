package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestSignInNamesTheApp: the login page names the app of rd by its
// route's display_name (portal.app_name without one), and the account
// page links back to it by that name (docs/contract.md, "Portal pages").
func TestSignInNamesTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
		for i := range cfg.Routes {
			if cfg.Routes[i].Name == "crm" {
				cfg.Routes[i].DisplayName = "Acme CRM"
			}
		}
	}})
	c := h.newClient(t)
	rd := "https://" + crmHost + "/deals"
	page := c.browse(crmHost, prefix+"/login?rd="+url.QueryEscape(rd))
	if !strings.Contains(string(page.body), "Sign in to continue to Acme CRM.") {
		t.Fatalf("login page for the crm:\n%s", page.body)
	}
	if page := c.browse(appHost, prefix+"/login"); !strings.Contains(string(page.body), "Sign in to continue to "+h.cfg.Portal.AppName+".") {
		t.Fatalf("login page for a route without display_name:\n%s", page.body)
	}
	c.signIn(crmHost, alice)
	page = c.browse(authHost, prefix+"/account?rd="+url.QueryEscape(rd))
	if !strings.Contains(string(page.body), `<a href="`+rd+`">Back to Acme CRM</a>`) {
		t.Fatalf("account page: no link back to the app\n%s", page.body)
	}
	// Opened on the app's host without rd: public_url's account page,
	// back to the app at / of that host.
	r := c.browse(crmHost, prefix+"/account")
	if want := publicURL + prefix + "/account?rd=" + url.QueryEscape("https://"+crmHost+"/"); r.status != http.StatusSeeOther || r.header.Get("Location") != want {
		t.Fatalf("account page on the app's host: %d %q, want %q", r.status, r.header.Get("Location"), want)
	}
	page = c.browse(authHost, strings.TrimPrefix(r.header.Get("Location"), publicURL))
	if !strings.Contains(string(page.body), `<a href="https://`+crmHost+`/">Back to Acme CRM</a>`) {
		t.Fatalf("account page without rd: no link back to the app\n%s", page.body)
	}
}
