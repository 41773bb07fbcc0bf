package auth

// The two classes of the audit trail (docs/contract.md, "Audit trail"):
// what anyone can cause at will, and the history it must not displace.

// Audit classes: which part of the kept trail holds a record.
const (
	// AuditHistory is what proved something or changed something: sign-ins,
	// codes verified, account changes, administrators' actions, an
	// account's ban or lock beginning.
	AuditHistory = "history"
	// AuditAttempt is what a client causes without proving anything: a
	// wrong password or code, a refusal while banned or locked, a code
	// sent on a name or number alone, a sign-up of a taken name, a ban of
	// an address, a phone number or a name no account has.
	AuditAttempt = "attempt"
)

// attemptEvents are the events that are attempts whatever their details:
// failures and refusals. Other events are attempts when their Event says
// so (Event.Attempt).
var attemptEvents = map[string]bool{
	"login_failed":         true,
	"otp_failed":           true,
	"otp_send_failed":      true,
	"sms_budget_exhausted": true,
	"signup_taken":         true,
}

// AuditClassOf is the class of the trail that keeps e: AuditAttempt for a
// failure or refusal, or an event its source marked as one; else
// AuditHistory.
func AuditClassOf(e Event) string {
	if e.Attempt || attemptEvents[e.Name] {
		return AuditAttempt
	}
	return AuditHistory
}

// AuditClassValid reports whether c names a class, for a filter.
func AuditClassValid(c string) bool { return c == AuditHistory || c == AuditAttempt }
