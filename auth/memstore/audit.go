package memstore

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// AuditLog is an auth.AuditLog in memory: a ring of the newest records of
// each class (the history, the attempts), each of its own size, gone
// when the process ends (docs/contract.md, "Audit trail"). One sequence
// numbers the records of both, so their IDs give one order.
type AuditLog struct {
	clock  auth.Clock
	maxAge time.Duration

	mu    sync.Mutex
	rings [2]ring // history, attempts
	seq   uint64
}

// ring is the newest records of one class, oldest first.
type ring struct {
	recs []auth.AuditRecord
	max  int
}

var _ auth.AuditLog = (*AuditLog)(nil)

// NewAuditLog keeps at most retain.History records of the history and
// retain.Attempts of attempts, none older than retain.MaxAge.
func NewAuditLog(retain auth.AuditRetain, clock auth.Clock) *AuditLog {
	if clock == nil {
		clock = auth.SystemClock{}
	}
	l := &AuditLog{clock: clock, maxAge: retain.MaxAge}
	l.rings[0].max = max(1, retain.History)
	l.rings[1].max = max(1, retain.Attempts)
	return l
}

// classIndex is the ring of class c: an attempt's, or the history's.
func classIndex(c string) int {
	if c == auth.AuditAttempt {
		return 1
	}
	return 0
}

// classes are the classes by ring.
var classes = [2]string{auth.AuditHistory, auth.AuditAttempt}

// Append implements auth.AuditLog.
func (l *AuditLog) Append(_ context.Context, r auth.AuditRecord) error {
	// One clock times every record, whatever r.Time says, so that the
	// order and the times agree (docs/contract.md, "Audit trail").
	now := l.clock.Now()
	r.Time = now
	i := classIndex(r.Class)
	r.Class = classes[i]
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	r.ID = strconv.FormatUint(l.seq, 10)
	g := &l.rings[i]
	g.recs = append(g.recs, r)
	cut := max(0, len(g.recs)-g.max)
	for l.maxAge > 0 && cut < len(g.recs) && now.Sub(g.recs[cut].Time) > l.maxAge {
		cut++
	}
	if cut > 0 {
		g.recs = append(g.recs[:0], g.recs[cut:]...)
	}
	return nil
}

// Page implements auth.AuditLog: the rings read from their newest ends,
// merged by ID.
func (l *AuditLog) Page(_ context.Context, f auth.AuditFilter, cursor string, limit int) ([]auth.AuditRecord, string, error) {
	var before uint64
	if cursor != "" {
		var err error
		if before, err = strconv.ParseUint(cursor, 10, 64); err != nil {
			return nil, "", auth.ErrInvalidInput
		}
	}
	f = auth.AuditRetain{MaxAge: l.maxAge}.Kept(f, l.clock.Now())
	l.mu.Lock()
	defer l.mu.Unlock()
	// next[k] is the index of the newest record of ring k not yet read
	// (older than the cursor: IDs grow along a ring); -1 when the ring is
	// read, or not asked for.
	var next [2]int
	for k := range l.rings {
		recs := l.rings[k].recs
		next[k] = len(recs) - 1
		if before != 0 {
			next[k] = sort.Search(len(recs), func(i int) bool { return seqOf(&recs[i]) >= before }) - 1
		}
		if f.Class != "" && f.Class != classes[k] {
			next[k] = -1
		}
	}
	var out []auth.AuditRecord
	read := 0
	for {
		k, id := l.newest(next)
		if k < 0 {
			return out, "", nil
		}
		if read == auth.AuditScanLimit || len(out) == limit {
			return out, strconv.FormatUint(id+1, 10), nil
		}
		r := l.rings[k].recs[next[k]]
		next[k]--
		read++
		if f.Match(&r) {
			out = append(out, r)
		}
	}
}

// newest is the ring whose unread record is the newest, and that
// record's ID; -1 when none is left.
func (l *AuditLog) newest(next [2]int) (int, uint64) {
	best, bestID := -1, uint64(0)
	for k := range l.rings {
		if next[k] < 0 {
			continue
		}
		if id := seqOf(&l.rings[k].recs[next[k]]); best < 0 || id > bestID {
			best, bestID = k, id
		}
	}
	return best, bestID
}

// seqOf is the sequence number a record's ID holds.
func seqOf(r *auth.AuditRecord) uint64 {
	id, _ := strconv.ParseUint(r.ID, 10, 64)
	return id
}
