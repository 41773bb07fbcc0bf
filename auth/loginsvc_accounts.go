package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// keepOnly carries sess (nil: none), which was valid for username until
// the credential change just made, into gen, the credential generation
// that change wrote, under a new id, and ends every other session of the
// account (docs/contract.md, "Sessions end when credentials change"),
// with a new known-device cookie for its browser, one that answers for
// passwords when password says the change showed the password (the
// current one typed, or a new one chosen). A sess ended while the change
// was made stays ended, and so does one ended by another change of the
// credentials landing after this one's write (an administrator clearing
// the number): carried into gen, not into what the account holds by
// then, it is refused as any session of the credentials before. It
// returns how many ended.
func (l *Login) keepOnly(ctx context.Context, c Client, sess *Session, username, gen string, password bool) (int, error) {
	keep := ""
	if sess != nil {
		u := &User{Username: username, Generation: gen}
		before := &User{Username: username, Generation: sess.Gen}
		switch err := l.d.Sessions.Restamp(ctx, sess, u); {
		case errors.Is(err, ErrSessionNotFound):
			// Revoked or signed out meanwhile: not written back.
		case err != nil:
			return 0, err
		default:
			// The browser that made the change stays a known device:
			// every cookie made before is void now (docs/contract.md,
			// "Known devices").
			if err := l.giveDevice(c, sess, u, before, password); err != nil {
				return 0, err
			}
			keep = sess.ID
		}
	}
	return l.d.Sessions.RevokeUser(ctx, username, keep)
}

// stillSignedIn is nil while sess, which was checked as a session of u
// when the request began, is still in the store under the account's
// credential generation; else ErrSessionNotFound. A change that takes
// long (a new password's hash, and its wait for a hashing slot, which
// anyone can lengthen) is written only then: otherwise a thief's change
// in flight would undo the owner's password reset or an administrator's
// revocation that came meanwhile (docs/contract.md, "Sessions end when
// credentials change").
func (l *Login) stillSignedIn(ctx context.Context, sess *Session, u *User) error {
	cur, err := l.d.Sessions.Load(ctx, sess.ID)
	if err != nil {
		return err
	}
	now, err := l.d.Users.Lookup(ctx, u.Username)
	switch {
	case errors.Is(err, ErrUserNotFound):
		return fmt.Errorf("account gone meanwhile: %w", ErrSessionNotFound)
	case err != nil:
		return err
	case now.Disabled || cur.User != u.Username || cur.Gen != now.Generation || sess.Gen != now.Generation:
		return fmt.Errorf("credentials changed meanwhile: %w", ErrSessionNotFound)
	}
	return nil
}

// ChangePassword is the account page's password change for the signed-in
// user u of sess: the current password, then the new one. sess stays
// signed in (returned under its new id), every other session ends.
func (l *Login) ChangePassword(ctx context.Context, c Client, sess *Session, u *User, current, password string) (Step, error) {
	if l.d.Registry == nil {
		return Step{}, ErrAccountUnavailable
	}
	// The current password is a password attempt: judged and counted
	// as one at the sign-in is, so that a known device that did not type
	// the password (a code-only sign-in's, a passkey's alone) does not
	// answer for it (docs/contract.md, "Known devices").
	if err := l.checkBanOf(ctx, c, u.Username, true, true); err != nil {
		return Step{}, err
	}
	if _, err := l.d.Authn.CheckPassword(ctx, u.Username, current); err != nil {
		if errors.Is(err, ErrInvalidCredentials) {
			if _, rerr := l.recordFailurePenalty(ctx, c, u.Username, true, true); rerr != nil {
				return Step{}, rerr
			}
			return Step{}, FieldProblem("current", "field.current.wrong", "That is not your current password.")
		}
		return Step{}, err
	}
	if p := l.d.Policy.Check(password, u); p.ID != "" {
		return Step{}, &InputError{Problems: map[string]Problem{"password": p}}
	}
	hash, err := l.d.Hasher.Hash(ctx, password)
	if err != nil {
		return Step{}, err
	}
	if err := l.stillSignedIn(ctx, sess, u); err != nil {
		return Step{}, err
	}
	gen, err := l.setPassword(ctx, u, hash, fmt.Errorf("credentials changed meanwhile: %w", ErrSessionNotFound))
	if err != nil {
		return Step{}, err
	}
	// Written: the account's number is told whatever ending the other
	// sessions met (docs/contract.md, "Security notices").
	n, err := l.keepOnly(ctx, c, sess, u.Username, gen, true)
	l.tellOwner(ctx, u, noticePassword)
	l.auditChange(ctx, c, Event{Name: "password_changed", User: u.Username}, n, err)
	if err != nil {
		return Step{}, err
	}
	return Step{Session: sess}, nil
}

