package gateway_test

// A script injected into a proxied app's page runs on the app's host, the
// origin the portal shares with it in proxy mode: it must not reach the
// admin console nor change a person's sign-in factors there
// (docs/contract.md, "The portal's own origin").

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// fromAppPage is a request as a script on a page of host sends it: the
// page's Origin (the app's, which the portal shares in proxy mode) and
// the person's cookies.
func fromAppPage(c *client, host, path, body string) reply {
	c.t.Helper()
	return c.do(request{method: http.MethodPost, host: host, path: prefix + path, body: strings.NewReader(body),
		contentType: "application/json", accept: "application/json", header: http.Header{"Origin": {"https://" + host}}})
}

// TestScriptOnAppHostCannotUseAdminConsole: an administrator with fresh
// proofs views an infected page of the CRM; its script calls the admin
// API on the CRM's host with the administrator's session and the CRM's
// Origin. It can neither create an administrator (a backdoor with its
// set-password link) nor issue a recovery code, nor read the accounts;
// the console's forms and pages are not served there either (a page
// goes to public_url's host). On public_url's host the console works.
func TestScriptOnAppHostCannotUseAdminConsole(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)

	backdoor := `{"username":"mallory","name":"M","email":"m@example.com","groups":["admins"]}`
	fromAppPage(admin, crmHost, "/api/admin/users", backdoor).wantError(t, http.StatusForbidden, "portal_origin_only")
	fromAppPage(admin, crmHost, "/api/admin/users/bob/recovery", `{}`).wantError(t, http.StatusForbidden, "portal_origin_only")
	fromAppPage(admin, appHost, "/api/admin/users/bob/reveal-phone", `{}`).wantError(t, http.StatusForbidden, "portal_origin_only")
	fromAppPage(admin, crmHost, "/api/admin/users/bob/delete", `{}`).wantError(t, http.StatusForbidden, "portal_origin_only")
	admin.get(crmHost, prefix+"/api/admin/users").wantError(t, http.StatusForbidden, "portal_origin_only")
	if _, err := h.users.Lookup(t.Context(), "mallory"); err == nil {
		t.Fatal("the script created an account")
	}

	// The console's forms, with the token a script reads from a portal
	// page on the same host, are refused too.
	r := admin.form(crmHost, "/admin/users", url.Values{"username": {"mallory"}, "email": {"m@example.com"}, "groups": {"admins"}})
	r.wantStatus(t, http.StatusForbidden)
	if !strings.Contains(string(r.body), "auth.example.com") {
		t.Fatalf("the refusal does not say where to go: %s", r.body)
	}
	// A browser opening the console there goes to public_url's host.
	r = admin.browse(crmHost, prefix+"/admin/users/bob?done=x")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != publicURL+prefix+"/admin/users/bob?done=x" {
		t.Fatalf("console page on an app host: %d %q", r.status, r.header.Get("Location"))
	}

	// On the portal's own host the same session does it all.
	fromAppPage(admin, authHost, "/api/admin/users", backdoor).wantStatus(t, http.StatusCreated)
	fromAppPage(admin, authHost, "/api/admin/users/bob/recovery", `{}`).wantStatus(t, http.StatusOK)
	admin.browse(authHost, prefix+"/admin/").wantStatus(t, http.StatusOK)
}

// TestScriptOnAppHostCannotChangeFactors: a person with fresh proofs
// views an infected page of the CRM; its script, with their session and
// the CRM's Origin, cannot add a passkey of its own (a software
// authenticator: the CRM's host is a passkey origin for sign-in), bind
// its authenticator app, make recovery codes, move the phone, change the
// password or end sessions. On public_url's host the same session can.
func TestScriptOnAppHostCannotChangeFactors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, withTOTP, withPasskeys)
	person := h.newClient(t)
	person.signIn(crmHost, bob)

	for _, tc := range []struct{ path, body string }{
		{"/api/passkeys/register/start", `{}`},
		{"/api/passkeys/register", `{"name":"x","credential":{}}`},
		{"/api/passkeys/remove", `{"id":"x"}`},
		{"/api/totp-app", `{}`},
		{"/api/totp-app/remove", `{}`},
		{"/api/recovery-codes", `{}`},
	} {
		fromAppPage(person, crmHost, tc.path, tc.body).wantError(t, http.StatusForbidden, "portal_origin_only")
	}
	for _, path := range []string{"/api/passkeys", "/api/totp-app", "/api/recovery-codes"} {
		person.get(crmHost, prefix+path).wantError(t, http.StatusForbidden, "portal_origin_only")
	}
	// The account page's forms, with the token a script reads from a
	// portal page on the same host.
	for _, tc := range []struct {
		path string
		vals url.Values
	}{
		{"/account/phone", url.Values{"phone": {"+12015550177"}}},
		{"/account/password", url.Values{"current": {bob.password}, "password": {"mallory-owns-this-now"}}},
		{"/account/sessions/revoke", url.Values{}},
		{"/account/totp", url.Values{}},
		{"/account/passkeys/remove", url.Values{"id": {"x"}}},
		{"/recovery-codes", url.Values{}},
	} {
		if r := person.form(crmHost, tc.path, tc.vals); r.status != http.StatusForbidden || !strings.Contains(string(r.body), "auth.example.com") {
			t.Fatalf("POST %s on the CRM's host: %d\n%s", tc.path, r.status, r.body)
		}
	}
	if n := h.sms.count(t); n != 1 {
		t.Fatalf("%d texts sent, want only the sign-in's", n)
	}
	// A browser opening the account page there goes to public_url's.
	r := person.browse(crmHost, prefix+"/account?confirm=1")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != publicURL+prefix+"/account?confirm=1&rd="+url.QueryEscape("https://"+crmHost+"/") {
		t.Fatalf("account page on an app host: %d %q", r.status, r.header.Get("Location"))
	}
	// A browser with no session on public_url's host (a host-only cookie,
	// no session.cookie_domain) signs in there and comes back to the
	// account page; a sign-in on the app's host offers no recovery codes
	// (made on public_url's host only).
	stranger := h.newClient(t)
	r = stranger.browse(authHost, strings.TrimPrefix(r.header.Get("Location"), publicURL))
	if want := prefix + "/login?rd=" + url.QueryEscape(prefix+"/account"); r.status != http.StatusSeeOther || r.header.Get("Location") != want {
		t.Fatalf("account page without a session there: %d %q, want %q", r.status, r.header.Get("Location"), want)
	}
	r = stranger.form(authHost, "/login", url.Values{"username": {bob.name}, "password": {bob.password}, "rd": {prefix + "/account"}})
	r = stranger.form(authHost, "/otp", url.Values{"code": {h.sms.code(t, bob.phone)}, "rd": {prefix + "/account"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != prefix+"/account" {
		t.Fatalf("after signing in on public_url's host: %d %q", r.status, r.header.Get("Location"))
	}
	stranger.browse(authHost, prefix+"/account").wantStatus(t, http.StatusOK)

	// On the portal's own host the same session does it.
	fromAppPage(person, authHost, "/api/passkeys/register/start", `{}`).wantStatus(t, http.StatusOK)
	fromAppPage(person, authHost, "/api/totp-app", `{}`).wantStatus(t, http.StatusOK)
	person.browse(authHost, prefix+"/account").wantStatus(t, http.StatusOK)
}
