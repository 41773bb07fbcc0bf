package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// consoleGet is an admin API GET on the portal's own host.
func consoleGet(c *client, path string) reply {
	c.t.Helper()
	return c.get(authHost, prefix+"/api/admin/"+path)
}

// TestAdminAPIWhoMayUseIt: only members of admin.group, signed in with
// both factors within admin.max_auth_age, reach the admin API; everyone
// else gets the contract's error, and a foreign page cannot post to it.
func TestAdminAPIWhoMayUseIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consoleGet(h.newClient(t), "users").wantError(t, http.StatusUnauthorized, "unauthenticated")

	bob := h.newClient(t)
	bob.signIn(crmHost, bobAccount) // both factors, not an admin
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
	rq := request{method: http.MethodPost, host: authHost, path: prefix + "/api/admin/users/bob/revoke", body: strings.NewReader(`{}`),
		contentType: "application/json", accept: "application/json", header: http.Header{"Origin": {"https://evil.example"}}}
	admin.do(rq).wantError(t, http.StatusForbidden, "csrf_failed")
	bob.get(crmHost, "/").wantStatus(t, http.StatusOK)

	// Proofs older than admin.max_auth_age: step up first.
	h.clock.Advance(h.cfg.Admin.MaxAuthAge + time.Second)
	consoleGet(admin, "users").wantError(t, http.StatusUnauthorized, "step_up_required")
}

// bob2Phone is bob's number as the API must never show it.
const bob2Phone = "+12015550101"

// bobAccount is bob, where a local variable shadows the name.
var bobAccount = bob

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
	r := admin.api(authHost, "admin/users/bob/revoke", map[string]string{})
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
	if r := admin.api(authHost, "admin/users/bob/unban", map[string]string{}); r.jsonMap(t)["lifted"] != true {
		t.Fatalf("unban: %s", r.body)
	}
	h.newClient(t).login(appHost, bob).wantStatus(t, http.StatusOK)

	// One-time recovery access, after bob's password.
	r = admin.api(authHost, "admin/users/bob/recovery", map[string]string{})
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
	nd := admin.do(request{host: authHost, path: prefix + "/api/admin/audit?user=bob&limit=100", accept: "application/x-ndjson"})
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
// binding; nobody can disable the last administrator who can sign in; with the
// file backend accounts are read-only here.
func TestAdminAccountChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	victim := h.newClient(t)
	victim.signIn(crmHost, bob)

	admin.api(authHost, "admin/users/bob/disable", map[string]string{}).wantStatus(t, http.StatusOK)
	victim.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	h.newClient(t).login(appHost, bob).wantError(t, http.StatusUnauthorized, "invalid_credentials")
	admin.api(authHost, "admin/users/bob/enable", map[string]string{}).wantStatus(t, http.StatusOK)
	h.newClient(t).login(appHost, bob).wantStatus(t, http.StatusOK)

	admin.api(authHost, "admin/users/bob/reset-phone", map[string]string{}).wantStatus(t, http.StatusOK)
	if d := consoleGet(admin, "users/bob").jsonMap(t); d["user"].(map[string]any)["phone"] != nil {
		t.Fatalf("bob's phone after reset-phone: %v", d["user"])
	}

	// alice is the only member of admins: she cannot disable herself.
	admin.api(authHost, "admin/users/alice/disable", map[string]string{}).wantError(t, http.StatusConflict, "last_admin")
	h.newClient(t).signIn(crmHost, alice)

	t.Run("file backend", func(t *testing.T) {
		h := newHarness(t)
		admin := h.newClient(t)
		admin.signIn(crmHost, alice)
		admin.api(authHost, "admin/users/bob/disable", map[string]string{}).wantError(t, http.StatusNotFound, "account_unavailable")
	})
}

