package redisstore_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestAuditShowsNothingPastMaxAge: a record older than
// audit.retain.max_age is never shown nor exported, whether or not a trim
// has removed it yet (docs/contract.md, "Audit trail"). Before, the
// trail was trimmed by age only every thousand records a replica wrote
// of the class: on a quiet deployment, records (client addresses,
// failed sign-ins) stayed and were listed months past max_age.
func TestAuditShowsNothingPastMaxAge(t *testing.T) {
	ctx := context.Background()
	client := newClient(t, testredis.Start(t), time.Second)
	old := strconv.FormatInt(time.Now().Add(-2*time.Hour).UnixMilli(), 10) + "-0"
	for _, key := range []string{"p:audit", "p:audit:attempts"} {
		rec, _ := json.Marshal(auth.AuditRecord{Event: "left_by_an_earlier_run", User: "bob", IP: "203.0.113.7"})
		if err := client.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: old, Values: []any{"r", rec}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	l := redisstore.NewAuditLog(client, "p:", auth.AuditRetain{History: 100, Attempts: 100, MaxAge: time.Hour}, time.Second)
	for _, f := range []auth.AuditFilter{{}, {Class: auth.AuditAttempt}, {User: "bob"}, {Since: time.Now().Add(-3 * time.Hour)}} {
		recs, _, err := l.Page(ctx, f, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 0 {
			t.Errorf("Page(%+v) shows %d records two hours old, past max_age 1h: %+v", f, len(recs), recs[0])
		}
	}
}

// TestAuditTrimsByAgeOnAQuietReplica: a replica that writes few records
// still trims the trail by age, at least once per max_age (at most an
// hour), not only every thousand of its own records: the records other
// replicas wrote meanwhile, past max_age, go at its next append.
func TestAuditTrimsByAgeOnAQuietReplica(t *testing.T) {
	ctx := context.Background()
	client := newClient(t, testredis.Start(t), time.Second)
	const maxAge = time.Second
	l := redisstore.NewAuditLog(client, "p:", auth.AuditRetain{History: 1000, Attempts: 1000, MaxAge: maxAge}, time.Second)
	if err := l.Append(ctx, auth.AuditRecord{Event: "first"}); err != nil {
		t.Fatal(err)
	}
	// Another replica's records, large enough to fill several of the
	// stream's nodes (an age trim removes whole nodes).
	rec, _ := json.Marshal(auth.AuditRecord{Event: "other_replica", Attrs: map[string]string{"pad": strings.Repeat("x", 300)}})
	const others = 60
	for range others {
		if err := client.XAdd(ctx, &redis.XAddArgs{Stream: "p:audit", Values: []any{"r", rec}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(maxAge + 500*time.Millisecond)
	if err := l.Append(ctx, auth.AuditRecord{Event: "second"}); err != nil {
		t.Fatal(err)
	}
	n, err := client.XLen(ctx, "p:audit").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n > others/2 {
		t.Errorf("after max_age and an append the history stream holds %d records, of %d past max_age: not trimmed", n, others+1)
	}
}
