package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// auditOneClock: the trail keeps every record at the time the log's own
// clock gives it (on Redis, the server's), whatever the clock of the
// replica or operator command that wrote it says (docs/contract.md,
// "Audit trail"). Before, a record kept the writer's time: a sign-in
// through a replica whose clock ran five minutes behind came after an
// administrator's action in the trail's order, yet read five minutes
// before it, and a filter since the action left it out.
func auditOneClock(t *testing.T, l auth.AuditLog) {
	ctx := context.Background()
	start := time.Now()
	writes := []struct {
		event string
		clock time.Duration // how far the writer's clock is off; 0: the log sets the time
	}{
		{"admin_sessions_revoked", 0},
		{"login_succeeded", -5 * time.Minute}, // a replica whose clock runs behind
		{"passkey_used", 5 * time.Minute},     // one whose clock runs ahead
		{"logout", 0},
	}
	for _, w := range writes {
		r := auth.AuditRecord{Event: w.event, User: "bob", IP: "192.0.2.7"}
		if w.clock != 0 {
			r.Time = time.Now().Add(w.clock)
		}
		if err := l.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	end := time.Now()

	trail := auditWalk(t, l, auth.AuditFilter{User: "bob"}, "", 50)
	if got, want := eventsOf(trail), []string{"logout", "passkey_used", "login_succeeded", "admin_sessions_revoked"}; !slices.Equal(got, want) {
		t.Fatalf("the trail reads %v, want %v", got, want)
	}
	for i, r := range trail {
		if r.Time.Before(start.Add(-time.Second)) || r.Time.After(end.Add(time.Second)) {
			t.Errorf("%s reads %s, written between %s and %s: the writer's clock, not the trail's", r.Event, r.Time.Format(time.RFC3339Nano), start.Format(time.RFC3339Nano), end.Format(time.RFC3339Nano))
		}
		if i > 0 && r.Time.After(trail[i-1].Time) {
			t.Errorf("%s reads %s, after %s at %s that the trail shows as newer", r.Event, r.Time.Format(time.RFC3339Nano), trail[i-1].Event, trail[i-1].Time.Format(time.RFC3339Nano))
		}
	}
	action := trail[len(trail)-1]
	since := auditWalk(t, l, auth.AuditFilter{User: "bob", Since: action.Time}, "", 50)
	if got, want := eventsOf(since), eventsOf(trail); !slices.Equal(got, want) {
		t.Errorf("since the administrator's action (%s) the trail lists %v, want %v", action.Time.Format(time.RFC3339Nano), got, want)
	}
}
