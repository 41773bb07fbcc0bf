package auth

import (
	"container/list"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultAuditRepeatSources is how many sources of repeated events an
// AuditRepeats follows at once (about 1 KB each).
const DefaultAuditRepeatSources = 10_000

// AuditRepeats folds repeated events (docs/contract.md, "Audit trail"):
// an event just like one recorded less than a window ago (the same
// class, event, user, client network, phone and attributes) is counted
// rather than recorded, and when the window ends one record says how
// many there were. A banned client hammering the gateway, or an account repeating
// one step (a passkey sign-in, an enrolment started), thus writes one
// record a window, to the trail and to the log, not one a request. An
// administrator's action (a record with an actor) is never folded. It
// follows at most a fixed number of sources at once; past that, an event
// of a new source is recorded as it comes. It also keeps each account to
// its share of the history (AuditShare, audit_share.go). Safe for
// concurrent use; a nil *AuditRepeats folds nothing.
type AuditRepeats struct {
	window  time.Duration
	sources int
	clock   Clock
	share   AuditShare

	mu       sync.Mutex
	open     map[string]*list.Element // of *repeat, by repeatKey
	order    *list.List               // of *repeat, by window start, oldest first
	accounts map[string]*list.Element // of *accountShare, by user
	byStart  *list.List               // of *accountShare, by window start, oldest first
	pending  []AuditSummary           // of accounts forgotten for the bound
	closed   bool
}

// repeat is one source's window.
type repeat struct {
	key       string
	first     AuditRecord // the record its window began with
	start     time.Time   // when the window began
	n         int         // attempts folded in the window
	from, to  time.Time   // the first and the last of them
	mixed     bool        // one came from another address of the network
	requestID string      // the request of the last of them
}

// AuditSummary is the record of a window's repeats, and the request id of
// the last of them (for the log line).
type AuditSummary struct {
	Record    AuditRecord
	RequestID string
}

// NewAuditRepeats folds repeats within window (0 folds nothing) and
// keeps each account to share (the zero AuditShare keeps none), following
// at most sources sources, and as many accounts, at once
// (DefaultAuditRepeatSources when not positive).
func NewAuditRepeats(window time.Duration, share AuditShare, sources int, clock Clock) *AuditRepeats {
	if sources <= 0 {
		sources = DefaultAuditRepeatSources
	}
	if clock == nil {
		clock = SystemClock{}
	}
	return &AuditRepeats{window: window, sources: sources, clock: clock, share: share,
		open: map[string]*list.Element{}, order: list.New(), accounts: map[string]*list.Element{}, byStart: list.New()}
}

// Fold reports whether r, an event of the request requestID, repeats one
// recorded less than a window ago, or is of an account past its share of
// the history: it is then counted for an AuditSummary, and must be
// neither recorded nor logged.
func (a *AuditRepeats) Fold(r *AuditRecord, requestID string) bool {
	if a == nil || r.Actor != "" || (a.window <= 0 && !a.shared(r)) {
		return false
	}
	key := repeatKey(r)
	now := a.clock.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	if e, ok := a.open[key]; ok && a.window > 0 {
		p := e.Value.(*repeat)
		if p.n == 0 {
			p.from = now
		}
		p.n++
		p.to, p.requestID = now, requestID
		p.mixed = p.mixed || r.IP != p.first.IP
		return true
	}
	// Recorded, unless its account is past its share: then counted.
	if a.shared(r) && a.charge(r, 1, now, now, requestID, now) {
		return true
	}
	if a.window > 0 && len(a.open) < a.sources {
		first := *r
		first.Attrs = maps.Clone(r.Attrs)
		a.open[key] = a.order.PushBack(&repeat{key: key, first: first, start: now})
	}
	return false
}

// Due returns the summaries of the windows that ended with repeats in
// them; those sources go on being folded in a new window, and a source
// whose window ended without any is forgotten.
func (a *AuditRepeats) Due() []AuditSummary {
	if a == nil {
		return nil
	}
	now := a.clock.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []AuditSummary
	for e := a.order.Front(); e != nil; e = a.order.Front() {
		p := e.Value.(*repeat)
		if now.Sub(p.start) < a.window {
			break
		}
		if p.n == 0 {
			a.order.Remove(e)
			delete(a.open, p.key)
			continue
		}
		out = a.appendRepeats(out, p, now)
		p.start, p.n, p.mixed = now, 0, false
		a.order.MoveToBack(e)
	}
	return append(out, a.dueShares(now)...)
}

// appendRepeats appends the summary of p's window at now to out, unless
// its account is past its share: then its repeats are counted there.
func (a *AuditRepeats) appendRepeats(out []AuditSummary, p *repeat, now time.Time) []AuditSummary {
	sum := p.summary(now)
	if a.shared(&sum.Record) && a.charge(&sum.Record, p.n, p.from, p.to, p.requestID, now) {
		return out
	}
	return append(out, sum)
}

// Close returns the summaries of every window with repeats in it, ended
// or not, and folds nothing from then on.
func (a *AuditRepeats) Close() []AuditSummary {
	if a == nil {
		return nil
	}
	now := a.clock.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []AuditSummary
	for e := a.order.Front(); e != nil; e = e.Next() {
		if p := e.Value.(*repeat); p.n > 0 {
			out = a.appendRepeats(out, p, now)
		}
	}
	out = append(out, a.pending...)
	for e := a.byStart.Front(); e != nil; e = e.Next() {
		if s := e.Value.(*accountShare); s.n > 0 {
			out = append(out, s.summary(now))
		}
	}
	a.open, a.order, a.closed = map[string]*list.Element{}, list.New(), true
	a.accounts, a.byStart, a.pending = map[string]*list.Element{}, list.New(), nil
	return out
}

// summary is the record of p's window at now: its first record again,
// with how many repeats it had and the times of the first and last; from
// more than one address of an IPv6 network, the network stands for them.
func (p *repeat) summary(now time.Time) AuditSummary {
	r := p.first
	r.ID, r.Time = "", now
	r.Attrs = maps.Clone(p.first.Attrs)
	if r.Attrs == nil {
		r.Attrs = map[string]string{}
	}
	r.Attrs["repeats"] = strconv.Itoa(p.n)
	r.Attrs["first"] = p.from.UTC().Format(time.RFC3339)
	r.Attrs["last"] = p.to.UTC().Format(time.RFC3339)
	if p.mixed {
		r.IP = clientNet(r.IP)
	}
	return AuditSummary{Record: r, RequestID: p.requestID}
}

// repeatKey names r's source: what two records must share to be one
// event repeated. A client's IPv6 addresses count as its /64, as
// regulation counts them. The class is part of it: an event of the
// history is never kept in the window of an attempt alike but for it
// (a code sent after the password, after one sent on the number alone),
// where the attempts' flood would push it out.
func repeatKey(r *AuditRecord) string {
	var b strings.Builder
	for _, s := range []string{r.Class, r.Event, r.User, clientNet(r.IP), r.Phone, r.Actor} {
		b.WriteString(s)
		b.WriteByte(0)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Attrs)) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(r.Attrs[k])
		b.WriteByte(0)
	}
	return b.String()
}
