package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// AuditLog is an auth.AuditLog on a Redis Stream (docs/contract.md,
// "Audit trail"): XADD with MAXLEN ~ for the count, and every so often an
// XTRIM MINID ~ for the age. One key, so one slot in a cluster.
type AuditLog struct {
	client    redis.UniversalClient
	key       string
	maxLen    int64
	maxAge    time.Duration
	opTimeout time.Duration
	appends   atomic.Uint64
}

var _ auth.AuditLog = (*AuditLog)(nil)

// trimEvery is how many appends go between two trims by age.
const trimEvery = 1000

// NewAuditLog keeps the stream under prefix+"audit", at most maxRecords
// (approximately) and none older than maxAge.
func NewAuditLog(client redis.UniversalClient, prefix string, maxRecords int, maxAge, opTimeout time.Duration) *AuditLog {
	if opTimeout <= 0 {
		opTimeout = DefaultOpTimeout
	}
	return &AuditLog{client: client, key: prefix + "audit", maxLen: int64(maxRecords), maxAge: maxAge, opTimeout: opTimeout}
}

// Append implements auth.AuditLog.
func (l *AuditLog) Append(ctx context.Context, r auth.AuditRecord) error {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, l.opTimeout)
	defer cancel()
	if err := l.client.XAdd(ctx, &redis.XAddArgs{Stream: l.key, MaxLen: l.maxLen, Approx: true, Values: []any{"r", b}}).Err(); err != nil {
		return fail("xadd", err)
	}
	if l.maxAge > 0 && l.appends.Add(1)%trimEvery == 1 {
		minID := strconv.FormatInt(time.Now().Add(-l.maxAge).UnixMilli(), 10) + "-0"
		if err := l.client.XTrimMinIDApprox(ctx, l.key, minID, 0).Err(); err != nil {
			return fail("xtrim", err)
		}
	}
	return nil
}

// auditBatch is how many entries one XREVRANGE reads.
const auditBatch = 500

// Page implements auth.AuditLog: XREVRANGE from the cursor, filtered.
func (l *AuditLog) Page(ctx context.Context, f auth.AuditFilter, cursor string, limit int) ([]auth.AuditRecord, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*l.opTimeout)
	defer cancel()
	end := "+"
	if cursor != "" {
		if !validStreamID(cursor) {
			return nil, "", auth.ErrInvalidInput
		}
		end = "(" + cursor
	}
	start := "-"
	if !f.Since.IsZero() {
		start = strconv.FormatInt(f.Since.UnixMilli(), 10)
	}
	if !f.Until.IsZero() && cursor == "" {
		end = strconv.FormatInt(f.Until.UnixMilli(), 10)
	}
	var out []auth.AuditRecord
	read := 0
	for read < auth.AuditScanLimit {
		msgs, err := l.client.XRevRangeN(ctx, l.key, end, start, auditBatch).Result()
		if err != nil {
			return nil, "", fail("xrevrange", err)
		}
		for _, m := range msgs {
			read++
			r, ok := decodeAudit(m)
			if ok && f.Match(&r) {
				out = append(out, r)
				if len(out) == limit {
					return out, m.ID, nil
				}
			}
			end = "(" + m.ID
		}
		if len(msgs) < auditBatch {
			return out, "", nil
		}
	}
	return out, strings.TrimPrefix(end, "("), nil
}

// decodeAudit reads a stream entry written by Append.
func decodeAudit(m redis.XMessage) (auth.AuditRecord, bool) {
	var r auth.AuditRecord
	v, ok := m.Values["r"].(string)
	if !ok || json.Unmarshal([]byte(v), &r) != nil {
		return r, false
	}
	r.ID = m.ID
	return r, true
}

// validStreamID reports whether s is a stream id (ms-seq).
func validStreamID(s string) bool {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok {
		return false
	}
	_, err1 := strconv.ParseUint(ms, 10, 64)
	_, err2 := strconv.ParseUint(seq, 10, 64)
	return err1 == nil && err2 == nil
}

// String names the log for messages.
func (l *AuditLog) String() string { return fmt.Sprintf("redis stream %s", l.key) }
