package auth

// The login service's sign-up (docs/contract.md, "Sign-up").

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SignUp reserves a new account and sends a code to its phone; the
// account becomes active when the code is verified (VerifyCode) with the
// session returned.
func (l *Login) SignUp(ctx context.Context, c Client, sess *Session, in NewAccount) (Step, error) {
	if !l.d.Signup || l.d.Registry == nil {
		return Step{}, ErrSignupDisabled
	}
	u, err := ValidateAccount(in, l.d.Policy, l.d.Region)
	if err != nil {
		return Step{}, err
	}
	// Counted before anything about existing accounts is said, so that
	// "that username is taken" is behind the per-client limit.
	if err := l.signupAllowed(ctx, c); err != nil {
		return Step{}, err
	}
	if err := l.checkSendBan(ctx, c, &Pending{Purpose: PurposeSignup, Phone: u.Phone}, nil); err != nil {
		return Step{}, err
	}
	// A taken username is said at once, before the expensive hash. A
	// taken email or phone is not: the answer is a fresh sign-up's
	// (docs/contract.md, "Sign-up"), so the hash is made all the same.
	taken, err := l.notTaken(ctx, u)
	if err != nil {
		return Step{}, err
	}
	if u.PasswordHash, err = l.d.Hasher.Hash(ctx, in.Password); err != nil {
		return Step{}, err
	}
	// The reservation outlives a few resends; unverified, it expires.
	hold := 3 * l.CodeTTL()
	until := l.now().Add(hold).Unix()
	if taken == "" {
		// Only the name is claimed: the number is, when the code comes
		// back (Activate), so that a sign-up nobody finishes keeps it
		// from nobody (docs/contract.md, "Sign-up").
		if err := l.d.Registry.Reserve(ctx, u, hold); err != nil {
			return Step{}, err
		}
	}
	release := func() { _ = l.d.Registry.Release(context.WithoutCancel(ctx), u.Username) }
	if taken != "" {
		// The username is held as a fresh sign-up's is, released on the
		// same failures, and a held one refused alike (409): else a
		// second sign-up with the name told whether the first one's
		// number or email has an account (docs/contract.md, "Sign-up").
		// Nothing can activate this one.
		if err := l.d.Registry.Reserve(ctx, &User{Username: u.Username, PasswordHash: u.PasswordHash}, hold); err != nil {
			return Step{}, err
		}
		st, err := l.signUpTaken(ctx, c, sess, u, taken, until)
		if err != nil {
			release()
		}
		return st, err
	}
	if sess, err = l.begin(ctx, c, sess); err != nil {
		release()
		return Step{}, err
	}
	// A send stood in for (OTP.standIn) keeps its reservation, as a taken
	// number's sign-up holds its name: nothing activates it, it expires.
	st, err := l.startCode(ctx, c, sess, Pending{User: u.Username, Phone: u.Phone, Purpose: PurposeSignup, Until: until}, anonymousSend)
	if err != nil {
		release()
	}
	return st, err
}

// DefaultSignupsPerHour is the default of LoginDeps.SignupsPerHour.
const DefaultSignupsPerHour = 10

// notTaken refuses a sign-up whose username an account has or a deleted
// account had (a ConflictError, the same for both: docs/contract.md,
// "Names of deleted accounts"), and says which of its email and phone
// one has ("" for none). The reservation checks pending sign-ups too,
// after the hash.
func (l *Login) notTaken(ctx context.Context, u *User) (string, error) {
	for _, f := range []struct{ field, login string }{{"username", u.Username}, {"email", u.Email}, {"phone", u.Phone}} {
		_, err := l.d.Users.Lookup(ctx, f.login)
		if errors.Is(err, ErrUserNotFound) && f.field == "username" {
			held, herr := l.d.Registry.NameHeld(ctx, u.Username)
			switch {
			case herr != nil:
				return "", herr
			case held:
				err = nil // answered as a taken name, below
			}
		}
		switch {
		case err == nil && f.field == "username":
			return "", &ConflictError{Field: f.field}
		case err == nil:
			return f.field, nil
		case !errors.Is(err, ErrUserNotFound):
			return "", err
		}
	}
	return "", nil
}

