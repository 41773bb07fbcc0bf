package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestSignupEmailIsNeverAsserted: the email a person gives at sign-up is
// theirs to type, and Gatehouse sends no mail to prove it, so no
// upstream is told it: X-Auth-Email is empty (present, in forward-auth
// answers), the assertion's "email" is "", and /api/session says the
// same. The account page and the console show it as not verified. Once
// an administrator sets the email (vouching for it), it is asserted at
// once; an administrator's account's email always was
// (docs/contract.md, "Identity headers", "Sign-up").
func TestSignupEmailIsNeverAsserted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	victim := "cfo@corp.example"
	c.api(crmHost, "signup", map[string]string{"username": "mallory", "email": victim, "password": "a long unusual passphrase", "phone": "+1 201 555 0177", "name": "Mallory"}).
		wantStatus(t, http.StatusCreated)
	c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, "+12015550177")}).wantStatus(t, http.StatusOK)

	// Proxy mode.
	c.get(crmHost, "/").wantStatus(t, http.StatusOK)
	seen := h.up.last(t).Header
	if got, claims := seen.Get("X-Auth-Email"), h.verify(t, seen.Get("X-Auth-Assertion"), "crm"); got != "" || claims.Email != "" || claims.Subject != "mallory" {
		t.Errorf("proxy: X-Auth-Email %q, assertion email %q (sub %q); want both empty", got, claims.Email, claims.Subject)
	}
	// Forward-auth: every identity header, the email one empty.
	r := c.traefik("https", crmHost, "/", "GET", "")
	wantIdentityHeaders(t, r, map[string]string{"X-Auth-User": "mallory", "X-Auth-Email": "", "X-Auth-Name": "Mallory"})
	if claims := h.verify(t, r.header.Get("X-Auth-Assertion"), "crm"); claims.Email != "" {
		t.Errorf("forward-auth assertion email %q, want empty", claims.Email)
	}
	if s := c.get(crmHost, prefix+"/api/session").jsonMap(t); s["email"] != "" || s["user"] != "mallory" {
		t.Errorf("/api/session: %v; want email empty", s)
	}
	if page := c.browse(authHost, prefix+"/account"); !strings.Contains(string(page.body), victim) || !strings.Contains(string(page.body), "not verified") {
		t.Errorf("account page does not show the email as not verified:\n%s", page.body)
	}

	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	if u := consoleGet(admin, "users/mallory").jsonMap(t)["user"].(map[string]any); u["email"] != victim || u["email_unverified"] != true {
		t.Errorf("console user: %v; want the email with email_unverified", u)
	}
	if page := admin.browse(authHost, prefix+"/admin/users/mallory"); !strings.Contains(string(page.body), "not verified") {
		t.Errorf("console page does not say the email is not verified:\n%s", page.body)
	}

	// An administrator vouches by setting it (gatehouse user set-email):
	// the next request asserts it, with no new sign-in.
	if err := h.users.SetEmail(context.Background(), "mallory", "mallory@example.net"); err != nil {
		t.Fatal(err)
	}
	c.get(crmHost, "/").wantStatus(t, http.StatusOK)
	seen = h.up.last(t).Header
	if got, claims := seen.Get("X-Auth-Email"), h.verify(t, seen.Get("X-Auth-Assertion"), "crm"); got != "mallory@example.net" || claims.Email != got {
		t.Errorf("after set-email: X-Auth-Email %q, assertion email %q; want mallory@example.net", got, claims.Email)
	}

	// An administrator's account: its email is asserted as before.
	admin.get(crmHost, "/").wantStatus(t, http.StatusOK)
	if got := h.up.last(t).Header.Get("X-Auth-Email"); got != alice.email {
		t.Errorf("alice: X-Auth-Email %q, want %q", got, alice.email)
	}
}
