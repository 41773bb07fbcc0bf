package gateway_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestWrongPasswordsAreOnTheAccountsTrail: a wrong password typed for
// bob is an attempt against bob, listed among the attempts on his page of
// the console; one typed for a name no account has shows that name as
// such, never as typed (it may be a password typed in the wrong field).
// Before, a wrong password's login_failed named no one: an administrator
// looking at bob's page saw none of the guesses at his password until
// they banned him.
func TestWrongPasswordsAreOnTheAccountsTrail(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.newClient(t).login(appHost, testUser{name: bob.name, password: "not his password"}).wantStatus(t, http.StatusUnauthorized)
	h.newClient(t).login(appHost, testUser{name: "Hunter2Winter!", password: "whatever"}).wantStatus(t, http.StatusUnauthorized)
	admin := h.newClient(t)
	admin.signIn(authHost, alice)
	var detail struct {
		Attempts []auth.AuditRecord `json:"attempts"`
	}
	if err := json.Unmarshal(consoleGet(admin, "users/bob").body, &detail); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range detail.Attempts {
		found = found || r.Event == "login_failed" && r.User == bob.name
	}
	if !found {
		t.Fatalf("bob's page lists no wrong password among his attempts: %+v", detail.Attempts)
	}
	for _, r := range readTrail(t, admin, "class=attempt") {
		if r.User == "Hunter2Winter!" {
			t.Fatalf("a name no account has is on the trail as typed: %+v", r)
		}
	}
}
