package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// linkToken is the token of a set-password link, as its person's browser
// would find it in the link.
func linkToken(t *testing.T, r reply) string {
	t.Helper()
	link, _ := r.jsonMap(t)["set_password_url"].(string)
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, publicURL+prefix+"/reset?token=") || u.Query().Get("token") == "" {
		t.Fatalf("set_password_url %q", link)
	}
	return u.Query().Get("token")
}

// TestAdminCreatesAnAccount: an administrator creates an account without
// a password; its person chooses one (the sign-up rules) through the
// one-time link, which then stops working; the link is never audited.
func TestAdminCreatesAnAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	erin := map[string]any{"username": "Erin", "name": "Erin Example", "email": "erin@example.com", "groups": []string{"staff"}}
	r := admin.api(authHost, "admin/users", erin)
	r.wantStatus(t, http.StatusCreated)
	if u := r.jsonMap(t)["user"].(map[string]any); u["username"] != "erin" || u["groups"].([]any)[0] != "staff" {
		t.Fatalf("created: %s", r.body)
	}
	if r.jsonMap(t)["expires_in"] != float64(72*3600) {
		t.Fatalf("expires_in: %s", r.body)
	}
	token := linkToken(t, r)
	admin.api(authHost, "admin/users", erin).wantError(t, http.StatusConflict, "already_exists")
	bad := map[string]any{"username": "x y", "email": "nope", "groups": []string{"no spaces allowed"}}
	if f := admin.api(authHost, "admin/users", bad).jsonMap(t)["error"].(map[string]any)["fields"].(map[string]any); f["username"] == nil || f["email"] == nil || f["groups"] == nil {
		t.Fatalf("bad fields: %v", f)
	}

	// No password works before the link is used, not even an empty one.
	for _, pw := range []string{"", "anything at all"} {
		h.newClient(t).login(appHost, testUser{name: "erin", password: pw}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
	}
	person := h.newClient(t)
	person.api(appHost, "reset", map[string]string{"token": token, "password": "password"}).wantError(t, http.StatusBadRequest, "invalid_input")
	person.api(appHost, "reset", map[string]string{"token": token + "x", "password": "erin-chose-this-one"}).wantError(t, http.StatusGone, "link_expired")
	person.api(appHost, "reset", map[string]string{"token": token, "password": "erin-chose-this-one"}).wantStatus(t, http.StatusOK)
	person.api(appHost, "reset", map[string]string{"token": token, "password": "erin-chose-another"}).wantError(t, http.StatusGone, "link_expired")
	h.newClient(t).login(appHost, testUser{name: "erin", password: "erin-chose-this-one"}).wantStatus(t, http.StatusOK)

	audit := consoleGet(admin, "audit?user=erin&limit=100")
	if !strings.Contains(string(audit.body), `"admin_user_created"`) || !strings.Contains(string(audit.body), `"password_set"`) ||
		!strings.Contains(string(audit.body), `"actor":"alice"`) || strings.Contains(string(audit.body), token) {
		t.Fatalf("audit: %s", audit.body)
	}

	t.Run("file backend", func(t *testing.T) {
		h := newHarness(t)
		admin := h.newClient(t)
		admin.signIn(crmHost, alice)
		admin.api(authHost, "admin/users", erin).wantError(t, http.StatusNotFound, "account_unavailable")
	})
}

