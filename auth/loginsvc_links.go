package auth

// Set-password links (docs/contract.md, "Admin console"): an
// administrator who creates an account, or ends its password, hands its
// person a one-time link; opening it, they choose a password, through
// the same last step as a password reset.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// PasswordLinkTTL is how long a set-password link works.
const PasswordLinkTTL = 72 * time.Hour

// passwordLinkPrefix starts every set-password token, so that one is
// recognised when it leaks (a secret scanner can look for it).
const passwordLinkPrefix = "ghpw_"

// linkKey names a link's store key by the SHA-256 of its token: the
// store never holds the token (it has 256 random bits, so an unkeyed
// hash gives nothing away).
func linkKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "spw:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// passwordLink is what a link's key holds: whose account, and the
// credential generation it was issued under. A link stops working as
// soon as the account's credentials change (its password set, by this
// link or another way).
type passwordLink struct {
	User string `json:"u"`
	Gen  string `json:"g"`
}

// IssuePasswordLink returns a new set-password token for u, valid
// PasswordLinkTTL, single-use, kept only as its hash.
func (l *Login) IssuePasswordLink(ctx context.Context, u *User) (string, error) {
	if l.d.Registry == nil {
		return "", ErrAccountUnavailable
	}
	secret, err := RandomToken(32)
	if err != nil {
		return "", err
	}
	token := passwordLinkPrefix + secret
	v, err := json.Marshal(passwordLink{User: u.Username, Gen: u.Generation})
	if err != nil {
		return "", err
	}
	if err := l.d.KV.Set(ctx, linkKey(token), v, PasswordLinkTTL); err != nil {
		return "", err
	}
	return token, nil
}

// PasswordLinkUser returns the account a set-password token is for, or
// ErrPasswordLinkInvalid (unknown, used, expired, or the account's
// credentials changed since).
func (l *Login) PasswordLinkUser(ctx context.Context, token string) (*User, error) {
	if l.d.Registry == nil {
		return nil, ErrPasswordLinkInvalid
	}
	if !strings.HasPrefix(token, passwordLinkPrefix) || len(token) > 100 {
		return nil, ErrPasswordLinkInvalid
	}
	v, err := l.d.KV.Get(ctx, linkKey(token))
	if errors.Is(err, ErrNotFound) {
		return nil, ErrPasswordLinkInvalid
	}
	if err != nil {
		return nil, err
	}
	var pl passwordLink
	if json.Unmarshal(v, &pl) != nil {
		return nil, ErrPasswordLinkInvalid
	}
	u, err := l.d.Users.Lookup(ctx, pl.User)
	if errors.Is(err, ErrUserNotFound) || err == nil && (u.Username != pl.User || u.Generation != pl.Gen || u.Disabled) {
		return nil, ErrPasswordLinkInvalid
	}
	return u, err
}

// SetPasswordWithLink sets the password of the account token is for:
// the password rules of a sign-up, then the password is hashed, then the
// token is spent (of two concurrent uses exactly one goes on) and the
// password set as a reset sets it, ending every session of the account.
// A refused password keeps the token, and so does a hash that failed (its
// slots busy, which anyone can make them: docs/contract.md, "Password
// reset, step two").
// account is the account the page the password was typed on named, ""
// for a caller that sent the token itself (the API's body): a token of
// another account's link is ErrPasswordLinkInvalid, nothing set nor
// spent, as a page's token rides in a cookie that a sibling host of the
// same site can overwrite between the page and its post
// (docs/contract.md, "Admin console").
func (l *Login) SetPasswordWithLink(ctx context.Context, c Client, token, account, password string) error {
	u, err := l.PasswordLinkUser(ctx, token)
	if err != nil {
		return err
	}
	if account != "" && account != u.Username {
		return ErrPasswordLinkInvalid
	}
	if p := l.d.Policy.Check(password, u); p.ID != "" {
		return &InputError{Problems: map[string]Problem{"password": p}}
	}
	hash, err := l.d.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	spent, err := l.d.KV.Delete(ctx, linkKey(token))
	if err != nil {
		return err
	}
	if !spent {
		return ErrPasswordLinkInvalid
	}
	_, err = l.setNewPassword(ctx, c, nil, u, u.Username, hash, "password_set", ErrPasswordLinkInvalid)
	return err
}

// setNewPassword is the last step of a password reset and of a
// set-password link: u's new password, hashed before what proved it was
// spent, is stored while u still has the credentials the code or link
// was checked against (setPassword: else expired), its failures (under
// subject) forgotten, every session but sess (nil: all) ended, and event
// audited.
func (l *Login) setNewPassword(ctx context.Context, c Client, sess *Session, u *User, subject, hash, event string, expired error) (Step, error) {
	gen, err := l.setPassword(ctx, u, hash, expired)
	if err != nil {
		return Step{}, err
	}
	// Written: audited whatever its follow-ups meet.
	n := 0
	err = l.forgetFailures(ctx, subject)
	if err == nil {
		n, err = l.keepOnly(ctx, c, sess, u.Username, gen, true) // a new password chosen
	}
	l.auditChange(ctx, c, Event{Name: event, User: u.Username, Phone: u.Phone}, n, err)
	if err != nil {
		return Step{}, err
	}
	return Step{Session: sess}, nil
}

// setPassword stores hash as u's password only while the account is
// enabled under the credential generation u was read with, decided with
// the write (UserRegistry.SetPasswordIf): a new password, hashed at
// length (and after a wait for a hashing slot, which anyone can
// lengthen), is never written over a change of the credentials that
// landed meanwhile: the owner's reset, an administrator's disable,
// cleared number or forced reset, the name deleted and given to someone
// else (docs/contract.md, "Sessions end when credentials change").
// expired is the answer then: what the change was proved with (a code, a
// link, a session) was for credentials that are gone. It returns the
// credential generation it wrote.
func (l *Login) setPassword(ctx context.Context, u *User, hash string, expired error) (string, error) {
	gen, err := l.d.Registry.SetPasswordIf(ctx, u.Username, u.Generation, hash)
	if errors.Is(err, ErrCredentialsChanged) || errors.Is(err, ErrUserNotFound) {
		l.log.InfoContext(ctx, "account: new password not set, the credentials changed meanwhile", "user", u.Username)
		return "", expired
	}
	return gen, err
}

// phoneProver is a user backend that records a phone number proved
// (storeusers).
type phoneProver interface {
	PhoneProved(ctx context.Context, username, phone string) error
}

// phoneProved records that u's number, which an administrator gave,
// received a code that came back to sess: its routes stop asking for a
// code because of it. Only a code that follows the account's password
// (or a user-verified passkey, which includes it) in sess proves it, one
// its person asked for: a code-only sign-in proves no more than that its
// client holds the number, which is what is in doubt (a number typed by
// mistake, or recycled; docs/contract.md, "Admin console").
func (l *Login) phoneProved(ctx context.Context, sess *Session, u *User, phone string) error {
	if !u.PhoneUnproved || phone != u.Phone || !sess.Satisfies(MethodPassword, time.Time{}) {
		return nil
	}
	if pp, ok := l.d.Registry.(phoneProver); ok {
		return pp.PhoneProved(ctx, u.Username, phone)
	}
	return nil
}