// PhoneChangeStart sends a code to the new number of the signed-in user
// u of sess, recorded in sess as the change in progress.
func (l *Login) PhoneChangeStart(ctx context.Context, c Client, sess *Session, u *User, phone string) (Step, error) {
	if _, ok := l.d.Registry.(PhoneSetter); !ok {
		return Step{}, ErrAccountUnavailable
	}
	// Moving the phone binds a new authenticator: the password alone, or
	// proofs from hours ago, must not do it. The second proof is a code
	// to the current number or a recovery code; an account without a
	// number binds its first one with a recovery code (an administrator's
	// issued one), since the password alone would turn one stolen factor
	// into two (docs/contract.md, "Account page"). An account with an
	// authenticator app proves it too.
	if err := l.freshProofs(ctx, sess, u); err != nil {
		return Step{}, err
	}
	// PhoneChangeFinish would refuse the code (docs/contract.md,
	// "Regulation": bans stop sends).
	if err := l.checkSendBan(ctx, c, nil, u); err != nil {
		return Step{}, err
	}
	e164, err := NormalizePhone(phone, l.d.Region)
	if err != nil {
		return Step{}, &InputError{Problems: map[string]Problem{"phone": PhoneProblem(err)}}
	}
	if e164 == u.Phone {
		return Step{}, FieldProblem("phone", "field.phone.same", "That is already your number.")
	}
	other, err := l.d.Users.Lookup(ctx, e164)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return Step{}, err
	}
	if sess.Change != nil {
		l.d.OTP.Cancel(ctx, sess.Change.Challenge)
	}
	// Nobody has proved the new number yet: its code is an anonymous
	// send (the number's anonymous quota, the client's, otp.budget), or
	// one account could text any run of numbers. A number another
	// account has is not told to the asker: it gets a notice in place of
	// the code, which can never succeed (docs/contract.md, "Account
	// page").
	var ch *Challenge
	if other != nil {
		// One text: the name is at most 30 GSM 7-bit characters (TextName),
		// as in the sign-up's notices (docs/contract.md, "SMS delivery").
		notice := "Someone tried to move an account on " + l.d.OTP.Config().App + " to this number, which another account has. If it was you, sign in with that account."
		ch, err = l.d.OTP.StartNotice(ctx, e164, PurposePhoneChange, notice)
	} else {
		ch, err = l.d.OTP.Start(ctx, u.Username, e164, PurposePhoneChange)
	}
	if err != nil {
		l.auditBudget(ctx, c, u.Username, e164, err)
		return Step{}, err
	}
	sess.Change = &Pending{User: u.Username, Challenge: ch.ID, Purpose: PurposePhoneChange, Phone: e164}
	event := "otp_sent"
	if other != nil {
		event = "phone_change_taken"
	}
	l.obs.Audit(ctx, c, Event{Name: event, User: u.Username, Phone: e164, Attrs: []any{"purpose", PurposePhoneChange}})
	return Step{Code: ch}, l.d.Sessions.Save(ctx, sess)
}

// PhoneChangeCancel drops sess's phone change, if any, and its code: the
// account keeps its number (docs/contract.md, "Account page").
func (l *Login) PhoneChangeCancel(ctx context.Context, sess *Session) error {
	if sess.Change == nil {
		return nil
	}
	l.d.OTP.Cancel(ctx, sess.Change.Challenge)
	sess.Change = nil
	return l.d.Sessions.Save(ctx, sess)
}

// PhoneChangeFinish checks the code sent to the new number and moves the
// account to it. As for a password change, sess stays signed in
// (returned under its new id) and every other session ends; the old
// number is told.
func (l *Login) PhoneChangeFinish(ctx context.Context, c Client, sess *Session, u *User, code string) (Step, error) {
	ps, ok := l.d.Registry.(PhoneSetter)
	if !ok {
		return Step{}, ErrAccountUnavailable
	}
	if sess.Change == nil {
		return Step{}, ErrNoChallenge
	}
	if err := l.checkBan(ctx, c, u.Username); err != nil {
		return Step{}, err
	}
	code, err := l.codeInput(code)
	if err != nil {
		return Step{}, err
	}
	ch, err := l.d.OTP.Verify(ctx, sess.Change.Challenge, code)
	if errors.Is(err, ErrOTPInvalid) {
		if rerr := l.recordFailure(ctx, c, u.Username); rerr != nil {
			return Step{}, rerr
		}
	}
	if errors.Is(err, ErrOTPExpired) {
		sess.Change = nil
		_ = l.d.Sessions.Save(ctx, sess)
	}
	if err != nil {
		return Step{}, err
	}
	if ch.User != u.Username {
		return Step{}, ErrOTPInvalid
	}
	// Made only while sess is still signed in under the credentials it
	// was checked against: a thief's move whose code was being checked
	// (a provider's round trip) when the owner reset the password or an
	// administrator ended every session must not land after it and send
	// the account's next codes to the thief (docs/contract.md, "Sessions
	// end when credentials change").
	if err := l.stillSignedIn(ctx, sess, u); err != nil {
		return Step{}, err
	}
	// A change of the credentials landing after that check, in the round
	// trip before the write, is seen by the write itself.
	gen, err := ps.SetPhoneIf(ctx, u.Username, sess.Gen, ch.Phone)
	switch {
	case errors.Is(err, ErrCredentialsChanged), errors.Is(err, ErrUserNotFound):
		return Step{}, fmt.Errorf("credentials changed meanwhile: %w", ErrSessionNotFound)
	case err != nil:
		return Step{}, err
	}
	sess.Change = nil
	// Written: the old number is told and the change audited, whatever
	// ending the other sessions met.
	n, err := l.keepOnly(ctx, c, sess, u.Username, gen, sess.Has(MethodPassword, time.Time{}))
	if u.Phone != "" {
		// Tell the old number, so a hijacker's change does not go unseen.
		// One text: GSM 7-bit, at most 160 characters with a username's
		// 64 (docs/contract.md, "SMS delivery").
		msg := "The phone of account " + u.Username + " was changed to " + maskPhoneText(ch.Phone) + ". Not you? Tell your administrator."
		if err := l.d.OTP.Notify(ctx, u.Phone, msg); err != nil {
			l.log.WarnContext(ctx, "account: old phone not notified", "user", u.Username, "error", err)
		}
	}
	l.auditChange(ctx, c, Event{Name: "phone_changed", User: u.Username, Phone: ch.Phone}, n, err)
	if err != nil {
		return Step{}, err
	}
	return Step{Session: sess}, nil
}
