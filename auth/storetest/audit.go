package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// RunAudit is the conformance suite of auth.AuditLog (docs/contract.md,
// "Audit trail"): records come back newest first, a page at a time with
// a cursor that continues exactly where the last page stopped, filtered
// by user, event, address and class; the history and the attempts are
// kept under their own caps, merged into one order. newLog makes an
// empty log keeping what retain says.
func RunAudit(t *testing.T, newLog func(t *testing.T, retain auth.AuditRetain) auth.AuditLog) {
	roomy := auth.AuditRetain{History: 1000, Attempts: 1000, MaxAge: time.Hour}
	t.Run("PagesNewestFirst", func(t *testing.T) {
		l, ctx := newLog(t, roomy), context.Background()
		base := time.Now().Add(-time.Minute)
		for i := range 23 {
			user := "alice"
			if i%3 == 0 {
				user = "bob"
			}
			r := auth.AuditRecord{Time: base.Add(time.Duration(i) * time.Millisecond), Event: fmt.Sprintf("e%d", i), User: user, IP: "192.0.2.1", Attrs: map[string]string{"n": fmt.Sprint(i)}}
			if err := l.Append(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("the cursor never ends")
			}
			recs, next, err := l.Page(ctx, auth.AuditFilter{}, cursor, 5)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				seen = append(seen, r.Event)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 23 || seen[0] != "e22" || seen[22] != "e0" {
			t.Fatalf("pages gave %v, want e22 … e0", seen)
		}
		recs, _, err := l.Page(ctx, auth.AuditFilter{User: "bob"}, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 8 || recs[0].Event != "e21" || recs[0].Attrs["n"] != "21" || recs[0].ID == "" {
			t.Fatalf("bob's records: %+v", recs)
		}
		if recs, _, _ := l.Page(ctx, auth.AuditFilter{Event: "e7"}, "", 50); len(recs) != 1 || recs[0].User != "alice" {
			t.Fatalf("event e7: %+v", recs)
		}
		if recs, _, _ := l.Page(ctx, auth.AuditFilter{IP: "198.51.100.9"}, "", 50); len(recs) != 0 {
			t.Fatalf("another address: %+v", recs)
		}
		if _, _, err := l.Page(ctx, auth.AuditFilter{}, "not a cursor", 5); err == nil {
			t.Fatal("a malformed cursor was accepted")
		}
	})
	t.Run("ClassesMergeNewestFirst", func(t *testing.T) { auditClassesMerge(t, newLog(t, roomy)) })
	t.Run("AttemptsCannotPushOutTheHistory", func(t *testing.T) {
		auditAttemptsApart(t, newLog(t, auth.AuditRetain{History: 10, Attempts: 10, MaxAge: time.Hour}))
	})
	t.Run("OneClock", func(t *testing.T) { auditOneClock(t, newLog(t, roomy)) })
}