// TestAdminCreatedPhoneIsProved: an account created with a phone number
// proves it at its first sign-in, even on a password-only route; once
// it has, that route asks for the password alone again.
func TestAdminCreatedPhoneIsProved(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	const phone = "+12015550188"
	r := admin.api(authHost, "admin/users", map[string]any{"username": "fay", "email": "fay@example.com", "phone": "+1 201 555 0188"})
	r.wantStatus(t, http.StatusCreated)
	h.newClient(t).api(appHost, "reset", map[string]string{"token": linkToken(t, r), "password": "fay-chose-a-long-one"}).wantStatus(t, http.StatusOK)
	fay := testUser{name: "fay", password: "fay-chose-a-long-one", phone: phone}

	first := h.newClient(t)
	if st := first.login(appHost, fay).jsonMap(t)["status"]; st != "otp_required" {
		t.Fatalf("first sign-in on a password route: %v, want otp_required (the number is unproved)", st)
	}
	first.get(appHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required") // the password alone does not do
	first.api(appHost, "otp", map[string]string{"code": h.sms.code(t, phone)}).wantStatus(t, http.StatusOK)
	first.get(appHost, "/").wantStatus(t, http.StatusOK)
	if st := h.newClient(t).login(appHost, fay).jsonMap(t)["status"]; st != "authenticated" {
		t.Fatalf("a later sign-in on a password route: %v, want authenticated", st)
	}
	first.get(appHost, "/").wantStatus(t, http.StatusOK) // proving it ended no session
}

// TestAdminLifecycleWhoMayUseIt: the account lifecycle, the lists and
// lifting a ban answer a non-admin, a stale proof, a bad bearer token and
// a foreign page as every admin endpoint does, before doing anything.
func TestAdminLifecycleWhoMayUseIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	bobC := h.newClient(t)
	bobC.signIn(crmHost, bob)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	for _, ep := range []string{"sessions", "bans", "sms"} {
		consoleGet(bobC, ep).wantError(t, http.StatusForbidden, "forbidden")
		admin.do(request{host: authHost, path: prefix + "/api/admin/" + ep, accept: "application/json",
			header: http.Header{"Authorization": {"Bearer ghadm_nope.nope"}}}).wantError(t, http.StatusUnauthorized, "invalid_token")
		consoleGet(h.newClient(t), ep).wantError(t, http.StatusUnauthorized, "unauthenticated")
	}
	for _, ep := range []string{"admin/users", "admin/users/carol/groups", "admin/users/carol/force-reset", "admin/users/carol/delete", "admin/bans/lift"} {
		body := map[string]any{"username": "zed", "email": "zed@example.com", "groups": []string{"admins"}}
		bobC.api(authHost, ep, body).wantError(t, http.StatusForbidden, "forbidden")
		rq := request{method: http.MethodPost, host: appHost, path: prefix + "/api/" + ep, body: strings.NewReader(`{}`),
			contentType: "application/json", accept: "application/json", header: http.Header{"Authorization": {"Bearer ghadm_nope.nope"}}}
		admin.do(rq).wantError(t, http.StatusUnauthorized, "invalid_token")
		rq = request{method: http.MethodPost, host: authHost, path: prefix + "/api/" + ep, body: strings.NewReader(`{}`),
			contentType: "application/json", accept: "application/json", header: http.Header{"Origin": {"https://evil.example"}}}
		admin.do(rq).wantError(t, http.StatusForbidden, "csrf_failed")
	}
	h.clock.Advance(h.cfg.Admin.MaxAuthAge + time.Second)
	admin.api(authHost, "admin/users/carol/delete", map[string]string{}).wantError(t, http.StatusUnauthorized, "step_up_required")
	consoleGet(admin, "sessions").wantError(t, http.StatusUnauthorized, "step_up_required")
	// Nothing was done.
	h.newClient(t).login(appHost, carol).wantStatus(t, http.StatusOK)
	h.newClient(t).login(appHost, testUser{name: "zed"}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
}

// TestAdminGroupsResetDelete: an administrator changes groups (never
// taking the last administrator out of admin.group), ends a password
// (sessions end, the old password fails, a link sets a new one) and
// deletes an account with its sessions and recovery codes (never the
// last administrator).
func TestAdminGroupsResetDelete(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)

	admin.api(authHost, "admin/users/alice/groups", map[string]any{"groups": []string{"staff"}}).wantError(t, http.StatusConflict, "last_admin")
	admin.api(authHost, "admin/users/alice/delete", map[string]any{}).wantError(t, http.StatusConflict, "last_admin")
	r := admin.api(authHost, "admin/users/bob/groups", map[string]any{"groups": []string{"staff", "admins", "staff"}})
	if r.wantStatus(t, http.StatusOK); !strings.Contains(string(r.body), `"groups":["staff","admins"]`) {
		t.Fatalf("groups: %s", r.body)
	}
	bobC := h.newClient(t)
	bobC.signIn(crmHost, bob)
	consoleGet(bobC, "users").wantStatus(t, http.StatusOK) // bob is an administrator now
	// With bob an administrator, alice may leave the group.
	admin.api(authHost, "admin/users/alice/groups", map[string]any{"groups": []string{"staff"}}).wantStatus(t, http.StatusOK)
	consoleGet(admin, "users").wantError(t, http.StatusForbidden, "forbidden")

	// bob ends carol's password.
	carolC := h.newClient(t)
	carolC.signIn(crmHost, carol)
	r = bobC.api(authHost, "admin/users/carol/force-reset", map[string]any{})
	r.wantStatus(t, http.StatusOK)
	token := linkToken(t, r)
	carolC.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	h.newClient(t).login(appHost, carol).wantError(t, http.StatusUnauthorized, "invalid_credentials")
	h.newClient(t).api(appHost, "reset", map[string]string{"token": token, "password": "carol-new-and-long"}).wantStatus(t, http.StatusOK)
	h.newClient(t).login(appHost, testUser{name: "carol", password: "carol-new-and-long"}).wantStatus(t, http.StatusOK)

	// carol gets recovery codes, then bob deletes her.
	carolC = h.newClient(t)
	carolC.signIn(crmHost, testUser{name: "carol", password: "carol-new-and-long", phone: carol.phone})
	carolC.api(authHost, "recovery-codes", map[string]any{}).wantStatus(t, http.StatusOK)
	bobC.api(authHost, "admin/users/carol/delete", map[string]any{}).wantStatus(t, http.StatusOK)
	carolC.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	consoleGet(bobC, "users/carol").wantError(t, http.StatusNotFound, "no_route")
	if strings.Contains(string(consoleGet(bobC, "users?q=carol").body), `"carol"`) {
		t.Fatal("carol is still listed")
	}
	// A new carol starts without the old one's recovery codes.
	bobC.api(authHost, "admin/users", map[string]any{"username": "carol", "email": "carol@example.com", "reuse_name": true}).wantStatus(t, http.StatusCreated)
	if d := consoleGet(bobC, "users/carol").jsonMap(t); d["recovery_codes_left"] != float64(0) {
		t.Fatalf("the new carol inherits recovery codes: %v", d["recovery_codes_left"])
	}
	audit := string(consoleGet(bobC, "audit?limit=200").body)
	for _, ev := range []string{"admin_groups_changed", "admin_password_reset_forced", "admin_user_deleted"} {
		if !strings.Contains(audit, `"event":"`+ev+`"`) {
			t.Errorf("audit lacks %s", ev)
		}
	}
	if strings.Contains(audit, token) {
		t.Error("a set-password token in the audit trail")
	}
	_ = auth.PasswordLinkTTL
}
