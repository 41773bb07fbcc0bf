package auth

// The login service's code steps besides the first: resend,
// passwordless start, and logout.

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Resend sends a new code for the session's pending login (a fresh
// challenge if the old one died), or starts a step-up for the signed-in
// user u of sess (nil when the session is not signed in).
func (l *Login) Resend(ctx context.Context, c Client, sess *Session, u *User) (Step, error) {
	if sess == nil {
		return Step{}, ErrNoChallenge
	}
	if err := l.checkSendBan(ctx, c, sess.Pending, u); err != nil {
		return Step{}, err
	}
	if _, err := l.checkCodeBan(ctx, c, sess, sess.Pending); err != nil {
		return Step{}, err
	}
	if p := sess.Pending; p != nil {
		ch, err := l.d.OTP.Resend(l.reporting(ctx, c), p.Challenge)
		if err == nil {
			p.Challenge = ch.ID
			if err := l.d.Sessions.Save(ctx, sess); err != nil {
				return Step{}, err
			}
			if ch.sendErr != nil {
				l.auditStoodIn(ctx, c, p.User, ch)
			} else if ch.User != "" {
				// A session that proved nothing of the account yet (a
				// passwordless or sign-up code) asks as anyone could.
				anyone := sess.User == "" || sess.User != ch.User
				l.obs.Audit(ctx, c, Event{Name: "otp_sent", User: ch.User, Phone: ch.Phone, Attrs: []any{"resend", "true"}, Attempt: anyone})
				l.obs.Code("sent")
			}
			return Step{Session: sess, Code: ch}, nil
		}
		if !errors.Is(err, ErrOTPExpired) {
			return Step{}, err
		}
		// The challenge died (expired or out of attempts): start over for
		// the same person.
		sess.Pending = nil
		if p.Purpose == PurposeSignup && l.now().Unix() >= p.Until {
			// The sign-up's hold on its name has ended: nothing can
			// activate it any more, whether its number is free or taken
			// (a decoy), so neither starts a code (docs/contract.md,
			// "Sign-up").
			return l.signupOver(ctx, sess)
		}
		next := Pending{Phone: p.Phone, Remember: p.Remember, Purpose: p.Purpose, Until: p.Until}
		if p.User == "" {
			return l.startDecoy(ctx, c, sess, next)
		}
		var pu *User
		if p.Purpose == PurposeSignup && l.d.Registry != nil {
			pu, err = l.d.Registry.Pending(ctx, p.User)
		} else {
			pu, err = l.d.Users.Lookup(ctx, p.User)
		}
		gone := errors.Is(err, ErrUserNotFound) || err == nil && pu.Phone != p.Phone
		switch {
		case p.Purpose == PurposeSignup && gone:
			// The reservation is gone (expired a moment early, or by a
			// clock ahead of this one) or someone else's sign-up of the
			// name holds it now: not this sign-up's to restart.
			return l.signupOver(ctx, sess)
		case p.Purpose != PurposeSignup && sess.User != p.User && (gone || err == nil && pu.Disabled):
			// A code-only sign-in is for the number typed, not for the
			// account that had it: one that left it (moved, disabled,
			// deleted) is not followed, and the number gets a decoy as
			// any number without an account does (docs/contract.md,
			// "Login flows").
			return l.startDecoy(ctx, c, sess, next)
		case err != nil:
			return Step{}, err
		}
		if p.Purpose == PurposeSignup {
			// A pending sign-up claims no number: another sign-up's code
			// may have made it an account's since, and this one is then
			// a taken number's, a decoy (docs/contract.md, "Sign-up").
			_, err := l.d.Users.Lookup(ctx, p.Phone)
			switch {
			case err == nil:
				return l.startDecoy(ctx, c, sess, next)
			case !errors.Is(err, ErrUserNotFound):
				return Step{}, err
			}
		}
		// The new challenge follows a proof only when the session proved
		// this account's password (a password step); a passwordless or
		// sign-up one does not, nor does one started from a session
		// signed in as someone else: that person's password proves
		// nothing about this number, whose proved budget is its owner's.
		// A known device of the account takes its own budget
		// (docs/contract.md, "Known devices").
		budget := anonymousSend
		switch {
		case p.Purpose == PurposeSignup:
		case sess.User == pu.Username && sess.Has(MethodPassword, time.Time{}):
			budget = provedSend
		default:
			budget = l.budgetFrom(c, pu)
		}
		next.User, next.Phone = pu.Username, pu.Phone
		return l.startCode(ctx, c, sess, next, budget)
	}
	if u == nil {
		return Step{}, ErrNoChallenge
	}
	// A step-up's code carries the answer its sign-in stands by, if it
	// is not complete yet (docs/contract.md, "Remember me").
	return l.startCode(ctx, c, sess, Pending{User: u.Username, Phone: u.Phone, Remember: sess.RememberAsked, Purpose: PurposeLogin}, provedSend)
}

