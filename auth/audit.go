package auth

import (
	"context"
	"time"
)

// AuditRecord is one audit event as it is kept (docs/contract.md, "Audit
// trail"): never a password, code, session id or token; the phone masked.
type AuditRecord struct {
	// ID is assigned by the log, ordered by time; it is also the cursor
	// of the records older than it.
	ID    string    `json:"id"`
	Time  time.Time `json:"time,omitzero"`
	Event string    `json:"event"`
	// Class is AuditHistory or AuditAttempt (AuditClassOf): which part of
	// the trail keeps the record, each under its own cap.
	Class string            `json:"class"`
	User  string            `json:"user,omitempty"`
	IP    string            `json:"ip,omitempty"`
	Phone string            `json:"phone,omitempty"` // masked
	Actor string            `json:"actor,omitempty"` // the administrator who acted
	Attrs map[string]string `json:"attrs,omitempty"` // reason, methods, purpose, …
}

// AuditFilter selects audit records; zero fields match everything.
type AuditFilter struct {
	User, Event, IP string
	// Class is AuditHistory or AuditAttempt; "" matches both.
	Class        string
	Since, Until time.Time
}

// Match reports whether r passes f.
func (f AuditFilter) Match(r *AuditRecord) bool {
	switch {
	case f.User != "" && r.User != f.User && r.Actor != f.User:
		return false
	case f.Event != "" && r.Event != f.Event:
		return false
	case f.Class != "" && r.Class != f.Class:
		return false
	case f.IP != "" && r.IP != f.IP:
		return false
	case !f.Since.IsZero() && r.Time.Before(f.Since):
		return false
	case !f.Until.IsZero() && r.Time.After(f.Until):
		return false
	}
	return true
}

// AuditLog keeps audit records for the admin console and export, capped
// by count and age (audit.retain): the history and the attempts each
// under its own count, so that attempts, which anyone can make at will,
// never push the history out (docs/contract.md, "Audit trail").
// memstore and redisstore implement it.
type AuditLog interface {
	// Append keeps r with the records of its Class (AuditAttempt, or
	// else the history); the log sets its ID and its Time, by the log's
	// one clock (on Redis, the server's), whatever r.Time says: the
	// writers' clocks (replicas, operator commands) may disagree, and a
	// record must never read as before one it follows (docs/contract.md,
	// "Audit trail").
	Append(ctx context.Context, r AuditRecord) error
	// Page returns up to limit records matching f, newest first, older
	// than cursor ("" for the newest), and the cursor of the next page
	// ("" when there is none): both classes merged into one order, each
	// record with its Class. A page may hold fewer than limit records and
	// still have a next one: a page reads a bounded number of records.
	Page(ctx context.Context, f AuditFilter, cursor string, limit int) ([]AuditRecord, string, error)
}

// AuditRetain bounds the kept audit trail (audit.retain): each class by
// its own count, both by age.
type AuditRetain struct {
	History  int           // records of the history kept (audit.retain.events)
	Attempts int           // records of attempts kept (audit.retain.attempt_events)
	MaxAge   time.Duration // none older (audit.retain.max_age); 0: any age
}

// Kept narrows f to the records r keeps at now: none older than MaxAge,
// whether a trim removed them yet or not (docs/contract.md, "Audit
// trail"). A store's age trim runs now and then; what it has not reached
// is never shown nor exported.
func (r AuditRetain) Kept(f AuditFilter, now time.Time) AuditFilter {
	if oldest := now.Add(-r.MaxAge); r.MaxAge > 0 && f.Since.Before(oldest) {
		f.Since = oldest
	}
	return f
}

// AuditScanLimit bounds how many records one Page reads to fill a
// filtered page, so that a rare filter over a million records answers in
// bounded time; the cursor continues where it stopped.
const AuditScanLimit = 5000
