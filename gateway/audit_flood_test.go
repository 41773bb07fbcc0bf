package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
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
// gone before anyone looked. Now attempts are kept apart, under their
// own cap (audit.retain.attempt_events).
func TestOutsiderCannotPushHistoryOutOfTheTrail(t *testing.T) {
	t.Parallel()
	outsiderFloods(t)
}

// TestOutsiderCannotPushHistoryOutOfTheTrailOnRedis is the same flood
// against the trail production keeps: two Redis Streams.
func TestOutsiderCannotPushHistoryOutOfTheTrailOnRedis(t *testing.T) {
	t.Parallel()
	addr := testredis.Start(t)
	outsiderFloods(t, setup{auditLog: func(t *testing.T, cfg *config.Config) auth.AuditLog {
		client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: 2 * time.Second, OpTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		r := cfg.Audit.Retain
		return redisstore.NewAuditLog(client, "gatehouse-flood:", auth.AuditRetain{History: r.Events, Attempts: r.AttemptEvents, MaxAge: r.MaxAge}, time.Second)
	}})
}

// floodKeep is the history's cap in outsiderFloods: the flood is four
// times as many attempts.
const floodKeep = 50

// outsiderFloods records history (a password change, an administrator's
// action), floods the trail with an outsider's wrong passwords and
// refused requests, and checks that the history is still on the
// console's trail and the account's page. It returns the harness and the
// administrator's client, signed in before the flood.
func outsiderFloods(t *testing.T, opts ...setup) (*harness, *client) {
	t.Helper()
	h := newHarness(t, append([]setup{withAccounts, {edit: func(cfg *config.Config, _ string) {
		cfg.Audit.Retain.Events = floodKeep
		// Every attempt recorded, as an outsider with many addresses
		// would have them: the history must hold without the counting.
		cfg.Audit.RepeatWindow = 0
	}}}, opts...)...)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)

	// The history: bob's password changed (a takeover's first move) and
	// an administrator's action.
	victim := h.newClient(t)
	victim.signIn(crmHost, bob)
	victim.form(authHost, "/account/password", url.Values{"current": {bob.password}, "password": {"a fresh long passphrase"}}).wantStatus(t, http.StatusSeeOther)
	admin.api(authHost, "admin/users/bob/reveal-phone", map[string]string{}).wantStatus(t, http.StatusOK)

	// The flood: wrong passwords for an account and for names no account
	// has, until the client is banned, then refused; four times the cap.
	outsider := h.newClient(t)
	for i := range 4 * floodKeep {
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
			t.Errorf("%s was pushed out of the trail by the outsider's %d attempts (the trail holds %v)", want, 4*floodKeep, events)
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
	return h, admin
}

// TestAttemptsApartOnTheConsole: the attempts have their own cap
// (audit.retain.attempt_events), and the console shows the two classes
// apart: the API filters by class, and the account's page and the home
// page list the history and the attempts each in its own list.
func TestAttemptsApartOnTheConsole(t *testing.T) {
	t.Parallel()
	const attemptCap = 20
	_, admin := outsiderFloods(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Audit.Retain.AttemptEvents = attemptCap
	}})
	onlyClass := func(what string, recs []auth.AuditRecord, class string) {
		t.Helper()
		for _, r := range recs {
			if r.Class != class {
				t.Errorf("%s holds %s of class %q, want %q", what, r.Event, r.Class, class)
			}
		}
	}
	attempts := readTrail(t, admin, "class=attempt")
	onlyClass("class=attempt", attempts, auth.AuditAttempt)
	if len(attempts) != attemptCap {
		t.Errorf("%d attempts kept, want the cap, %d", len(attempts), attemptCap)
	}
	history := readTrail(t, admin, "class=history")
	onlyClass("class=history", history, auth.AuditHistory)
	if len(history) == 0 || len(history) > floodKeep {
		t.Errorf("%d history records, want from 1 to %d", len(history), floodKeep)
	}
	consoleGet(admin, "audit?class=noise").wantError(t, http.StatusBadRequest, "invalid_input")

	var detail struct {
		Audit    []auth.AuditRecord `json:"audit"`
		Attempts []auth.AuditRecord `json:"attempts"`
	}
	if err := json.Unmarshal(consoleGet(admin, "users/bob").body, &detail); err != nil {
		t.Fatal(err)
	}
	onlyClass("bob's audit", detail.Audit, auth.AuditHistory)
	onlyClass("bob's attempts", detail.Attempts, auth.AuditAttempt)
	if len(detail.Attempts) == 0 {
		t.Error("bob's page lists none of the attempts against him")
	}

	home := admin.browse(authHost, prefix+"/admin/")
	home.wantStatus(t, http.StatusOK)
	page := string(home.body)
	audit, rest, ok := strings.Cut(page, `id="attempts"`)
	if !ok || !strings.Contains(audit, "admin_phone_revealed") || !strings.Contains(rest, "login_failed") {
		t.Errorf("the home page does not list the history and the attempts apart:\n%s", page)
	}
}
