package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// TestAuditShowsNothingPastMaxAge: a record older than
// audit.retain.max_age is never shown, though no record came since to
// trim it (docs/contract.md, "Audit trail"). Before, the memory trail
// was trimmed by age only as its class was appended to: a quiet class
// (an attempt, a month ago) was listed for as long as the gateway ran.
func TestAuditShowsNothingPastMaxAge(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Now())
	l := memstore.NewAuditLog(auth.AuditRetain{History: 100, Attempts: 100, MaxAge: time.Hour}, clock)
	for _, r := range []auth.AuditRecord{
		{Event: "login_failed", Class: auth.AuditAttempt, IP: "203.0.113.7"},
		{Event: "login_succeeded", User: "bob"},
	} {
		if err := l.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(30 * time.Minute)
	if err := l.Append(ctx, auth.AuditRecord{Event: "login_succeeded", User: "alice"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(45 * time.Minute) // the first two are now past max_age, the third is not
	for _, f := range []auth.AuditFilter{{}, {Class: auth.AuditAttempt}, {Since: clock.Now().Add(-3 * time.Hour)}} {
		recs, _, err := l.Page(ctx, f, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if clock.Now().Sub(r.Time) > time.Hour {
				t.Errorf("Page(%+v) shows %s of %v ago, past max_age 1h", f, r.Event, clock.Now().Sub(r.Time))
			}
		}
	}
	if recs, _, _ := l.Page(ctx, auth.AuditFilter{}, "", 50); len(recs) != 1 || recs[0].User != "alice" {
		t.Errorf("Page shows %+v, want alice's record only", recs)
	}
}
