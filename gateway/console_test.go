package gateway_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// consoleGet is an admin API GET on the app host.
func consoleGet(c *client, path string) reply {
	c.t.Helper()
	return c.get(appHost, prefix+"/api/admin/"+path)
}

// TestAdminAPIWhoMayUseIt: only members of admin.group, signed in with
// both factors within admin.max_auth_age, reach the admin API; everyone
// else gets the contract's error, and a foreign page cannot post to it.
func TestAdminAPIWhoMayUseIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consoleGet(h.newClient(t), "users").wantError(t, http.StatusUnauthorized, "unauthenticated")

	bob := h.newClient(t)
	bob.signIn(crmHost, bobUser()) // both factors, not an admin
	consoleGet(bob, "users").wantError(t, http.StatusForbidden, "forbidden")

	pwdOnly := h.newClient(t)
	pwdOnly.signIn(appHost, alice) // an admin, password only
	consoleGet(pwdOnly, "users").wantError(t, http.StatusUnauthorized, "step_up_required")

	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	r := consoleGet(admin, "users")
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"username":"bob"`) || strings.Contains(string(r.body), bob2Phone) {
		t.Fatalf("users list: %s (want bob, with his phone masked)", r.body)
	}
	if r := consoleGet(admin, "users?q=carol"); !strings.Contains(string(r.body), `"carol"`) || strings.Contains(string(r.body), `"bob"`) {
		t.Fatalf("search carol: %s", r.body)
	}

	// A foreign page posting to the API is refused before anything is done.
	rq := request{method: http.MethodPost, host: appHost, path: prefix + "/api/admin/users/bob/revoke", body: strings.NewReader(`{}`),
		contentType: "application/json", accept: "application/json", header: http.Header{"Origin": {"https://evil.example"}}}
	admin.do(rq).wantError(t, http.StatusForbidden, "csrf_failed")
	bob.get(crmHost, "/").wantStatus(t, http.StatusOK)

	// Proofs older than admin.max_auth_age: step up first.
	h.clock.Advance(h.cfg.Admin.MaxAuthAge + time.Second)
	consoleGet(admin, "users").wantError(t, http.StatusUnauthorized, "step_up_required")
}

// bob2Phone is bob's number as the API must never show it.
const bob2Phone = "+12015550101"

func bobUser() testUser { return bob }

// TestAdminActions: an administrator ends another person's sessions,
// lifts a ban, and issues one-time recovery access, each kept in the
// audit trail with the acting administrator, which exports as NDJSON.
func TestAdminActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)

	victim := h.newClient(t)
	victim.signIn(crmHost, bob)
	d := consoleGet(admin, "users/bob").jsonMap(t)
	if n := len(d["sessions"].([]any)); n != 1 {
		t.Fatalf("bob's sessions: %d, want 1 (%v)", n, d)
	}
	r := admin.api(appHost, "admin/users/bob/revoke", map[string]string{})
	r.wantStatus(t, http.StatusOK)
	if r.jsonMap(t)["sessions_revoked"] != float64(1) {
		t.Fatalf("revoke: %s", r.body)
	}
	victim.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")

	// Banned by wrong passwords, bob is let in again by the administrator.
	for i := 0; i < h.cfg.Regulation.MaxFailures; i++ {
		h.newClient(t).login(appHost, testUser{name: "bob", password: "wrong password"})
	}
	h.newClient(t).login(appHost, bob).wantError(t, http.StatusTooManyRequests, "banned")
	if d := consoleGet(admin, "users/bob").jsonMap(t); d["ban"] == nil {
		t.Fatalf("bob's ban is not shown: %v", d)
	}
	if r := admin.api(appHost, "admin/users/bob/unban", map[string]string{}); r.jsonMap(t)["lifted"] != true {
		t.Fatalf("unban: %s", r.body)
	}
	h.newClient(t).login(appHost, bob).wantStatus(t, http.StatusOK)

	// One-time recovery access, after bob's password.
	r = admin.api(appHost, "admin/users/bob/recovery", map[string]string{})
	r.wantStatus(t, http.StatusOK)
	code, _ := r.jsonMap(t)["code"].(string)
	if !auth.LooksLikeRecoveryCode(code) {
		t.Fatalf("issued code %q", code)
	}
	lost := h.newClient(t)
	lost.login(crmHost, bob).wantStatus(t, http.StatusOK)
	lost.api(crmHost, "recovery", map[string]string{"code": code}).wantStatus(t, http.StatusOK)
	lost.get(crmHost, "/").wantStatus(t, http.StatusOK)

	// The audit trail has each action with its actor; NDJSON for a SIEM.
	nd := admin.do(request{host: appHost, path: prefix + "/api/admin/audit?user=bob&limit=100", accept: "application/x-ndjson"})
	nd.wantStatus(t, http.StatusOK)
	if ct := nd.header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Fatalf("Content-Type %q", ct)
	}
	seen := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(nd.body))
	for sc.Scan() {
		var rec auth.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("NDJSON line %q: %v", sc.Text(), err)
		}
		if rec.User != "bob" && rec.Actor != "bob" {
			t.Errorf("a record of %q in bob's export", rec.User)
		}
		seen[rec.Event] = rec.Actor
	}
	for _, ev := range []string{"admin_sessions_revoked", "admin_unbanned", "admin_recovery_issued"} {
		if seen[ev] != "alice" {
			t.Errorf("audit %s: actor %q, want alice (events: %v)", ev, seen[ev], seen)
		}
	}
	for _, ev := range []string{"banned", "recovery_code_used", "login_succeeded"} {
		if _, ok := seen[ev]; !ok {
			t.Errorf("audit lacks %s (events: %v)", ev, seen)
		}
	}
	if strings.Contains(string(nd.body), code) || strings.Contains(string(nd.body), bob2Phone) {
		t.Error("the audit export holds a recovery code or an unmasked phone")
	}
}

// TestAdminAccountChanges: with the redis user backend an administrator
// disables (every session ends) and enables an account and clears a phone
// binding; nobody can disable the last enabled administrator; with the
// file backend accounts are read-only here.
func TestAdminAccountChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	victim := h.newClient(t)
	victim.signIn(crmHost, bob)

	admin.api(appHost, "admin/users/bob/disable", map[string]string{}).wantStatus(t, http.StatusOK)
	victim.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	h.newClient(t).login(appHost, bob).wantError(t, http.StatusUnauthorized, "invalid_credentials")
	admin.api(appHost, "admin/users/bob/enable", map[string]string{}).wantStatus(t, http.StatusOK)
	h.newClient(t).login(appHost, bob).wantStatus(t, http.StatusOK)

	admin.api(appHost, "admin/users/bob/reset-phone", map[string]string{}).wantStatus(t, http.StatusOK)
	if d := consoleGet(admin, "users/bob").jsonMap(t); d["user"].(map[string]any)["phone"] != nil {
		t.Fatalf("bob's phone after reset-phone: %v", d["user"])
	}

	// alice is the only member of admins: she cannot disable herself.
	admin.api(appHost, "admin/users/alice/disable", map[string]string{}).wantError(t, http.StatusConflict, "last_admin")
	h.newClient(t).signIn(crmHost, alice)

	t.Run("file backend", func(t *testing.T) {
		h := newHarness(t)
		admin := h.newClient(t)
		admin.signIn(crmHost, alice)
		admin.api(appHost, "admin/users/bob/disable", map[string]string{}).wantError(t, http.StatusNotFound, "account_unavailable")
	})
}
