package auth

// The login service's passkey steps (docs/contract.md, "Passkeys"): a
// key as the second factor after the password, or alone (user-verified,
// discoverable: "Sign in with a passkey"), and registering and removing
// keys on the account page.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
)

// PasskeyEnrolled reports whether user has a passkey (false when
// passkeys are off).
func (l *Login) PasskeyEnrolled(ctx context.Context, user string) (bool, error) {
	if l.d.Passkeys == nil {
		return false, nil
	}
	return l.d.Passkeys.Enrolled(ctx, user)
}

// PasskeyList returns user's passkeys (none when passkeys are off).
func (l *Login) PasskeyList(ctx context.Context, user string) ([]Passkey, error) {
	if l.d.Passkeys == nil {
		return nil, nil
	}
	return l.d.Passkeys.List(ctx, user)
}

// PasskeyLoginStart starts a sign-in with a passkey: after the password
// in sess, with a key of its account; or, passwordless, with any
// discoverable key, which must verify the user. It returns the session
// the ceremony is bound to (a new one, saved, when the client had none)
// and the options for navigator.credentials.get; only the page of
// c.Origin may answer (ErrPasskeyOrigin where no key may be used). With
// verify, the key is asked to verify the user (PIN, biometric) after the
// password too: for a target that takes only a user-verified key (policy
// passkey), and always in a session that typed no password, whose
// sign-in rests on a user-verified key (docs/contract.md, "Passkeys").
func (l *Login) PasskeyLoginStart(ctx context.Context, c Client, sess *Session, passwordless, verify bool) (Step, *protocol.CredentialAssertion, error) {
	if l.d.Passkeys == nil {
		return Step{}, nil, ErrPasskeysUnavailable
	}
	if err := l.d.Passkeys.usableAt(c.Origin); err != nil {
		return Step{}, nil, err // before a session is made for it
	}
	user := ""
	if !passwordless {
		u, err := l.passwordUser(ctx, sess, time.Time{})
		if err != nil {
			return Step{}, nil, err
		}
		user = u.Username
		// Its key's answer replaces the session's passkey proof: one that
		// did not verify the person would take away the password a
		// passwordless sign-in stands for, and sign it out.
		verify = verify || !sess.Has(MethodPassword, time.Time{})
	}
	if err := l.checkBan(ctx, c, user); err != nil {
		return Step{}, nil, err
	}
	if sess == nil {
		// A session made for a ceremony is written to the store before
		// anyone proved anything: bounded per client network.
		if err := l.ceremonyAllowed(ctx, c); err != nil {
			return Step{}, nil, err
		}
		var err error
		if sess, err = l.d.Sessions.New(); err != nil {
			return Step{}, nil, err
		}
		c.stamp(sess)
		if err := l.d.Sessions.Save(ctx, sess); err != nil {
			return Step{}, nil, err
		}
	}
	opts, err := l.d.Passkeys.BeginLogin(ctx, sess.ID, c.Origin, user, verify)
	if err != nil {
		return Step{}, nil, err
	}
	return Step{Session: sess}, opts, nil
}

// PasskeyStartsPerWindow bounds the passwordless passkey starts that
// make a new session, per client address (IPv4) or /64 (IPv6), per
// PasskeyStartWindow; the /64s of an IPv6 /48 share IPv6SiteShare times
// it.
const (
	PasskeyStartsPerWindow = 60
	PasskeyStartWindow     = 10 * time.Minute
	// PasskeyStartsPerWindowAll bounds them over all clients: the
	// limit per network alone let one holder of an IPv6 /48 (65,536
	// /64s) write 3.9 million sessions and challenges per window.
	PasskeyStartsPerWindowAll = 1000 * PasskeyStartsPerWindow
)

// ceremonyAllowed counts a passwordless start without a session against
// the client's network, an IPv6 client's /48, then every client's, and
// refuses it past PasskeyStartsPerWindow, IPv6SiteShare times that, or
// PasskeyStartsPerWindowAll (429, Retry-After): each one writes a session
// and a challenge to the store (docs/contract.md, "HTTP endpoints"). A
// start a limit refuses takes nothing of those after it, so that one
// network cannot spend them alone: counted by /64 alone, one holder of a
// /48 spent the limit over all clients from a thousand of its /64s.
func (l *Login) ceremonyAllowed(ctx context.Context, c Client) error {
	if l.d.Limits == nil {
		return nil
	}
	if c.IP != "" {
		names := l.d.OTP.names
		if err := l.ceremonyLimit(ctx, "passkey:ip:"+names.name("net", clientNet(c.IP)), PasskeyStartsPerWindow); err != nil {
			return err
		}
		if site := clientSite(c.IP); site != "" {
			if err := l.ceremonyLimit(ctx, "passkey:site:"+names.name("site", site), IPv6SiteShare*PasskeyStartsPerWindow); err != nil {
				return err
			}
		}
	}
	return l.ceremonyLimit(ctx, "passkey:all", PasskeyStartsPerWindowAll)
}

