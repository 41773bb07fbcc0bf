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

// AuditLog is an auth.AuditLog on two Redis Streams (docs/contract.md,
// "Audit trail"): the history under prefix+"audit", the attempts under
// prefix+"audit:attempts", each with XADD MAXLEN ~ its own count, and
// every so often an XTRIM MINID ~ for the age. A page merges the two by
// stream ID. Each stream is one key, so one slot in a cluster; a page
// reads them with separate commands.
type AuditLog struct {
	client    redis.UniversalClient
	streams   [2]stream // history, attempts
	maxAge    time.Duration
	opTimeout time.Duration
}

// stream is the stream of one class.
type stream struct {
	key     string
	class   string
	maxLen  int64
	appends atomic.Uint64
	// trimmed is when this process last trimmed the stream by age (unix
	// ms, the server's clock), so that a quiet replica trims too (trimDue).
	trimmed atomic.Int64
}

var _ auth.AuditLog = (*AuditLog)(nil)

// trimEvery is how many appends to one stream go between two trims by
// age, at most.
const trimEvery = 1000

// trimInterval is the longest a stream goes untrimmed by age between
// two appends of this process (less with a max_age under it), however
// few they are: records past max_age go within it (docs/contract.md,
// "Audit trail").
const trimInterval = time.Hour

// trimDue reports whether the append that gave the stream ID at (unix
// ms) trims s by age: every trimEvery appends, and whenever the last
// trim is over trimInterval (or max_age) old.
func (l *AuditLog) trimDue(s *stream, at int64) bool {
	every := min(trimInterval, l.maxAge).Milliseconds()
	return s.appends.Add(1)%trimEvery == 1 || at-s.trimmed.Load() >= every
}

// NewAuditLog keeps the history under prefix+"audit", at most
// retain.History records (approximately), and the attempts under
// prefix+"audit:attempts", at most retain.Attempts; none older than
// retain.MaxAge.
func NewAuditLog(client redis.UniversalClient, prefix string, retain auth.AuditRetain, opTimeout time.Duration) *AuditLog {
	if opTimeout <= 0 {
		opTimeout = DefaultOpTimeout
	}
	l := &AuditLog{client: client, maxAge: retain.MaxAge, opTimeout: opTimeout}
	l.streams[0].key, l.streams[0].class, l.streams[0].maxLen = prefix+"audit", auth.AuditHistory, int64(max(1, retain.History))
	l.streams[1].key, l.streams[1].class, l.streams[1].maxLen = prefix+"audit:attempts", auth.AuditAttempt, int64(max(1, retain.Attempts))
	return l
}

// Append implements auth.AuditLog. The record's time is its stream ID's,
// the Redis server's clock, whatever r.Time says: every replica and
// operator command writes one trail, and a writer's clock that runs
// behind or ahead must not set a record before or after what it follows
// (docs/contract.md, "Audit trail"). The age trim reads the same clock.
func (l *AuditLog) Append(ctx context.Context, r auth.AuditRecord) error {
	s := &l.streams[0]
	if r.Class == auth.AuditAttempt {
		s = &l.streams[1]
	}
	r.Class = ""         // the stream says it
	r.Time = time.Time{} // the stream ID says it
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, l.opTimeout)
	defer cancel()
	id, err := l.client.XAdd(ctx, &redis.XAddArgs{Stream: s.key, MaxLen: s.maxLen, Approx: true, Values: []any{"r", b}}).Result()
	if err != nil {
		return fail("xadd", err)
	}
	if l.maxAge <= 0 {
		return nil
	}
	at, ok := streamTime(id)
	if !ok {
		return fmt.Errorf("redisstore: xadd gave the stream ID %q", id)
	}
	if l.trimDue(s, at.UnixMilli()) {
		s.trimmed.Store(at.UnixMilli())
		minID := strconv.FormatInt(at.Add(-l.maxAge).UnixMilli(), 10) + "-0"
		if err := l.client.XTrimMinIDApprox(ctx, s.key, minID, 0).Err(); err != nil {
			return fail("xtrim", err)
		}
	}
	return nil
}

// Page implements auth.AuditLog: XREVRANGE of each stream asked for, from
// the cursor, merged newest first and filtered.
func (l *AuditLog) Page(ctx context.Context, f auth.AuditFilter, cursor string, limit int) ([]auth.AuditRecord, string, error) {
	var at auditPos
	if cursor != "" {
		var ok bool
		if at, ok = parseAuditID(cursor); !ok {
			return nil, "", auth.ErrInvalidInput
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 4*l.opTimeout)
	defer cancel()
	// By this gateway's clock (the trim's is the server's).
	f = auth.AuditRetain{MaxAge: l.maxAge}.Kept(f, time.Now())
	start := "-"
	if !f.Since.IsZero() {
		start = strconv.FormatInt(f.Since.UnixMilli(), 10)
	}
	var readers []*streamReader
	for i := range l.streams {
		s := &l.streams[i]
		if f.Class != "" && f.Class != s.class {
			continue
		}
		rd := &streamReader{key: s.key, attempts: i == 1, start: start, end: "+"}
		switch {
		case cursor != "":
			rd.end = at.endFor(rd.attempts)
		case !f.Until.IsZero():
			rd.end = strconv.FormatInt(f.Until.UnixMilli(), 10)
		}
		readers = append(readers, rd)
	}
	if err := l.fill(ctx, readers); err != nil {
		return nil, "", err
	}
	var out []auth.AuditRecord
	last := ""
	for read := 0; read < auth.AuditScanLimit; read++ {
		rd, err := l.newest(ctx, readers)
		if err != nil {
			return nil, "", err
		}
		if rd == nil {
			return out, "", nil
		}
		m := rd.buf[0]
		rd.buf = rd.buf[1:]
		r, ok := decodeAudit(m, rd.attempts)
		last = r.ID
		if ok && f.Match(&r) {
			out = append(out, r)
			if len(out) == limit {
				return out, last, nil
			}
		}
	}
	return out, last, nil
}

// fill reads the first batch of every reader, in one round trip.
func (l *AuditLog) fill(ctx context.Context, readers []*streamReader) error {
	if len(readers) == 0 {
		return nil
	}
	pipe := l.client.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(readers))
	for i, rd := range readers {
		cmds[i] = pipe.XRevRangeN(ctx, rd.key, rd.end, rd.start, auditBatch)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fail("xrevrange", err)
	}
	for i, rd := range readers {
		rd.took(cmds[i].Val())
	}
	return nil
}

