package auth_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// refused is the attempt a banned client makes, again and again.
func refused(ip string) *auth.AuditRecord {
	return &auth.AuditRecord{Event: "login_failed", Class: auth.AuditAttempt, User: "bob", IP: ip, Attrs: map[string]string{"reason": "banned"}}
}

// TestAuditRepeats: an event like one recorded less than a window ago
// is counted, not recorded, and each window with repeats ends in one
// record of how many, so a client's flood writes one record a window to
// the trail and the log (docs/contract.md, "Audit trail"); an
// administrator's action is always recorded.
func TestAuditRepeats(t *testing.T) {
	const window = time.Minute
	type step struct {
		advance time.Duration
		rec     *auth.AuditRecord
		fold    bool     // what Fold must say
		due     []string // the summaries Due must then give: "event user ip repeats"
	}
	other := refused("192.0.2.7")
	other.Attrs = map[string]string{"reason": "locked"}
	history := &auth.AuditRecord{Event: "login_succeeded", Class: auth.AuditHistory, User: "bob", IP: "192.0.2.7", Attrs: map[string]string{"methods": "hwk"}}
	// A code sent on a number alone (an attempt) and one sent after the
	// right password (history) are alike but for their class: the second
	// must not be hidden in the first's window, kept as an attempt.
	sentOnNumber := &auth.AuditRecord{Event: "otp_sent", Class: auth.AuditAttempt, User: "bob", IP: "192.0.2.7", Phone: "+1 ••• ••• 0100"}
	sentAfterPassword := &auth.AuditRecord{Event: "otp_sent", Class: auth.AuditHistory, User: "bob", IP: "192.0.2.7", Phone: "+1 ••• ••• 0100"}
	adminAction := &auth.AuditRecord{Event: "admin_sessions_revoked", Class: auth.AuditHistory, User: "bob", IP: "192.0.2.9", Actor: "alice"}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a banned client's refusals, one window", []step{
			{0, refused("192.0.2.7"), false, nil},
			{time.Second, refused("192.0.2.7"), true, nil},
			{time.Second, refused("192.0.2.7"), true, nil},
			{window, nil, false, []string{"login_failed bob 192.0.2.7 2"}},
		}},
		{"the flood goes on: one record a window", []step{
			{0, refused("192.0.2.7"), false, nil},
			{time.Second, refused("192.0.2.7"), true, nil},
			{window, refused("192.0.2.7"), true, []string{"login_failed bob 192.0.2.7 2"}},
			{window / 2, refused("192.0.2.7"), true, nil},
			{window / 2, nil, false, []string{"login_failed bob 192.0.2.7 1"}},
		}},
		{"a quiet window forgets the source", []step{
			{0, refused("192.0.2.7"), false, nil},
			{window, nil, false, nil},
			{time.Second, refused("192.0.2.7"), false, nil},
		}},
		{"another reason or address is not a repeat", []step{
			{0, refused("192.0.2.7"), false, nil},
			{0, other, false, nil},
			{0, refused("192.0.2.8"), false, nil},
			{window, nil, false, nil},
		}},
		{"the history's repeats are counted too, an administrator's action never", []step{
			{0, history, false, nil},
			{0, history, true, nil},
			{0, adminAction, false, nil},
			{0, adminAction, false, nil},
			{window, nil, false, []string{"login_succeeded bob 192.0.2.7 1"}},
		}},
		{"an attempt and the history of one event are two sources", []step{
			{0, sentOnNumber, false, nil},
			{time.Second, sentAfterPassword, false, nil},
			{window, nil, false, nil},
		}},
		{"an IPv6 client's /64 is one source", []step{
			{0, refused("2001:db8:1:2::1"), false, nil},
			{0, refused("2001:db8:1:2::99"), true, nil},
			{0, refused("2001:db8:1:3::1"), false, nil},
			{window, nil, false, []string{"login_failed bob 2001:db8:1:2::/64 1"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := storetest.NewClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
			a := auth.NewAuditRepeats(window, auth.AuditShare{}, 0, clock)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				if s.rec != nil {
					if got := a.Fold(s.rec, fmt.Sprintf("req-%d", i)); got != s.fold {
						t.Fatalf("step %d: Fold = %v, want %v", i, got, s.fold)
					}
				}
				var got []string
				for _, sum := range a.Due() {
					r := sum.Record
					got = append(got, fmt.Sprintf("%s %s %s %s", r.Event, r.User, r.IP, r.Attrs["repeats"]))
					if r.Class == "" || len(r.Attrs) != 4 || r.Attrs["first"] == "" || r.Attrs["last"] == "" || sum.RequestID == "" {
						t.Errorf("step %d: summary %+v (%q)", i, r, sum.RequestID)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(s.due) {
					t.Fatalf("step %d: Due gave %v, want %v", i, got, s.due)
				}
			}
		})
	}
}

// TestAuditRepeatsBounded: the sources followed at once are bounded; a
// new source past the bound is recorded as it comes. Close gives the
// windows still open and folds nothing after; a zero window and a nil
// AuditRepeats fold nothing.
func TestAuditRepeatsBounded(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	a := auth.NewAuditRepeats(time.Minute, auth.AuditShare{}, 2, clock)
	for _, ip := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		if a.Fold(refused(ip), "r") {
			t.Fatalf("the first attempt of %s was folded", ip)
		}
	}
	if !a.Fold(refused("192.0.2.1"), "r") || !a.Fold(refused("192.0.2.2"), "r") {
		t.Error("a source within the bound was not folded")
	}
	if a.Fold(refused("192.0.2.3"), "r") {
		t.Error("a source past the bound was folded: the bound does not hold")
	}
	sums := a.Close()
	if len(sums) != 2 || sums[0].Record.Attrs["repeats"] != "1" {
		t.Fatalf("Close gave %+v, want the two open windows", sums)
	}
	if a.Fold(refused("192.0.2.1"), "r") || len(a.Due()) != 0 || len(a.Close()) != 0 {
		t.Error("a closed AuditRepeats still folds")
	}
	if auth.NewAuditRepeats(0, auth.AuditShare{}, 0, clock).Fold(refused("192.0.2.1"), "r") {
		t.Error("a zero window folded")
	}
	var none *auth.AuditRepeats
	if none.Fold(refused("192.0.2.1"), "r") || none.Due() != nil || none.Close() != nil {
		t.Error("a nil AuditRepeats folded")
	}
}