// TestAdminBearerTokens: a token from `gatehouse admin token create`
// reaches the admin API, and nothing else (not the portal, not the apps);
// a wrong, revoked or expired one is 401 invalid_token, even with an
// administrator's cookie beside it; its actions are audited as the token.
func TestAdminBearerTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tokens := auth.NewAdminTokens(h.store, h.signer.DeriveKey("admin-token"), h.clock)
	token, err := tokens.Create(context.Background(), "ci", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(c *client, host, path, tok string) reply {
		return c.do(request{host: host, path: path, accept: "application/json", header: http.Header{"Authorization": {"Bearer " + tok}}})
	}
	c := h.newClient(t)
	bearer(c, appHost, prefix+"/api/admin/users", token).wantStatus(t, http.StatusOK)
	r := c.do(request{method: http.MethodPost, host: appHost, path: prefix + "/api/admin/users/bob/unban", body: strings.NewReader(`{}`),
		contentType: "application/json", accept: "application/json", header: http.Header{"Authorization": {"Bearer " + token}}})
	r.wantStatus(t, http.StatusOK)
	recs, _, err := h.auditPage(t, "admin_unbanned")
	if err != nil || len(recs) != 1 || recs[0].Actor != "token:ci" {
		t.Fatalf("audit of the token's action: %+v, %v", recs, err)
	}

	// Not a session: the apps and the portal do not know it.
	bearer(c, crmHost, "/", token).wantError(t, http.StatusUnauthorized, "unauthenticated")
	bearer(c, appHost, prefix+"/api/session", token).wantError(t, http.StatusUnauthorized, "unauthenticated")

	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	for _, bad := range []string{token + "x", "ghadm_ci." + strings.Repeat("A", 43), "not a token"} {
		bearer(admin, appHost, prefix+"/api/admin/users", bad).wantError(t, http.StatusUnauthorized, "invalid_token")
	}
	if ok, err := tokens.Revoke(context.Background(), "ci"); err != nil || !ok {
		t.Fatal(ok, err)
	}
	bearer(c, appHost, prefix+"/api/admin/users", token).wantError(t, http.StatusUnauthorized, "invalid_token")
	short, err := tokens.Create(context.Background(), "short", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(2 * time.Minute)
	bearer(c, appHost, prefix+"/api/admin/users", short).wantError(t, http.StatusUnauthorized, "invalid_token")
}

// auditPage reads the kept audit records of event, as the admin
// API does.
func (h *harness) auditPage(t *testing.T, event string) ([]auth.AuditRecord, string, error) {
	t.Helper()
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	r := consoleGet(admin, "audit?event="+event)
	var out struct {
		Events []auth.AuditRecord `json:"events"`
		Next   string             `json:"next"`
	}
	err := json.Unmarshal(r.body, &out)
	return out.Events, out.Next, err
}

// TestAdminSMSBudget: the admin API says how much of otp.budget the
// current windows used, per day and per allowed country.
func TestAdminSMSBudget(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
		cfg.OTP.AllowedCountries = []string{"US", "GB"}
		cfg.OTP.Budget.PerDay = 100
		cfg.OTP.Budget.PerCountryPerHour = 50
	}})
	for range 3 {
		h.newClient(t).api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
	}
	admin := h.newClient(t)
	admin.signIn(crmHost, alice) // a send after a proof: not the anonymous budget
	r := consoleGet(admin, "sms")
	r.wantStatus(t, http.StatusOK)
	var out struct {
		Budget []struct {
			Scope    string `json:"scope"`
			Used     int    `json:"used"`
			Limit    int    `json:"limit"`
			ResetsIn int    `json:"resets_in"`
		} `json:"budget"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int{}
	for _, b := range out.Budget {
		got[b.Scope] = [2]int{b.Used, b.Limit}
		if b.Used > 0 && b.ResetsIn <= 0 {
			t.Errorf("%s: used with no window: %+v", b.Scope, b)
		}
	}
	// bob's reset codes (his number is in the US) counted; GB untouched.
	if got["day"] != [2]int{3, 100} || got["country:US"] != [2]int{3, 50} || got["country:GB"] != [2]int{0, 50} {
		t.Fatalf("budget use %v (%s)", got, r.body)
	}
}

// TestAdminRevealPhone: the whole number is shown only on asking, and
// the asking is audited with the administrator.
func TestAdminRevealPhone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	if strings.Contains(string(consoleGet(admin, "users/bob").body), bob2Phone) {
		t.Fatal("the detail shows bob's number unmasked")
	}
	r := admin.api(authHost, "admin/users/bob/reveal-phone", map[string]string{})
	if r.jsonMap(t)["phone"] != bob2Phone {
		t.Fatalf("reveal: %s", r.body)
	}
	recs, _, err := h.auditPage(t, "admin_phone_revealed")
	if err != nil || len(recs) != 1 || recs[0].Actor != "alice" || recs[0].User != "bob" {
		t.Fatalf("audit of the reveal: %+v, %v", recs, err)
	}
	if strings.Contains(fmt.Sprint(recs), bob2Phone) {
		t.Error("the audit record holds the number it revealed")
	}
}