// signupOver ends the sign-up pending in sess (its code died after its
// hold on the name ended): the session no longer waits for a code, and
// the answer is the dead code's, the same for a free number and a taken
// one (docs/contract.md, "Sign-up").
func (l *Login) signupOver(ctx context.Context, sess *Session) (Step, error) {
	if err := l.d.Sessions.Save(ctx, sess); err != nil {
		return Step{}, err
	}
	return Step{Session: sess}, ErrOTPExpired
}

// refused is a code step's answer when its code was not sent (err): a
// real account's and a decoy's alike, so that a refusal (a send quota, a
// cap of otp.budget, a provider failing) tells nothing of whether the
// number or name has an account. The session, its earlier code
// cancelled, is saved and handed back only when it holds something to
// keep: proofs (a password just proved), or a place in the store the
// client already holds. One that holds nothing and was never stored (a
// code-only sign-in or sign-up from a client without a session) is
// neither written nor handed back, so refused requests add nothing to
// the store (docs/contract.md, "SMS delivery").
func (l *Login) refused(ctx context.Context, sess *Session, err error) (Step, error) {
	if !sess.stored && !sess.Authenticated() {
		return Step{}, err
	}
	if serr := l.d.Sessions.Save(ctx, sess); serr != nil {
		return Step{}, serr
	}
	return Step{Session: sess}, err
}

// Passwordless begins a passwordless login for phone. Unknown numbers get
// the same answer and a decoy challenge that can never succeed; no SMS is
// sent to them.
func (l *Login) Passwordless(ctx context.Context, c Client, sess *Session, phone string, remember bool) (Step, error) {
	e164, err := NormalizePhone(phone, l.d.Region)
	if err != nil {
		return Step{}, err
	}
	u, err := l.d.Users.Lookup(ctx, e164)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return Step{}, err
	}
	decoy := u == nil || u.Disabled || u.Phone != e164
	p := &Pending{Purpose: PurposeLogin, Phone: e164}
	if !decoy {
		p.User = u.Username
	}
	if err := l.checkSendBan(ctx, c, p, nil); err != nil {
		return Step{}, err
	}
	if _, err := l.checkCodeBan(ctx, c, sess, p); err != nil {
		return Step{}, err
	}
	if sess, err = l.begin(ctx, c, sess); err != nil {
		return Step{}, err
	}
	if decoy {
		return l.startDecoy(ctx, c, sess, Pending{Phone: e164, Remember: remember, Purpose: PurposeLogin})
	}
	// From a known device of the account, the code takes the number's
	// known-device budget, which anonymous sends to it cannot spend
	// (docs/contract.md, "Known devices").
	return l.startCode(ctx, c, sess, Pending{User: u.Username, Phone: u.Phone, Remember: remember, Purpose: PurposeLogin}, l.budgetFrom(c, u))
}

// startDecoy records p (its User empty) as pending in sess with a
// challenge for p.Phone that looks and counts like a real one but sends
// nothing and can never succeed: a code-only sign-in's for a number
// without an account, or a sign-up's restarted for a taken number, kept
// a sign-up's as a free number's is (docs/contract.md, "Sign-up").
func (l *Login) startDecoy(ctx context.Context, c Client, sess *Session, p Pending) (Step, error) {
	ch, err := l.d.OTP.StartDecoy(ctx, p.Phone, p.Purpose)
	if err != nil {
		l.auditBudget(ctx, c, "", p.Phone, err)
		return l.refused(ctx, sess, err)
	}
	p.User, p.Challenge = "", ch.ID
	sess.Pending = &p
	if err := l.d.Sessions.Save(ctx, sess); err != nil {
		return Step{}, err
	}
	return Step{Session: sess, Code: ch}, nil
}

