package gateway_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/gateway"
)

// auditLines are the audit log lines logged so far.
func auditLines(t *testing.T, logs *lockedBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split([]byte(logs.String()), []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l map[string]any
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if l["msg"] == "audit" {
			out = append(out, l)
		}
	}
	return out
}

// TestRepeatedAttemptsAreCounted: every refused request of a banned
// client was a log line and a record on the trail, however many it sent.
// Now an attempt like one just recorded is counted, and each window
// (audit.repeat_window) ends in one record, and one log line, of how
// many there were: the administrator sees the count, the disk does not
// fill. The metrics still count every one.
func TestRepeatedAttemptsAreCounted(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	h := newHarness(t, setup{logger: slog.New(gateway.NewLogHandler(slog.NewJSONHandler(logs, nil)))})
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	window := h.cfg.Audit.RepeatWindow

	// Wrong passwords until bob is banned, then refused, from one client.
	const refusals = 100
	attacker := h.newClient(t)
	for range h.cfg.Regulation.MaxFailures {
		attacker.api(appHost, "login", map[string]string{"username": "bob", "password": "a guess"})
	}
	for range refusals {
		attacker.login(appHost, bob).wantError(t, http.StatusTooManyRequests, "banned")
	}
	refusedLines := func() (firsts, counts []map[string]any) {
		for _, l := range auditLines(t, logs) {
			if l["event"] == "login_failed" && l["reason"] == "banned" {
				if l["repeats"] != nil {
					counts = append(counts, l)
				} else {
					firsts = append(firsts, l)
				}
			}
		}
		return firsts, counts
	}
	if firsts, counts := refusedLines(); len(firsts) != 1 || len(counts) != 0 || firsts[0]["class"] != auth.AuditAttempt {
		t.Fatalf("%d refusals logged %d lines and %d counts, want one line of class attempt: %v", refusals, len(firsts), len(counts), firsts)
	}

	// The window ends: the next attempt's request writes its count.
	h.clock.Advance(window)
	attacker.login(appHost, bob).wantError(t, http.StatusTooManyRequests, "banned")
	_, counts := refusedLines()
	if len(counts) != 1 || counts[0]["repeats"] != strconv.Itoa(refusals) || counts[0]["request_id"] == nil || counts[0]["user"] != "bob" {
		t.Fatalf("the window's count: %v, want one line of %d repeats with a request_id", counts, refusals)
	}

	// A few more, then the gateway stops: Run writes the open window.
	for range 9 {
		attacker.login(appHost, bob).wantError(t, http.StatusTooManyRequests, "banned")
	}
	h.stopRun(t)
	if _, counts = refusedLines(); len(counts) != 2 || counts[1]["repeats"] != "9" {
		t.Fatalf("the counts after Run: %v, want a second one of 9", counts)
	}
	// Attempts after that are recorded one by one.
	attacker.login(appHost, bob).wantError(t, http.StatusTooManyRequests, "banned")
	if firsts, _ := refusedLines(); len(firsts) != 2 {
		t.Errorf("after Run ended, a refusal logged %d lines in all, want 2", len(firsts))
	}

	// The administrator sees the counts on bob's page and in the trail.
	var detail struct {
		Attempts []auth.AuditRecord `json:"attempts"`
	}
	if err := json.Unmarshal(consoleGet(admin, "users/bob").body, &detail); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, r := range detail.Attempts {
		if r.Event == "login_failed" && r.Attrs["reason"] == "banned" {
			n := 1 // one attempt, or a window's count of them
			if c, ok := r.Attrs["repeats"]; ok {
				n, _ = strconv.Atoi(c)
			}
			total += n
		}
	}
	if want := refusals + 1 + 9 + 1; total != want {
		t.Errorf("bob's attempts count %d refusals, want %d: %+v", total, want, detail.Attempts)
	}
	if got := metricValue(t, h, `gatehouse_audit_events_total{event="login_failed",reason="banned"}`); got != refusals+1+9+1 {
		t.Errorf("the metric counts %v refusals, want every one", got)
	}
}

// TestAnAccountsRepeatsAreCountedToo: the history is out of an
// outsider's reach, but anyone with an account (a self-service sign-up,
// or whoever took one over) could fill it by repeating one step at will,
// a sign-in after another, pushing a takeover's password change out. Its
// repeats are counted as attempts are: one record a window per client
// network. An administrator's action is recorded every time.
func TestAnAccountsRepeatsAreCountedToo(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	h := newHarness(t, setup{logger: slog.New(gateway.NewLogHandler(slog.NewJSONHandler(logs, nil)))})
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	const signIns = 30
	for range signIns {
		h.newClient(t).login(appHost, bob).wantStatus(t, http.StatusOK)
	}
	for range 3 {
		admin.api(authHost, "admin/users/bob/reveal-phone", map[string]string{}).wantStatus(t, http.StatusOK)
	}
	h.clock.Advance(h.cfg.Audit.RepeatWindow)
	h.newClient(t).login(appHost, bob).wantStatus(t, http.StatusOK)
	var bobs, counts, reveals int
	for _, l := range auditLines(t, logs) {
		switch {
		case l["event"] == "login_succeeded" && l["user"] == "bob" && l["repeats"] == nil:
			bobs++
		case l["event"] == "login_succeeded" && l["user"] == "bob":
			counts++
			if l["repeats"] != strconv.Itoa(signIns) || l["class"] != auth.AuditHistory {
				t.Errorf("the count of bob's sign-ins: %v, want %d repeats of the history", l, signIns)
			}
		case l["event"] == "admin_phone_revealed":
			reveals++
		}
	}
	if bobs != 1 || counts != 1 || reveals != 3 {
		t.Errorf("%d sign-ins of bob logged %d lines and %d counts, 3 reveals %d lines; want 1, 1 and 3", signIns+1, bobs, counts, reveals)
	}
}