// newest is the reader whose next entry is the newest in the trail's
// order (auditPos), reading a reader's next batch when its last one is
// spent; nil when every reader is done.
func (l *AuditLog) newest(ctx context.Context, readers []*streamReader) (*streamReader, error) {
	var best *streamReader
	var bestPos auditPos
	for _, rd := range readers {
		if len(rd.buf) == 0 && !rd.done {
			msgs, err := l.client.XRevRangeN(ctx, rd.key, rd.end, rd.start, auditBatch).Result()
			if err != nil {
				return nil, fail("xrevrange", err)
			}
			rd.took(msgs)
		}
		if len(rd.buf) == 0 {
			continue
		}
		p, _ := parseAuditID(auditID(rd.buf[0].ID, rd.attempts))
		if best == nil || p.after(bestPos) {
			best, bestPos = rd, p
		}
	}
	return best, nil
}

// auditBatch is how many entries one XREVRANGE reads.
const auditBatch = 500

// streamReader reads one stream backwards, a batch at a time.
type streamReader struct {
	key        string
	attempts   bool // the attempts' stream
	start, end string
	buf        []redis.XMessage // read, not yet merged
	done       bool             // nothing is left past buf
}

// took keeps a batch just read and moves the reader's end past it.
func (rd *streamReader) took(msgs []redis.XMessage) {
	rd.buf = append(rd.buf, msgs...)
	if len(msgs) < auditBatch {
		rd.done = true
	}
	if len(msgs) > 0 {
		rd.end = "(" + msgs[len(msgs)-1].ID
	}
}

// decodeAudit reads a stream entry written by Append.
func decodeAudit(m redis.XMessage, attempt bool) (auth.AuditRecord, bool) {
	var r auth.AuditRecord
	v, ok := m.Values["r"].(string)
	ok = ok && json.Unmarshal([]byte(v), &r) == nil
	r.ID, r.Class = auditID(m.ID, attempt), auth.AuditHistory
	if attempt {
		r.Class = auth.AuditAttempt
	}
	at, timed := streamTime(m.ID)
	r.Time = at // the server's clock (Append)
	return r, ok && timed
}

// streamTime is the time of stream ID id ("ms-seq"): when the Redis
// server added the entry, by its clock.
func streamTime(id string) (time.Time, bool) {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	return time.UnixMilli(n).UTC(), err == nil
}

// attemptTag starts the ID of an attempt's record: the two streams number
// their entries alike, and the trail's IDs must not clash.
const attemptTag = "a"

// auditID is the record ID of stream entry id.
func auditID(id string, attempt bool) string {
	if attempt {
		return attemptTag + id
	}
	return id
}

// auditPos is a record's place in the trail's order: by stream ID, and at
// the same ID, the history's record after the attempt's.
type auditPos struct {
	ms, seq uint64
	attempt bool
	id      string // the stream ID
}

// parseAuditID reads a record ID (a stream ID, "ms-seq", tagged for an
// attempt).
func parseAuditID(s string) (auditPos, bool) {
	p := auditPos{}
	p.id, p.attempt = strings.CutPrefix(s, attemptTag)
	ms, seq, ok := strings.Cut(p.id, "-")
	if !ok {
		return p, false
	}
	var err1, err2 error
	p.ms, err1 = strconv.ParseUint(ms, 10, 64)
	p.seq, err2 = strconv.ParseUint(seq, 10, 64)
	return p, err1 == nil && err2 == nil
}

// after reports whether p comes after q: is newer in the trail.
func (p auditPos) after(q auditPos) bool {
	switch {
	case p.ms != q.ms:
		return p.ms > q.ms
	case p.seq != q.seq:
		return p.seq > q.seq
	}
	return !p.attempt && q.attempt
}

// endFor is the XREVRANGE end of one stream for the records older than
// p: an attempt at p's very stream ID is older than a history record
// there.
func (p auditPos) endFor(attempts bool) string {
	if attempts && !p.attempt {
		return p.id
	}
	return "(" + p.id
}

// AuditIDAfter reports whether the record ID a comes after b, newer in
// the trail's order (for `gatehouse audit tail -f`); an ID that is not
// one of this log's comes after none.
func AuditIDAfter(a, b string) bool {
	p, ok1 := parseAuditID(a)
	q, ok2 := parseAuditID(b)
	return ok1 && ok2 && p.after(q)
}

// String names the log for messages.
func (l *AuditLog) String() string {
	return fmt.Sprintf("redis streams %s and %s", l.streams[0].key, l.streams[1].key)
}
