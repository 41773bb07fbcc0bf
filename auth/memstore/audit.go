package memstore

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// AuditLog is an auth.AuditLog in memory: a ring of the newest records,
// gone when the process ends (docs/contract.md, "Audit trail").
type AuditLog struct {
	clock  auth.Clock
	maxAge time.Duration

	mu   sync.Mutex
	ring []auth.AuditRecord // oldest first
	max  int
	seq  uint64
}

var _ auth.AuditLog = (*AuditLog)(nil)

// NewAuditLog keeps at most maxRecords records, none older than maxAge.
func NewAuditLog(maxRecords int, maxAge time.Duration, clock auth.Clock) *AuditLog {
	if clock == nil {
		clock = auth.SystemClock{}
	}
	return &AuditLog{clock: clock, maxAge: maxAge, max: max(1, maxRecords)}
}

// Append implements auth.AuditLog.
func (l *AuditLog) Append(_ context.Context, r auth.AuditRecord) error {
	now := l.clock.Now()
	if r.Time.IsZero() {
		r.Time = now
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	r.ID = strconv.FormatUint(l.seq, 10)
	l.ring = append(l.ring, r)
	cut := max(0, len(l.ring)-l.max)
	for l.maxAge > 0 && cut < len(l.ring) && now.Sub(l.ring[cut].Time) > l.maxAge {
		cut++
	}
	if cut > 0 {
		l.ring = append(l.ring[:0], l.ring[cut:]...)
	}
	return nil
}

// Page implements auth.AuditLog.
func (l *AuditLog) Page(_ context.Context, f auth.AuditFilter, cursor string, limit int) ([]auth.AuditRecord, string, error) {
	var before uint64
	if cursor != "" {
		var err error
		if before, err = strconv.ParseUint(cursor, 10, 64); err != nil {
			return nil, "", auth.ErrInvalidInput
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []auth.AuditRecord
	read := 0
	for i := len(l.ring) - 1; i >= 0; i-- {
		r := l.ring[i]
		id, _ := strconv.ParseUint(r.ID, 10, 64)
		if before != 0 && id >= before {
			continue
		}
		if read == auth.AuditScanLimit || len(out) == limit {
			return out, strconv.FormatUint(id+1, 10), nil
		}
		read++
		if f.Match(&r) {
			out = append(out, r)
		}
	}
	return out, "", nil
}
