package auth_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// signedIn is an account's sign-in from ip: a record of the history.
func signedIn(user, ip string) *auth.AuditRecord {
	return &auth.AuditRecord{Event: "login_succeeded", Class: auth.AuditHistory, User: user, IP: ip, Attrs: map[string]string{"methods": "hwk"}}
}

// TestAuditShare: an account's history past its share (audit.account_share)
// in a window is counted, not recorded, whatever networks it comes from,
// and the window ends in one record of how many, which events, from how
// many networks (docs/contract.md, "Audit trail"); an administrator's
// action and an attempt are never counted against it.
func TestAuditShare(t *testing.T) {
	const window = time.Hour
	share := auth.AuditShare{Events: 3, Window: window}
	used := &auth.AuditRecord{Event: "passkey_used", Class: auth.AuditHistory, User: "bob", IP: "2001:db8:9::1"}
	adminAction := &auth.AuditRecord{Event: "admin_sessions_revoked", Class: auth.AuditHistory, User: "bob", IP: "192.0.2.9", Actor: "alice"}
	type step struct {
		advance time.Duration
		rec     *auth.AuditRecord
		fold    bool
		due     []string // "event user repeats events networks"
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"past the share, from new networks, counted", []step{
			{0, signedIn("bob", "2001:db8:1::1"), false, nil},
			{0, signedIn("bob", "2001:db8:2::1"), false, nil},
			{0, signedIn("bob", "2001:db8:3::1"), false, nil},
			{time.Minute, signedIn("bob", "2001:db8:4::1"), true, nil},
			{0, used, true, nil},
			{0, signedIn("bob", "2001:db8:4::2"), true, nil}, // the same /64
			{0, signedIn("carol", "2001:db8:5::1"), false, nil},
			{window, nil, false, []string{"history_counted bob 3 login_succeeded=2 passkey_used=1 2"}},
			{0, signedIn("bob", "2001:db8:6::1"), false, nil}, // a new window
		}},
		{"an administrator's actions and the attempts are not the account's", []step{
			{0, adminAction, false, nil},
			{0, refused("192.0.2.1"), false, nil},
			{0, refused("192.0.2.2"), false, nil},
			{0, refused("192.0.2.3"), false, nil},
			{0, signedIn("bob", "192.0.2.4"), false, nil},
			{0, signedIn("bob", "192.0.2.5"), false, nil},
			{0, signedIn("bob", "192.0.2.6"), false, nil},
			{0, adminAction, false, nil},
			{0, signedIn("bob", "192.0.2.7"), true, nil},
		}},
		{"a network's repeats are charged when their window ends", []step{
			{0, signedIn("bob", "192.0.2.1"), false, nil},
			{0, signedIn("bob", "192.0.2.1"), true, nil},
			{0, signedIn("bob", "192.0.2.2"), false, nil},
			{0, signedIn("bob", "192.0.2.3"), false, nil},
			{time.Minute, nil, false, nil}, // the repeat's count, past the share
			{window, nil, false, []string{"history_counted bob 1 login_succeeded=1 1"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := storetest.NewClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
			a := auth.NewAuditRepeats(time.Minute, share, 0, clock)
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
					if r.Event != auth.AuditShareEvent {
						continue // a network's repeats
					}
					got = append(got, fmt.Sprintf("%s %s %s %s %s", r.Event, r.User, r.Attrs["repeats"], r.Attrs["events"], r.Attrs["networks"]))
					if r.Class != auth.AuditHistory || r.Attrs["first"] == "" || r.Attrs["last"] == "" || sum.RequestID == "" {
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

// TestAuditShareBounded: the accounts followed at once are bounded (the
// oldest window is forgotten, its count written with the next ones
// due), as are the networks a window tells apart; Close writes the
// windows still open; a zero share counts nothing, with or without
// repeats.
func TestAuditShareBounded(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	a := auth.NewAuditRepeats(0, auth.AuditShare{Events: 1, Window: time.Hour}, 2, clock)
	for i := range 150 {
		if a.Fold(signedIn("bob", fmt.Sprintf("2001:db8:%x::1", i)), "r") != (i > 0) {
			t.Fatalf("sign-in %d of bob: folded %v", i, i == 0)
		}
	}
	a.Fold(signedIn("carol", "192.0.2.1"), "r")
	a.Fold(signedIn("dave", "192.0.2.1"), "r") // bob's window is forgotten
	sums := a.Due()
	if len(sums) != 1 || sums[0].Record.Attrs["repeats"] != "149" || sums[0].Record.Attrs["networks"] != "100+" {
		t.Fatalf("Due after bob was forgotten: %+v", sums)
	}
	if a.Fold(signedIn("bob", "192.0.2.2"), "r") {
		t.Error("bob's first record of a new window was counted")
	}
	a.Fold(signedIn("bob", "192.0.2.3"), "r")
	if sums := a.Close(); len(sums) != 1 || sums[0].Record.User != "bob" || sums[0].Record.Attrs["networks"] != "1" {
		t.Errorf("Close gave %+v, want bob's open window", sums)
	}
	for _, off := range []*auth.AuditRepeats{
		auth.NewAuditRepeats(0, auth.AuditShare{}, 0, clock),
		auth.NewAuditRepeats(time.Minute, auth.AuditShare{Window: time.Hour}, 0, clock),
	} {
		for i := range 10 {
			if off.Fold(signedIn("bob", fmt.Sprintf("192.0.2.%d", i)), "r") {
				t.Fatal("a zero share counted a record")
			}
		}
	}
}
