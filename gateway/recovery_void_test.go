package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRecoveryCodesCanBeVoided: bob's printed sheet is lost, and found
// by someone who has his password. Making a new set voids the sheet, and
// ends the sessions its codes signed in, as removing an app or a key
// does; an administrator voids the codes (the set and any issued code)
// from the console, and the sessions they signed in end. Before, a new
// set left the finder signed in until the session expired, and the
// console could not void codes at all: only `gatehouse user reset-2fa`,
// which takes every other factor too (docs/contract.md, "Recovery
// codes", "Admin console").
func TestRecoveryCodesCanBeVoided(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	owner := h.newClient(t)
	owner.signIn(crmHost, bob)
	makeSet := func() []string {
		t.Helper()
		r := owner.api(authHost, "recovery-codes", map[string]any{})
		r.wantStatus(t, http.StatusOK)
		var codes []string
		for _, v := range r.jsonMap(t)["codes"].([]any) {
			codes = append(codes, v.(string))
		}
		return codes
	}
	finderWith := func(code string) *client {
		t.Helper()
		c := h.newClient(t)
		c.login(crmHost, bob).wantStatus(t, http.StatusOK)
		c.api(crmHost, "recovery", map[string]string{"code": code}).wantStatus(t, http.StatusOK)
		c.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
		return c
	}

	// The owner makes a new set: the lost sheet's finder is signed out.
	lost := makeSet()
	finder := finderWith(lost[0])
	fresh := makeSet()
	if r := finder.get(crmHost, "/deals"); r.status == http.StatusOK {
		t.Error("a new set left signed in the session a code of the old one signed in")
	}
	owner.get(crmHost, "/deals").wantStatus(t, http.StatusOK)

	// An administrator voids the codes, the set's and an issued one.
	issued, err := h.recovery.Issue(t.Context(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	finder = finderWith(fresh[0])
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	r := admin.api(authHost, "admin/users/bob/recovery/void", map[string]any{})
	r.wantStatus(t, http.StatusOK)
	if m := r.jsonMap(t); m["status"] != "voided" {
		t.Errorf("void answers %s", r.body)
	}
	if r := finder.get(crmHost, "/deals"); r.status == http.StatusOK {
		t.Error("voiding the codes left signed in the session one of them signed in")
	}
	owner.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
	c := h.newClient(t)
	c.login(crmHost, bob).wantStatus(t, http.StatusOK)
	for _, code := range []string{fresh[1], issued} {
		c.api(crmHost, "recovery", map[string]string{"code": code}).wantError(t, http.StatusUnauthorized, "invalid_recovery_code")
	}
	if d := consoleGet(admin, "users/bob").jsonMap(t); d["recovery_codes_left"] != float64(0) {
		t.Errorf("after the void the console says %v codes left", d["recovery_codes_left"])
	}
	events, _, err := h.auditPage(t, "admin_recovery_codes_voided")
	if err != nil || len(events) != 1 || events[0].User != "bob" || events[0].Actor != "alice" {
		t.Errorf("audit of the void: %+v, %v", events, err)
	}

	// The console's page has the form too.
	again := makeSet()
	page := admin.browse(authHost, prefix+"/admin/users/bob")
	if !strings.Contains(string(page.body), `/admin/users/bob/void-recovery"`) {
		t.Error("the console's account page has no form to void the codes")
	}
	f := admin.form(authHost, "/admin/users/bob/void-recovery", url.Values{})
	if f.status != http.StatusSeeOther || !strings.Contains(f.header.Get("Location"), "done=") {
		t.Fatalf("the void form: %d %s", f.status, f.header.Get("Location"))
	}
	c.api(crmHost, "recovery", map[string]string{"code": again[0]}).wantError(t, http.StatusUnauthorized, "invalid_recovery_code")
}