// Logout ends the session with cookie value id ("": nothing to do)
// everywhere, with any pending code: the session under id, or the one a
// rotation in flight moved it to (Sessions.End; docs/contract.md,
// "Sessions end when they are ended").
func (l *Login) Logout(ctx context.Context, c Client, id string) error {
	if id == "" {
		return nil
	}
	sess, err := l.d.Sessions.Load(ctx, id)
	switch {
	case errors.Is(err, ErrSessionNotFound):
		sess = nil
	case err != nil:
		return err
	default:
		l.cancelPending(ctx, sess)
	}
	user, err := l.d.Sessions.End(ctx, id)
	if err != nil {
		return err
	}
	if sess != nil {
		user = sess.User
	} else if user == "" {
		return nil // no session, nor one it became
	}
	// A session signed in as nobody proves nothing.
	l.obs.Audit(ctx, c, Event{Name: "logout", User: user, Attempt: user == ""})
	return nil
}

// cancelPending drops the code sess was waiting for.
func (l *Login) cancelPending(ctx context.Context, sess *Session) {
	if sess.Pending != nil {
		l.d.OTP.Cancel(ctx, sess.Pending.Challenge)
		sess.Pending = nil
	}
}

// codeInput is code as typed, normalised (NormalizeCode), or a field
// problem for input that cannot be a code at all: empty, or not ASCII
// digits. Such input is not a guess, so it uses no attempt and counts
// against nobody (docs/contract.md, "Login flows").
func (l *Login) codeInput(code string) (string, error) {
	code = NormalizeCode(code)
	digits := code != ""
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			digits = false
		}
	}
	if digits {
		return code, nil
	}
	p := Problem{ID: "field.code.format", Text: "Enter the code from the text message."}
	if n := l.d.OTP.CodeLength(); n > 0 {
		p = Problem{ID: "field.code.digits", N: n, Text: fmt.Sprintf("Enter the %d-digit code from the text message.", n)}
	}
	return "", &InputError{Problems: map[string]Problem{"code": p}}
}

// NormalizeCode drops the spaces and dashes people type or paste in codes.
func NormalizeCode(code string) string {
	out := make([]byte, 0, len(code))
	for i := 0; i < len(code); i++ {
		if c := code[i]; c != ' ' && c != '-' && c != '\t' {
			out = append(out, c)
		}
	}
	return string(out)
}

// sendBudget is which of a number's send budgets a code takes
// (docs/contract.md, "Send quotas", "Known devices").
type sendBudget int

const (
	anonymousSend sendBudget = iota // asked on a name or number alone
	knownSend                       // asked from a known device of the account
	provedSend                      // after the password, or from a signed-in session
)

// start is the OTP call that takes b.
func (l *Login) start(b sendBudget) func(ctx context.Context, user, phone, purpose string) (*Challenge, error) {
	switch b {
	case provedSend:
		return l.d.OTP.StartProved
	case knownSend:
		return l.d.OTP.StartKnown
	}
	return l.d.OTP.startHidden // its asker proved nothing of the account
}

// startAgain is start(b) for a code that replaces its asker's own
// pending one for the same account and number, whose challenge is
// replaces ("" for none): as a resend's, its start continues that
// code's hold on the number's verification at a provider that checks
// the codes (OTP.claim), so that asking again texts the asker; else it
// is answered as anyone's while another code holds the number.
func (l *Login) startAgain(ctx context.Context, b sendBudget, replaces, user, phone, purpose string) (*Challenge, error) {
	if replaces == "" || phone == "" {
		return l.start(b)(ctx, user, phone, purpose)
	}
	return l.d.OTP.start(ctx, &Challenge{User: user, Phone: phone, Purpose: purpose,
		Proved: b == provedSend, Known: b == knownSend, Hidden: b == anonymousSend, replaces: replaces})
}

// budgetFrom is the budget of a code for u's number asked by c, with no
// proof in its session: the known-device one from a known device of the
// account, else the anonymous one.
func (l *Login) budgetFrom(c Client, u *User) sendBudget {
	if l.knownDevice(c, u) != "" {
		return knownSend
	}
	return anonymousSend
}
