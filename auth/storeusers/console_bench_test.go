package storeusers

// Benchmarks of the admin console's lists at size (docs/contract.md,
// "Admin console"; docs/performance.md, "Admin console lists"): a page
// of 50 of 100,000 accounts, a search over them, and a page of 1,000,000
// audit events on a private Redis, each beside a plain SCAN or XREVRANGE
// of the same data in the same run. Only `go test -bench Console` loads
// the data (a plain `go test` runs no benchmark); GATEHOUSE_BENCH_USERS
// and GATEHOUSE_BENCH_EVENTS make it smaller.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

const benchPrefix = "bench:"

func benchSize(env string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

// loadUsers writes n account records, their email claims, "user:all",
// the index and the admins' group set, in pipelines of 1,000.
func loadUsers(b *testing.B, c redis.UniversalClient, n int) {
	ctx := context.Background()
	const batch = 1000
	for i := 0; i < n; i += batch {
		p := c.Pipeline()
		for j := i; j < min(n, i+batch); j++ {
			name := fmt.Sprintf("user%06d", j)
			r := record{
				Username: name, DisplayName: fmt.Sprintf("Person %d", j), Email: name + "@example.com",
				Phone: fmt.Sprintf("+1201555%04d", j%10000), Password: "$2a$04$abcdefghijklmnopqrstuuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a",
				Created: time.Now().Unix(), Generation: "g" + name,
			}
			if j%1000 == 0 {
				r.Groups = []string{"admins"}
			}
			v, err := json.Marshal(&r) //nolint:gosec // a test record's hash
			if err != nil {
				b.Fatal(err)
			}
			p.Set(ctx, benchPrefix+recKey(name), v, 0)
			p.Set(ctx, benchPrefix+emailKey(r.Email), name, 0)
			p.SAdd(ctx, benchPrefix+allKey, name)
			p.ZAdd(ctx, benchPrefix+indexKey, redis.Z{Member: name})
			for _, g := range r.Groups {
				p.SAdd(ctx, benchPrefix+groupKey(g), name)
			}
		}
		if _, err := p.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.Set(ctx, benchPrefix+indexBuilt, "1", 0).Err(); err != nil {
		b.Fatal(err)
	}
}

// loadAudit appends n audit records to the stream, as AuditLog.Append
// writes them, in pipelines of 5,000.
func loadAudit(b *testing.B, c redis.UniversalClient, n int) {
	ctx := context.Background()
	const batch = 5000
	events := []string{"login_succeeded", "login_failed", "otp_sent", "otp_verified", "logout"}
	start := time.Now().Add(-time.Duration(n) * time.Millisecond)
	for i := 0; i < n; i += batch {
		p := c.Pipeline()
		for j := i; j < min(n, i+batch); j++ {
			r := auth.AuditRecord{
				Time: start.Add(time.Duration(j) * time.Millisecond), Event: events[j%len(events)],
				User: fmt.Sprintf("user%06d", j%100000), IP: "198.51.100." + strconv.Itoa(j%250), Phone: "+1 ••• ••• 0100",
			}
			v, err := json.Marshal(r)
			if err != nil {
				b.Fatal(err)
			}
			p.XAdd(ctx, &redis.XAddArgs{Stream: benchPrefix + "audit", Values: []any{"r", v}})
		}
		if _, err := p.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConsoleLists times one page of 50 of each console list at
// size, beside the plain Redis read of 50 of the same data.
func BenchmarkConsoleLists(b *testing.B) {
	users := benchSize("GATEHOUSE_BENCH_USERS", 100_000)
	events := benchSize("GATEHOUSE_BENCH_EVENTS", 1_000_000)
	srv := testredis.NewServer(b)
	client, err := redisstore.NewClient(config.Redis{Addrs: []string{srv.Addr}, DialTimeout: time.Second, OpTimeout: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = client.Close() })
	began := time.Now()
	loadUsers(b, client, users)
	loadAudit(b, client, events)
	b.Logf("loaded %d accounts and %d audit events in %v", users, events, time.Since(began).Round(time.Millisecond))
	ctx := context.Background()
	st := redisstore.New(client, benchPrefix, 5*time.Second)
	be := New(st, "")
	audit := redisstore.NewAuditLog(client, benchPrefix, auth.AuditRetain{History: events, Attempts: events}, 5*time.Second)
	rng := rand.New(rand.NewPCG(1, 2))
	cursor := func() string { return fmt.Sprintf("user%06d", rng.IntN(users)) }
	var ids []string
	for _, m := range client.XRevRangeN(ctx, benchPrefix+"audit", "+", "-", 10_000).Val() {
		ids = append(ids, m.ID)
	}

	b.Run("users-page", func(b *testing.B) {
		for b.Loop() {
			page, _, err := be.Page(ctx, cursor(), 50)
			if err != nil || len(page) == 0 {
				b.Fatal(len(page), err)
			}
		}
	})
	b.Run("users-page-baseline-scan", func(b *testing.B) {
		for b.Loop() {
			if err := client.Scan(ctx, 0, benchPrefix+RecordKeyPrefix+"*", 50).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A query that matches nothing reads the whole bound (SearchScanLimit
	// records): the slowest page a search can take.
	b.Run("users-search-nomatch", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := be.Search(ctx, "nobody-is-called-this", cursor(), 50); err != nil {
				b.Fatal(err)
			}
		}
	})
	// One account in ten matches "person 1".
	b.Run("users-search-common", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := be.Search(ctx, "person 1", cursor(), 50); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("audit-page", func(b *testing.B) {
		for b.Loop() {
			recs, _, err := audit.Page(ctx, auth.AuditFilter{}, ids[rng.IntN(len(ids))], 50)
			if err != nil || len(recs) != 50 {
				b.Fatal(len(recs), err)
			}
		}
	})
	// A filter that matches nothing reads the whole bound
	// (auth.AuditScanLimit records).
	b.Run("audit-page-rare-filter", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := audit.Page(ctx, auth.AuditFilter{User: "nobody"}, ids[rng.IntN(len(ids))], 50); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("audit-page-baseline-xrevrange", func(b *testing.B) {
		for b.Loop() {
			if err := client.XRevRangeN(ctx, benchPrefix+"audit", "("+ids[rng.IntN(len(ids))], "-", 50).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
