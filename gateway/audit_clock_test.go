package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// replicaClocks is the trail as replicas behind one load balancer write
// it: each stamps a record with its own host's clock, as the log's Append
// does with a record whose time is unset; behind is how far the clock of
// the replica serving the request runs behind.
type replicaClocks struct {
	auth.AuditLog
	behind atomic.Int64 // a time.Duration
}

func (l *replicaClocks) Append(ctx context.Context, r auth.AuditRecord) error {
	if r.Time.IsZero() {
		r.Time = time.Now().Add(-time.Duration(l.behind.Load()))
	}
	return l.AuditLog.Append(ctx, r)
}

// TestSkewedReplicaCannotPredateAnAdminAction: an administrator ends
// every session of a taken-over account; the attacker, still holding
// the password, signs in again a moment later through a replica whose
// clock runs five minutes behind. The trail kept each record at its
// writer's time: the console listed the sign-in above the revoke yet
// five minutes before it, so it read as a sign-in the revoke had ended,
// and a SIEM asking for what happened since the revoke (since=) never
// got it. Every record is now timed by the trail's one clock (the Redis
// server's), so order and times agree whichever replica wrote it.
func TestSkewedReplicaCannotPredateAnAdminAction(t *testing.T) {
	t.Parallel()
	addr := testredis.Start(t)
	var trail *replicaClocks
	h := newHarness(t, setup{
		edit: func(cfg *config.Config, _ string) { cfg.Audit.RepeatWindow = 0 },
		auditLog: func(t *testing.T, cfg *config.Config) auth.AuditLog {
			client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: 2 * time.Second, OpTimeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { client.Close() })
			r := cfg.Audit.Retain
			trail = &replicaClocks{AuditLog: redisstore.NewAuditLog(client, "gatehouse-clock:", auth.AuditRetain{History: r.Events, Attempts: r.AttemptEvents, MaxAge: r.MaxAge}, time.Second)}
			return trail
		},
	})
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	attacker := h.newClient(t)
	attacker.signIn(crmHost, bob)

	admin.api(authHost, "admin/users/bob/revoke", map[string]string{}).wantStatus(t, http.StatusOK)
	trail.behind.Store(int64(5 * time.Minute)) // the next request lands on the replica behind
	attacker.signIn(crmHost, bob)

	records := readTrail(t, admin, "user=bob&class=history")
	var revoke, signIn *auth.AuditRecord
	for i := range records {
		r := &records[i]
		switch {
		case r.Event == "admin_sessions_revoked" && revoke == nil:
			revoke = r
		case r.Event == "login_succeeded" && revoke == nil && signIn == nil:
			signIn = r // the newest sign-in, listed above the revoke
		}
	}
	if revoke == nil || signIn == nil {
		t.Fatalf("the trail lacks the revoke or the sign-in after it: %+v", records)
	}
	if signIn.Time.Before(revoke.Time) {
		t.Errorf("the sign-in after the revoke is listed above it but reads %s, before the revoke at %s: it looks ended by the revoke",
			signIn.Time.Format(time.RFC3339Nano), revoke.Time.Format(time.RFC3339Nano))
	}
	since := readTrail(t, admin, "user=bob&event=login_succeeded&since="+url.QueryEscape(revoke.Time.UTC().Format(time.RFC3339Nano)))
	if len(since) == 0 {
		t.Errorf("since the revoke (%s) the trail lists no sign-in of bob", revoke.Time.Format(time.RFC3339Nano))
	}
}
