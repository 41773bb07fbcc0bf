package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// trailPage is one page of GET /api/admin/audit.
type trailPage struct {
	Events []auth.AuditRecord `json:"events"`
	Next   string             `json:"next"`
}

// readTrail reads the whole kept trail through the admin API, page by
// page with its cursor, newest first.
func readTrail(t *testing.T, admin *client, query string) []auth.AuditRecord {
	t.Helper()
	var all []auth.AuditRecord
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("the audit cursor never ends")
		}
		r := consoleGet(admin, "audit?limit=50&"+query+"&cursor="+url.QueryEscape(cursor))
		r.wantStatus(t, http.StatusOK)
		var p trailPage
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Events...)
		if p.Next == "" {
			return all
		}
		cursor = p.Next
	}
}

// TestOutsiderCannotPushHistoryOutOfTheTrail: the kept audit trail is
// capped (audit.retain.events), and every wrong password and every
// refused request of a banned client was a record in it, so an outsider
// pushed the account and admin history out of the console at will: at
// 1,000 requests a second the default 100,000 records are 100 seconds.
// A takeover's password change, and what the administrators did, were
// gone before anyone looked.
func TestOutsiderCannotPushHistoryOutOfTheTrail(t *testing.T) {
	t.Parallel()
	const keep = 50
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Audit.Retain.Events = keep
	}})
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)

	// The history: bob's password changed (a takeover's first move) and
	// an administrator's action.
	victim := h.newClient(t)
	victim.signIn(crmHost, bob)
	victim.form(appHost, "/account/password", url.Values{"current": {bob.password}, "password": {"a fresh long passphrase"}}).wantStatus(t, http.StatusSeeOther)
	admin.api(appHost, "admin/users/bob/reveal-phone", map[string]string{}).wantStatus(t, http.StatusOK)

	// The flood: wrong passwords for an account and for names no account
	// has, until the client is banned, then refused; four times the cap.
	outsider := h.newClient(t)
	for i := range 4 * keep {
		name := "bob"
		if i%2 == 1 {
			name = fmt.Sprintf("nobody%d", i%5)
		}
		r := outsider.api(appHost, "login", map[string]string{"username": name, "password": "a guess"})
		if r.status != http.StatusUnauthorized && r.status != http.StatusTooManyRequests {
			t.Fatalf("attempt %d: %d %s", i, r.status, r.body)
		}
	}

	trail := readTrail(t, admin, "")
	events := map[string]int{}
	for _, r := range trail {
		events[r.Event]++
	}
	for _, want := range []string{"password_changed", "admin_phone_revealed", "login_succeeded"} {
		if events[want] == 0 {
			t.Errorf("%s was pushed out of the trail by the outsider's %d attempts (the trail holds %v)", want, 4*keep, events)
		}
	}
	if events["login_failed"] == 0 {
		t.Errorf("the attempts are not on the trail at all: %v", events)
	}

	// The account's page shows its history.
	var detail struct {
		Audit []auth.AuditRecord `json:"audit"`
	}
	if err := json.Unmarshal(consoleGet(admin, "users/bob").body, &detail); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range detail.Audit {
		seen[r.Event] = true
	}
	for _, want := range []string{"password_changed", "admin_phone_revealed"} {
		if !seen[want] {
			t.Errorf("bob's page lacks %s: %v", want, seen)
		}
	}
}