// ceremonyLimit counts one start under key and refuses it past limit in
// PasskeyStartWindow.
func (l *Login) ceremonyLimit(ctx context.Context, key string, limit int64) error {
	n, err := l.d.Limits.Incr(ctx, key, PasskeyStartWindow)
	if err != nil {
		return fmt.Errorf("passkey start limit: %w", err)
	}
	if n > limit {
		ttl, err := l.d.Limits.TTL(ctx, key)
		if err != nil {
			ttl = PasskeyStartWindow
		}
		return &RateLimitError{RetryAfter: ttl, Reason: "passkey_quota"}
	}
	return nil
}

// PasskeyLoginFinish checks the answer body to the sign-in sess started
// and adds the proof hwk (user-verified or not) for the key's account.
// A wrong answer counts against the account (when known) and the client
// like a wrong code; a key whose signature counter went back (a cloned
// authenticator) is refused and audited as passkey_clone_detected.
func (l *Login) PasskeyLoginFinish(ctx context.Context, c Client, sess *Session, passwordless bool, body []byte) (Step, error) {
	if l.d.Passkeys == nil {
		return Step{}, ErrPasskeysUnavailable
	}
	if sess == nil {
		return Step{}, ErrPasskeyCeremony
	}
	var u *User
	if !passwordless {
		var err error
		if u, err = l.passwordUser(ctx, sess, time.Time{}); err != nil {
			return Step{}, err
		}
		if err := l.checkBan(ctx, c, u.Username); err != nil {
			return Step{}, err
		}
	} else if err := l.checkBan(ctx, c, ""); err != nil {
		return Step{}, err
	}
	// Passwordless, the answer names the account: one that may not sign
	// in now is refused before the key is checked, its record unchanged
	// (a disabled or deleted one as an unknown key).
	admit := func(ctx context.Context, user string) error {
		v, err := l.d.Users.Lookup(ctx, user)
		switch {
		case errors.Is(err, ErrUserNotFound), err == nil && v.Disabled:
			return ErrPasskeyInvalid
		case err != nil:
			return err
		}
		u = v
		return l.checkBan(ctx, c, v.Username)
	}
	res, err := l.d.Passkeys.FinishLoginAdmitting(ctx, sess.ID, passwordless, body, admit)
	if err != nil {
		return Step{}, l.passkeyFailed(ctx, c, res, err)
	}
	// In place of a pending code: the answer that code carried.
	remember := sess.Pending.rememberAnswer()
	l.cancelPending(ctx, sess)
	if err := l.d.Sessions.AddKeyProof(ctx, sess, u, res.UV, SignIn{Remember: remember, Complete: true}); err != nil {
		return Step{}, err
	}
	if err := l.keepProof(ctx, sess, func(ctx context.Context) (bool, error) {
		return l.d.Passkeys.Holds(ctx, u.Username, res.ID)
	}, ErrPasskeyInvalid); err != nil {
		return Step{}, l.passkeyFailed(ctx, c, res, err)
	}
	if err := l.signedIn(ctx, c, sess, u); err != nil {
		return Step{}, err
	}
	purpose := "login"
	if passwordless {
		purpose = "passwordless"
	}
	l.obs.Audit(ctx, c, Event{Name: "passkey_used", User: u.Username, Attrs: []any{"purpose", purpose, "key", res.Key, "uv", res.UV}})
	l.obs.Audit(ctx, c, Event{Name: "login_succeeded", User: u.Username, Attrs: []any{"methods", strings.Join(sess.Methods(), ",")}})
	return Step{Session: sess}, nil
}

// passkeyFailed audits and counts a refused passkey answer (res names
// the account when it is known).
func (l *Login) passkeyFailed(ctx context.Context, c Client, res LoginResult, err error) error {
	if !errors.Is(err, ErrPasskeyInvalid) {
		return err
	}
	reason := "passkey_invalid"
	if errors.Is(err, ErrPasskeyCloned) {
		reason = "passkey_cloned"
		l.obs.Audit(ctx, c, Event{Name: "passkey_clone_detected", User: res.User, Attrs: []any{"key", res.Key}})
	}
	l.log.InfoContext(ctx, "passkey refused", "reason", reason, "error", err)
	l.obs.Audit(ctx, c, Event{Name: "login_failed", User: res.User, Attrs: []any{"reason", reason}})
	l.obs.Code("failed")
	if rerr := l.recordFailure(ctx, c, res.User); rerr != nil {
		return rerr
	}
	return ErrPasskeyInvalid
}

