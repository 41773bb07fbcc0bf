package gateway_test

import (
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
	page = c.browse(crmHost, prefix+"/account?rd="+url.QueryEscape(rd))
	if !strings.Contains(string(page.body), `<a href="`+rd+`">Back to Acme CRM</a>`) {
		t.Fatalf("account page: no link back to the app\n%s", page.body)
	}
	// Without rd, the app at / of the host.
	page = c.browse(crmHost, prefix+"/account")
	if !strings.Contains(string(page.body), `<a href="/">Back to Acme CRM</a>`) {
		t.Fatalf("account page without rd: no link back to the app\n%s", page.body)
	}
}
