package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// PasswordChecker is the part of Hasher the login flow needs.
type PasswordChecker interface {
	// Check reports whether password matches encoded, in its
	// PasswordForm or as typed; errors wrap ErrOverloaded when hashing
	// capacity is exhausted.
	Check(ctx context.Context, encoded, password string) (Match, error)
	// VerifyDummy takes as long as one verification (holding a hashing
	// slot like one) and can never succeed, so unknown users cost the
	// same time as known ones.
	VerifyDummy(ctx context.Context, password string) error
}

// Authenticator checks first factors. Unknown users, wrong passwords and
// disabled users all return ErrInvalidCredentials after the same time in
// a hashing slot.
type Authenticator struct {
	users  UserBackend
	hasher PasswordChecker
	log    *slog.Logger
}

// NewAuthenticator returns a password checker over users.
func NewAuthenticator(users UserBackend, hasher PasswordChecker, log *slog.Logger) *Authenticator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Authenticator{users: users, hasher: hasher, log: log}
}

// Users returns the user backend.
func (a *Authenticator) Users() UserBackend { return a.users }

// MaxPasswordBytes bounds a password offered to sign in, as typed and in
// its PasswordForm: 1024 characters (the most
// users.password_policy.max_length allows) of at most 4 bytes. A longer
// one is refused before any hashing.
const MaxPasswordBytes = 4096

// CheckPassword returns the user whose username, email or phone is login
// and whose password is password. Errors: ErrInvalidCredentials,
// ErrOverloaded, or a backend failure (ErrStoreUnavailable).
func (a *Authenticator) CheckPassword(ctx context.Context, login, password string) (*User, error) {
	if overLong(password) {
		return nil, ErrInvalidCredentials
	}
	if login == "" || password == "" {
		return nil, a.dummy(ctx, password)
	}
	u, err := a.users.Lookup(ctx, login)
	if errors.Is(err, ErrUserNotFound) {
		return nil, a.dummy(ctx, password)
	}
	if err != nil {
		return nil, fmt.Errorf("login: lookup: %w", err)
	}
	return a.VerifyUser(ctx, u, password)
}

// VerifyUser is CheckPassword for an account already looked up (with
// ResolveLogin, so that bans can be checked on its subject first): u nil
// stands for an unknown login and takes a verification's time like one.
// It returns u when password is its password and it is not disabled.
func (a *Authenticator) VerifyUser(ctx context.Context, u *User, password string) (*User, error) {
	if overLong(password) {
		// Longer than any password policy allows (at most 1024
		// characters): refused unhashed, whoever it is for, so that it
		// cannot be hashed outside the hashing worker, at full priority.
		return nil, ErrInvalidCredentials
	}
	if u == nil || password == "" || u.PasswordHash == "" {
		// An account without a password yet (made by an administrator,
		// or whose password an administrator reset) is refused like a
		// wrong password, in a verification's time.
		return nil, a.dummy(ctx, password)
	}
	m, err := a.hasher.Check(ctx, u.PasswordHash, password)
	if errors.Is(err, ErrOverloaded) {
		return nil, err
	}
	if abandoned(err) {
		return nil, fmt.Errorf("login: password check: %w", err)
	}
	if err != nil {
		a.log.ErrorContext(ctx, "login: stored password hash unusable", "user", u.Username, "error", err)
		return nil, ErrInvalidCredentials
	}
	if m == NoMatch || u.Disabled {
		return nil, ErrInvalidCredentials
	}
	a.rehash(ctx, u, password, m)
	return u, nil
}

// rehasher is the part of Hasher that upgrades stored hashes.
type rehasher interface {
	NeedsRehash(encoded string) bool
	Hash(ctx context.Context, password string) (string, error)
}

// hashUpgrader is a user backend that can store a stronger hash of the
// same password without ending the account's sessions.
type hashUpgrader interface {
	UpgradeHash(ctx context.Context, username, old, hash string) error
}

// rehash replaces a bcrypt hash, an argon2id hash weaker than
// configured, or a hash of the password as typed rather than in its
// PasswordForm (m, what Check found), after a successful login, when the
// backend can store it, and when the hash checked the whole password
// (see checkedWhole). The password is the same, so the credential
// generation is kept (sessions live on). Failures are logged and do not
// fail the login.
func (a *Authenticator) rehash(ctx context.Context, u *User, password string, m Match) {
	rh, ok1 := a.hasher.(rehasher)
	hu, ok2 := a.users.(hashUpgrader)
	checked := PasswordForm(password) // what the stored hash matched
	if m == MatchedAsTyped {
		checked = password
	}
	if !ok1 || !ok2 || (m != MatchedAsTyped && !rh.NeedsRehash(u.PasswordHash)) || !checkedWhole(u.PasswordHash, checked) {
		return
	}
	enc, err := rh.Hash(ctx, password)
	if err == nil {
		err = hu.UpgradeHash(ctx, u.Username, u.PasswordHash, enc)
	}
	if err != nil {
		a.log.WarnContext(ctx, "login: password rehash failed", "user", u.Username, "error", err)
		return
	}
	u.PasswordHash = enc
	a.log.InfoContext(ctx, "login: password hash upgraded", "user", u.Username)
}

// dummy takes a verification's time for a login that cannot succeed and
// fails it the way a real one would (overload and abandon included).
func (a *Authenticator) dummy(ctx context.Context, password string) error {
	err := a.hasher.VerifyDummy(ctx, password)
	if errors.Is(err, ErrOverloaded) {
		return err
	}
	if abandoned(err) {
		return fmt.Errorf("login: password check: %w", err)
	}
	return ErrInvalidCredentials
}

// abandoned reports whether err is the caller's context ending (the
// client went away, or its deadline passed) during a password check:
// there is no verdict, neither a wrong password nor an unusable hash.
func abandoned(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