// signUpTaken answers a sign-up whose email or phone (field) an account
// already has exactly as a fresh one: a session waiting for a code. But
// the code is a decoy that never succeeds, and the number typed gets a
// notice instead of a code, so only the number's owner learns anything
// (docs/contract.md, "Sign-up").
func (l *Login) signUpTaken(ctx context.Context, c Client, sess *Session, u *User, field string, until int64) (Step, error) {
	sess, err := l.begin(ctx, c, sess)
	if err != nil {
		return Step{}, err
	}
	app := l.d.OTP.Config().App
	// One text each: the name is at most 30 GSM 7-bit characters
	// (TextName; docs/contract.md, "SMS delivery").
	notice := "Someone tried to sign up for " + app + " with this number. If it was you, sign in or reset your password; if not, ignore this."
	if field == "email" {
		notice = "Someone tried to sign up for " + app + " with this number and an email that has an account. If it was you, sign in with that account."
	}
	// One send, as a fresh sign-up's code is, from the same quotas.
	// Hidden: a fresh sign-up's failed send is stood in for, so this one's is.
	ch, err := l.d.OTP.startNotice(l.reporting(ctx, c), &Challenge{Phone: u.Phone, Purpose: PurposeSignup, Hidden: true}, notice)
	if err != nil {
		l.auditBudget(ctx, c, "", u.Phone, err)
		return l.refused(ctx, sess, err)
	}
	if ch.sendErr != nil {
		l.auditStoodIn(ctx, c, "", ch)
	}
	sess.Pending = &Pending{Challenge: ch.ID, Purpose: PurposeSignup, Phone: u.Phone, Until: until}
	if err := l.d.Sessions.Save(ctx, sess); err != nil {
		return Step{}, err
	}
	l.obs.Audit(ctx, c, Event{Name: "signup_taken", Phone: u.Phone, Attrs: []any{"field", field}})
	return Step{Session: sess, Code: ch}, nil
}

// signupAllowed counts a sign-up against the client's network and
// refuses it past SignupsPerHour (429, Retry-After); an IPv6 client's
// /48 shares IPv6SiteShare clients' limits besides, as the SMS send
// quota does (docs/contract.md, "Sign-up"): counted by /64 alone, one
// holder of a /48 had 65,536 limits, each sign-up a password hash. A
// sign-up its /64 refuses takes nothing of the /48's.
func (l *Login) signupAllowed(ctx context.Context, c Client) error {
	if l.d.Limits == nil || c.IP == "" {
		return nil
	}
	limit := l.d.SignupsPerHour
	if limit <= 0 {
		limit = DefaultSignupsPerHour
	}
	names := l.d.OTP.names
	if err := l.signupCount(ctx, "signup:ip:"+names.name("net", clientNet(c.IP)), limit); err != nil {
		return err
	}
	if site := clientSite(c.IP); site != "" {
		return l.signupCount(ctx, "signup:site:"+names.name("site", site), IPv6SiteShare*limit)
	}
	return nil
}

// signupCount adds a sign-up to the hour's count under key and refuses
// it past limit.
func (l *Login) signupCount(ctx context.Context, key string, limit int) error {
	n, err := l.d.Limits.Incr(ctx, key, time.Hour)
	if err != nil {
		return fmt.Errorf("sign-up limit: %w", err)
	}
	if n > int64(limit) {
		ttl, err := l.d.Limits.TTL(ctx, key)
		if err != nil {
			ttl = time.Hour
		}
		return &RateLimitError{RetryAfter: ttl, Reason: "signup_quota"}
	}
	return nil
}

// finishSignup activates the account whose code was just verified,
// records its password proof (the sms proof follows in VerifyCode) and
// returns the account.
func (l *Login) finishSignup(ctx context.Context, c Client, sess *Session, ch *Challenge) (*User, error) {
	if l.d.Registry == nil {
		return nil, ErrSignupDisabled
	}
	if err := l.d.Registry.Activate(ctx, ch.User, ch.Phone); err != nil {
		return nil, err
	}
	l.obs.Audit(ctx, c, Event{Name: "signup", User: ch.User, Phone: ch.Phone})
	u, err := l.d.Users.Lookup(ctx, ch.User)
	if err != nil {
		return nil, err
	}
	return u, l.d.Sessions.AddProof(ctx, sess, u, MethodPassword, SignIn{})
}
