package auth

// An account's share of the history (docs/contract.md, "Audit trail"):
// past it, the account's history is counted, not recorded, so that
// whoever holds an account, from however many client networks, cannot
// push the rest of the history out of its cap.

import (
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AuditShare is how much of the history one account may write one record
// at a time (audit.account_share): Events records a Window, an
// administrator's actions aside; the rest of its window is counted in
// one record, AuditShareEvent. The zero AuditShare records every one.
type AuditShare struct {
	Events int
	Window time.Duration
}

// AuditShareEvent is the event of the record that counts an account's
// history past its share in a window: how many events (repeats), which
// (events, "name=count" each), from how many client networks (networks),
// the first and the last.
const AuditShareEvent = "history_counted"

// auditShareNetworks bounds the client networks an account's window tells
// apart; past it the record says "100+".
const auditShareNetworks = 100

// accountShare is one account's window.
type accountShare struct {
	user      string
	start     time.Time // when the window began
	kept      int       // records of the window recorded one by one
	n         int       // events counted past the share
	events    map[string]int
	nets      map[uint64]struct{} // the counted events' client networks, hashed
	moreNets  bool                // more than auditShareNetworks of them
	from, to  time.Time           // the first and the last counted
	requestID string              // the request of the last counted
}

// shared reports whether r counts against its account's share: a record
// of the history, of an account, not an administrator's action.
func (a *AuditRepeats) shared(r *AuditRecord) bool {
	return a.share.Events > 0 && a.share.Window > 0 && r.Class == AuditHistory && r.User != "" && r.Actor == ""
}

// charge counts r, standing for n events from from to to, against its
// account's window at now, and reports whether the account is past its
// share: r is then counted in the window's summary, not recorded. a.mu
// is held.
func (a *AuditRepeats) charge(r *AuditRecord, n int, from, to time.Time, requestID string, now time.Time) bool {
	e, ok := a.accounts[r.User]
	if !ok {
		if len(a.accounts) >= a.sources {
			a.forgetOldest(now)
		}
		e = a.byStart.PushBack(&accountShare{user: r.User, start: now})
		a.accounts[r.User] = e
	}
	s := e.Value.(*accountShare)
	if s.kept < a.share.Events {
		s.kept++
		return false
	}
	if s.n == 0 {
		s.from, s.events, s.nets = from, map[string]int{}, map[uint64]struct{}{}
	}
	s.n += n
	s.events[r.Event] += n
	s.to, s.requestID = to, requestID
	h := fnv.New64a()
	_, _ = h.Write([]byte(clientNet(r.IP))) // a hash's Write never fails
	if _, seen := s.nets[h.Sum64()]; !seen {
		if len(s.nets) < auditShareNetworks {
			s.nets[h.Sum64()] = struct{}{}
		} else {
			s.moreNets = true
		}
	}
	return true
}

// forgetOldest makes room for an account: the one whose window began
// first is forgotten, its summary (when it counted any) written with the
// next ones due. a.mu is held.
func (a *AuditRepeats) forgetOldest(now time.Time) {
	e := a.byStart.Front()
	s := e.Value.(*accountShare)
	if s.n > 0 {
		a.pending = append(a.pending, s.summary(now))
	}
	a.byStart.Remove(e)
	delete(a.accounts, s.user)
}

// dueShares returns the summaries of the accounts' windows that ended
// having counted events, and of the accounts forgotten for the bound;
// every account whose window ended is forgotten (its next record begins
// a window). a.mu is held.
func (a *AuditRepeats) dueShares(now time.Time) []AuditSummary {
	out := a.pending
	a.pending = nil
	for e := a.byStart.Front(); e != nil; e = a.byStart.Front() {
		s := e.Value.(*accountShare)
		if now.Sub(s.start) < a.share.Window {
			break
		}
		if s.n > 0 {
			out = append(out, s.summary(now))
		}
		a.byStart.Remove(e)
		delete(a.accounts, s.user)
	}
	return out
}

// summary is the record of s's window at now.
func (s *accountShare) summary(now time.Time) AuditSummary {
	events := make([]string, 0, len(s.events))
	for _, name := range slices.Sorted(maps.Keys(s.events)) {
		events = append(events, name+"="+strconv.Itoa(s.events[name]))
	}
	nets := strconv.Itoa(len(s.nets))
	if s.moreNets {
		nets += "+"
	}
	r := AuditRecord{Time: now, Event: AuditShareEvent, Class: AuditHistory, User: s.user, Attrs: map[string]string{
		"repeats":  strconv.Itoa(s.n),
		"events":   strings.Join(events, " "),
		"networks": nets,
		"first":    s.from.UTC().Format(time.RFC3339),
		"last":     s.to.UTC().Format(time.RFC3339),
	}}
	return AuditSummary{Record: r, RequestID: s.requestID}
}
