package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// auditClassOf is the class of the i-th record auditClassesMerge appends:
// every third one history, the others attempts.
func auditClassOf(i int) string {
	if i%3 == 0 {
		return auth.AuditHistory
	}
	return auth.AuditAttempt
}

// auditWalk reads every page of f from cursor, limit records a page, and
// returns the events in the order read.
func auditWalk(t *testing.T, l auth.AuditLog, f auth.AuditFilter, cursor string, limit int) []auth.AuditRecord {
	t.Helper()
	var out []auth.AuditRecord
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("the cursor never ends")
		}
		recs, next, err := l.Page(context.Background(), f, cursor, limit)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recs...)
		if next == "" {
			return out
		}
		cursor = next
	}
}

// eventsOf lists the records' events.
func eventsOf(recs []auth.AuditRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Event
	}
	return out
}

// auditEvents lists "e<i>" for the i in is, in their order.
func auditEvents(is ...int) []string {
	out := make([]string, len(is))
	for k, i := range is {
		out[k] = fmt.Sprintf("e%d", i)
	}
	return out
}

// auditClassesMerge: records of both classes come back in one order,
// newest first, each with its class, through pages whose cursor
// continues exactly where the last one stopped, also when the next page
// asks for one class only; a record's ID is the cursor of what is older.
func auditClassesMerge(t *testing.T, l auth.AuditLog) {
	ctx := context.Background()
	const n = 30
	var all, history, attempts []int
	for i := range n {
		user := "alice"
		if i%2 == 1 {
			user = "bob"
		}
		r := auth.AuditRecord{Event: fmt.Sprintf("e%d", i), User: user, IP: "192.0.2.1", Class: auditClassOf(i)}
		if err := l.Append(ctx, r); err != nil {
			t.Fatal(err)
		}
		// A Redis Stream numbers its entries by the millisecond: records
		// of the two classes a millisecond apart keep their order.
		time.Sleep(2 * time.Millisecond)
		all = slices.Insert(all, 0, i)
		if auditClassOf(i) == auth.AuditHistory {
			history = slices.Insert(history, 0, i)
		} else {
			attempts = slices.Insert(attempts, 0, i)
		}
	}
	recs := auditWalk(t, l, auth.AuditFilter{}, "", 4)
	if got, want := eventsOf(recs), auditEvents(all...); !slices.Equal(got, want) {
		t.Fatalf("pages of both classes gave %v, want %v", got, want)
	}
	ids := map[string]bool{}
	for i, r := range recs {
		if want := auditClassOf(all[i]); r.Class != want {
			t.Errorf("%s has class %q, want %q", r.Event, r.Class, want)
		}
		if r.ID == "" || ids[r.ID] {
			t.Errorf("%s has the ID %q, empty or another record's", r.Event, r.ID)
		}
		ids[r.ID] = true
	}
	for _, c := range []struct {
		class string
		want  []int
	}{{auth.AuditHistory, history}, {auth.AuditAttempt, attempts}} {
		got := auditWalk(t, l, auth.AuditFilter{Class: c.class}, "", 3)
		if !slices.Equal(eventsOf(got), auditEvents(c.want...)) {
			t.Errorf("class %s gave %v, want %v", c.class, eventsOf(got), auditEvents(c.want...))
		}
	}
	// A record's ID continues after it, whatever its class.
	for _, at := range []int{15, 14} {
		r := recs[n-1-at]
		got, _, err := l.Page(ctx, auth.AuditFilter{}, r.ID, 3)
		if err != nil || !slices.Equal(eventsOf(got), auditEvents(at-1, at-2, at-3)) {
			t.Errorf("after %s (%s): %v, %v", r.Event, r.ID, eventsOf(got), err)
		}
	}
	// The cursor of a page of both classes, then the attempts only.
	first, next, err := l.Page(ctx, auth.AuditFilter{}, "", 5)
	if err != nil || !slices.Equal(eventsOf(first), auditEvents(29, 28, 27, 26, 25)) || next == "" {
		t.Fatalf("first page %v, next %q, %v", eventsOf(first), next, err)
	}
	got := auditWalk(t, l, auth.AuditFilter{Class: auth.AuditAttempt}, next, 4)
	if want := auditEvents(slices.DeleteFunc(slices.Clone(attempts), func(i int) bool { return i >= 25 })...); !slices.Equal(eventsOf(got), want) {
		t.Errorf("the attempts after the first page: %v, want %v", eventsOf(got), want)
	}
	bobs := auditWalk(t, l, auth.AuditFilter{User: "bob", Class: auth.AuditHistory}, "", 50)
	if want := auditEvents(27, 21, 15, 9, 3); !slices.Equal(eventsOf(bobs), want) {
		t.Errorf("bob's history: %v, want %v", eventsOf(bobs), want)
	}
}

// auditAttemptsApart: attempts far beyond both caps leave the history
// whole; the attempts are cut to about their own cap, the newest kept.
func auditAttemptsApart(t *testing.T, l auth.AuditLog) {
	ctx := context.Background()
	appendAs := func(event, class string) {
		t.Helper()
		if err := l.Append(ctx, auth.AuditRecord{Event: event, User: "alice", Class: class}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		appendAs(fmt.Sprintf("h%d", i), auth.AuditHistory)
	}
	const flood = 500
	for i := range flood {
		appendAs(fmt.Sprintf("a%d", i), auth.AuditAttempt)
	}
	time.Sleep(2 * time.Millisecond) // the streams' own millisecond (auditClassesMerge)
	appendAs("h3", auth.AuditHistory)
	history := auditWalk(t, l, auth.AuditFilter{Class: auth.AuditHistory}, "", 100)
	if got := eventsOf(history); !slices.Equal(got, []string{"h3", "h2", "h1", "h0"}) {
		t.Fatalf("the history after %d attempts: %v", flood, got)
	}
	attempts := auditWalk(t, l, auth.AuditFilter{Class: auth.AuditAttempt}, "", 100)
	// Redis trims a stream by whole nodes (stream-node-max-entries, 100):
	// MAXLEN ~ 10 keeps from 10 to about 110 entries.
	if len(attempts) < 10 || len(attempts) > 10+100 || attempts[0].Event != fmt.Sprintf("a%d", flood-1) {
		t.Fatalf("%d attempts kept (newest %v), want from 10 to 110, the newest first", len(attempts), eventsOf(attempts[:min(1, len(attempts))]))
	}
	both := eventsOf(auditWalk(t, l, auth.AuditFilter{}, "", 7))
	if both[0] != "h3" || !slices.Contains(both, "h0") || len(both) != len(attempts)+4 {
		t.Errorf("both classes: %d records %v…, want h3 first, h0 among them and %d", len(both), both[:min(5, len(both))], len(attempts)+4)
	}
}
