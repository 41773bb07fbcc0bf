package auth

// Who a login step comes from, and what the login service tells its
// observer: audit events and counts (docs/contract.md, "Logs and audit").

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"
)

// Client is who a login step comes from: the address (from trusted hops
// only) and the user agent, kept on the session for the account page.
type Client struct {
	IP        string // client address, as the trusted hops give it
	UserAgent string // User-Agent header as sent
	// Origin is the origin (scheme://host[:port]) of the page that sent
	// the request, where the gateway knows it: passkey ceremonies are
	// bound to it ("" starts none).
	Origin string
	// Devices are the known-device cookies the request carried, as sent,
	// in their order (none: nil; docs/contract.md, "Known devices"). A
	// browser may send several under the name (one a sibling subdomain
	// set, under a longer path, comes first): each is tried.
	Devices []string
}

// maxAgent bounds the User-Agent a session keeps, in bytes.
const maxAgent = 200

// stamp records c in sess: its address, and its User-Agent as
// ShownAgent keeps it.
func (c Client) stamp(sess *Session) {
	sess.IP, sess.Agent = c.IP, ShownAgent(c.UserAgent, maxAgent)
}

// ShownAgent is a User-Agent as a session keeps it and the portal and
// the console show it: valid UTF-8 without the characters a display name
// may not hold (breaksName: controls, bidi embeddings, overrides and
// isolates, line separators), cut between characters to at most n
// bytes. Whoever signs in chooses it (docs/contract.md, "Admin console").
func ShownAgent(ua string, n int) string {
	ua = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || breaksName(r) {
			return -1
		}
		return r
	}, ua)
	if len(ua) > n {
		i := n
		for i > 0 && !utf8.RuneStart(ua[i]) {
			i--
		}
		ua = ua[:i]
	}
	return ua
}

// Event is an audit event of the login service (docs/contract.md, "Logs
// and audit"). Phone is in E.164; whoever records it masks it.
type Event struct {
	Name  string // login_failed, login_succeeded, otp_sent, …
	User  string // the account, "" when unknown
	Phone string // E.164, "" when none
	Attrs []any  // key/value pairs: reason, methods, purpose, …
	// Err is the error the event is about, if any: the observer names it
	// as the event's reason, with the code clients see for it.
	Err error
	// Attempt says the client proved nothing for it (a code sent on a
	// name or number alone, a ban of an address): the trail keeps it
	// with the attempts, apart from the history (AuditClassOf).
	Attempt bool
}

// Observer receives the login service's audit events and counts: the
// gateway logs and counts them. Every method must be cheap and safe for
// concurrent use.
type Observer interface {
	// Audit records an audit event of client c.
	Audit(ctx context.Context, c Client, e Event)
	// Password counts a password step: "password" (accepted) or "failed".
	Password(result string)
	// Code counts a code event: "sent", "failed" or "verified".
	Code(event string)
	// Ban counts a new ban or lock.
	Ban()
}

// auditChange audits e, a change of an account already written, with
// how many sessions its follow-up ended and, when the follow-up failed
// (the store, the client gone), its error as the reason: a change is on
// the trail once it is written, whatever fails after (docs/contract.md,
// "Audit trail").
func (l *Login) auditChange(ctx context.Context, c Client, e Event, revoked int, err error) {
	e.Attrs = append(e.Attrs, "sessions_revoked", revoked)
	e.Err = err
	l.obs.Audit(ctx, c, e)
}

// auditStoodIn records the provider's failure that the decoy ch stands
// in for (OTP.standIn, OTP.late), a send to user's number ("" for a notice): the
// asker is answered as for a number without an account, and the
// operator sees the failure here (docs/contract.md, "SMS delivery").
func (l *Login) auditStoodIn(ctx context.Context, c Client, user string, ch *Challenge) {
	attrs := []any{"purpose", ch.Purpose, "answered", "as_unknown"}
	if ch.detached {
		attrs = append(attrs, "after_answer", true)
	}
	l.obs.Audit(ctx, c, Event{Name: "otp_send_failed", User: user, Phone: ch.Phone, Err: ch.sendErr, Attrs: attrs, Attempt: true})
}

// reporting is ctx for a send asked by c: a hidden one that fails after
// its answer (OTP.late) is audited as one that failed before it is
// (auditStoodIn), with after_answer (docs/contract.md, "SMS delivery").
func (l *Login) reporting(ctx context.Context, c Client) context.Context {
	return withLateReport(ctx, func(ctx context.Context, ch *Challenge) { l.auditStoodIn(ctx, c, ch.User, ch) })
}

// codeFailed is the otp_failed event of user's code refused with err:
// one the provider gave no verdict on (a hidden challenge's, answered
// as a wrong code, OTP.checkHidden) has the provider's failure as its
// reason and answered as_wrong (docs/contract.md, "SMS delivery").
func codeFailed(user string, err error) Event {
	if u, ok := errors.AsType[*uncheckedError](err); ok {
		return Event{Name: "otp_failed", User: user, Err: u.cause, Attrs: []any{"answered", "as_wrong"}}
	}
	return Event{Name: "otp_failed", User: user, Err: err}
}

// auditBudget records an sms_budget_exhausted event when err says a cap
// of otp.budget stopped a send (docs/contract.md, "Send quotas").
func (l *Login) auditBudget(ctx context.Context, c Client, user, phone string, err error) {
	if errors.Is(err, ErrBudgetExhausted) {
		l.obs.Audit(ctx, c, Event{Name: "sms_budget_exhausted", User: user, Phone: phone, Err: err})
	}
}

// noObserver records nothing.
type noObserver struct{}

func (noObserver) Audit(context.Context, Client, Event) {}
func (noObserver) Password(string)                      {}
func (noObserver) Code(string)                          {}
func (noObserver) Ban()                                 {}
