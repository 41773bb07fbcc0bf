package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestDeletedNameGoesToNoSignUp: the apps behind the gateway know a
// person by the username (X-Auth-User, the assertion's sub), and keep
// their data under it. Once an administrator deleted bob, a stranger
// signed up as bob (201, a code, an account) and the legacy app handed
// them bob's records. A deleted account's name is held: a sign-up with
// it is answered exactly as one with a name an account has (the same
// 409, byte for byte, before anything is hashed or texted), so the hold
// tells nobody which names were deleted either (docs/contract.md,
// "Names of deleted accounts").
func TestDeletedNameGoesToNoSignUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	admin.api(authHost, "admin/users/bob/delete", map[string]any{}).wantStatus(t, http.StatusOK)

	signup := func(user, phone string) reply {
		return h.newClient(t).api(crmHost, "signup", map[string]string{"username": user, "email": user + "-new@example.net",
			"password": "a long unusual passphrase", "phone": phone})
	}
	sent := len(h.sms.messages(t))
	taken := signup("alice", "+12015550183") // an account has the name
	held := signup("bob", "+12015550184")    // a deleted account had it
	taken.wantError(t, http.StatusConflict, "already_exists")
	if held.status != taken.status || string(held.body) != string(taken.body) {
		t.Fatalf("a sign-up with a deleted account's name: %d %s\nwant what a taken name gets: %d %s", held.status, held.body, taken.status, taken.body)
	}
	if got := len(h.sms.messages(t)); got != sent {
		t.Errorf("%d texts sent for sign-ups refused for their name, want none", got-sent)
	}
	// Nothing of the sign-up stayed: the name is still the deleted one's.
	h.newClient(t).login(crmHost, testUser{name: "bob", password: "a long unusual passphrase"}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
}

// TestDeletedNameIsGivenOnlyExplicitly: an administrator creating an
// account with a deleted account's name gets it only by saying so
// (reuse_name in the API, the form's box; `gatehouse user add
// --reuse-name`): without it the create is refused with 409 name_held,
// which says why, and nothing is made; with it the account is made and
// its admin_user_created says reused_name. Before, the console gave the
// name to whoever was typed, and the app behind handed them the deleted
// person's data (docs/contract.md, "Names of deleted accounts").
func TestDeletedNameIsGivenOnlyExplicitly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	admin.api(authHost, "admin/users/bob/delete", map[string]any{}).wantStatus(t, http.StatusOK)

	newBob := map[string]any{"username": "bob", "email": "robert@example.com"}
	r := admin.api(authHost, "admin/users", newBob)
	r.wantError(t, http.StatusConflict, "name_held")
	if f := fields(t, r); f["username"] == nil {
		t.Errorf("name_held names no field: %s", r.body)
	}
	// The form, without its box ticked, is refused alike, says why and
	// offers the box, which it shows no one otherwise.
	if home := admin.browse(authHost, prefix+"/admin/"); strings.Contains(string(home.body), `name="reuse_name"`) {
		t.Error("the console's create form offers to reuse a name before any was refused")
	}
	page := admin.form(authHost, "/admin/users", url.Values{"username": {"bob"}, "email": {"robert@example.com"}})
	if page.status != http.StatusConflict || !strings.Contains(string(page.body), "deleted account") || !strings.Contains(string(page.body), `name="reuse_name"`) {
		t.Fatalf("the create form with a deleted account's name: %d, want 409 saying why, with the box\n%s", page.status, page.body)
	}
	if r := consoleGet(admin, "users/bob"); r.status != http.StatusNotFound {
		t.Fatalf("a refused create made the account: %d %s", r.status, r.body)
	}

	newBob["reuse_name"] = true
	admin.api(authHost, "admin/users", newBob).wantStatus(t, http.StatusCreated)
	// Given once, the name is an account's again: a second create is a
	// taken name's 409, whatever it says.
	admin.api(authHost, "admin/users", newBob).wantError(t, http.StatusConflict, "already_exists")

	events, _, err := h.auditPage(t, "admin_user_created")
	if err != nil {
		t.Fatal(err)
	}
	var reused []auth.AuditRecord
	for _, e := range events {
		if e.User == "bob" {
			reused = append(reused, e)
		}
	}
	if len(reused) != 1 || reused[0].Attrs["reused_name"] != "true" || reused[0].Actor != "alice" {
		b, _ := json.Marshal(events)
		t.Fatalf("admin_user_created of bob: %s, want one, by alice, with reused_name true", b)
	}

	// The form's box does the same.
	admin.api(authHost, "admin/users/carol/delete", map[string]any{}).wantStatus(t, http.StatusOK)
	page = admin.form(authHost, "/admin/users", url.Values{"username": {"carol"}, "email": {"carol2@example.com"}, "reuse_name": {"on"}})
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "set-password") && !strings.Contains(string(page.body), "reset?token=") {
		t.Fatalf("the create form with its box ticked: %d\n%s", page.status, page.body)
	}
}