// PasskeyRegisterStart starts registering a new passkey for the signed-in
// user u of sess, which takes the same fresh proofs as binding an
// authenticator app, with one of the account's keys where it has one
// (freshKeyProofs; docs/contract.md, "Passkeys"): the options for
// navigator.credentials.create, answered only on the page of c.Origin.
func (l *Login) PasskeyRegisterStart(ctx context.Context, c Client, sess *Session, u *User) (*protocol.CredentialCreation, error) {
	if l.d.Passkeys == nil {
		return nil, ErrPasskeysUnavailable
	}
	if err := l.freshKeyProofs(ctx, sess, u); err != nil {
		return nil, err
	}
	return l.d.Passkeys.BeginRegistration(ctx, sess.ID, c.Origin, u)
}

// PasskeyRegisterFinish keeps the key of the answer body under name, and
// adds the proof hwk to sess (its id changes). A refused answer is not a
// guess at anything: it is not counted.
func (l *Login) PasskeyRegisterFinish(ctx context.Context, c Client, sess *Session, u *User, name string, body []byte) (Step, Passkey, error) {
	if l.d.Passkeys == nil {
		return Step{}, Passkey{}, ErrPasskeysUnavailable
	}
	if err := l.freshKeyProofs(ctx, sess, u); err != nil {
		return Step{}, Passkey{}, err
	}
	k, err := l.d.Passkeys.FinishRegistration(ctx, sess.ID, u, name, body)
	if err != nil {
		if errors.Is(err, ErrPasskeyInvalid) {
			l.log.InfoContext(ctx, "passkey registration refused", "error", err)
		}
		return Step{}, Passkey{}, err
	}
	if err := l.keepFactor(ctx, sess, u, func(ctx context.Context) error {
		_, err := l.d.Passkeys.Remove(ctx, u.Username, k.ID)
		if errors.Is(err, ErrPasskeyNotFound) {
			return nil // removed already
		}
		return err
	}); err != nil {
		return Step{}, Passkey{}, err
	}
	l.obs.Audit(ctx, c, Event{Name: "passkey_registered", User: u.Username, Attrs: []any{"key", k.Name}})
	l.tellOwner(ctx, u, noticePasskey)
	// Registering proves possession of the new key, never user
	// verification: that is shown at its first use.
	if !sess.Has(MethodHWK, l.now().Add(-CredentialChangeAge)) {
		if err := l.d.Sessions.AddKeyProof(ctx, sess, u, false, SignIn{}); err != nil {
			return Step{}, k, err
		}
	}
	return Step{Session: sess}, k, nil
}

// PasskeyRemove removes the passkey id of the signed-in user u of sess,
// with the same fresh proofs as registering one (freshKeyProofs), and
// ends u's other sessions that a passkey signed in.
func (l *Login) PasskeyRemove(ctx context.Context, c Client, sess *Session, u *User, id string) error {
	if l.d.Passkeys == nil {
		return ErrPasskeysUnavailable
	}
	if err := l.freshKeyProofs(ctx, sess, u); err != nil {
		return err
	}
	k, err := l.d.Passkeys.Remove(ctx, u.Username, id)
	if err != nil {
		return err
	}
	// A key is removed because it may be in someone else's hands: the
	// account's other sessions that a passkey signed in end with it
	// (which key did is not recorded).
	n, err := l.d.Sessions.RevokeUserWith(ctx, u.Username, MethodHWK, sess.ID)
	l.auditChange(ctx, c, Event{Name: "passkey_removed", User: u.Username, Attrs: []any{"key", k.Name}}, n, err)
	return err
}

// RemovePasskeyOf removes user's passkey id without any proof, and ends
// every session of user that a passkey signed in: an administrator's
// action (the caller authorises and audits it). The key is returned once
// it is removed, even when ending the sessions then failed (with that
// error): the removal is written, and is to be audited all the same
// (docs/contract.md, "Audit trail"); a zero Passkey says nothing was
// removed.
func (l *Login) RemovePasskeyOf(ctx context.Context, user, id string) (Passkey, error) {
	if l.d.Passkeys == nil {
		return Passkey{}, ErrPasskeysUnavailable
	}
	k, err := l.d.Passkeys.Remove(ctx, user, id)
	if err != nil {
		return Passkey{}, err
	}
	_, err = l.d.Sessions.RevokeUserWith(ctx, user, MethodHWK, "") // as PasskeyRemove, every one
	return k, err
}

// RemoveTOTPOf removes user's authenticator app without any proof, and
// ends every session of user that the app signed in: an administrator's
// action (the caller authorises and audits it). removed says the app is
// gone, even when ending the sessions then failed (err): the removal is
// written, and is to be audited all the same (docs/contract.md, "Audit
// trail").
func (l *Login) RemoveTOTPOf(ctx context.Context, user string) (removed bool, err error) {
	if l.d.TOTP == nil {
		return false, ErrTOTPUnavailable
	}
	if err := l.d.TOTP.Remove(ctx, user); err != nil {
		return false, err
	}
	_, err = l.d.Sessions.RevokeUserWith(ctx, user, MethodOTP, "") // as TOTPRemove, every one
	return true, err
}
