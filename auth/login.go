package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// PasswordChecker is the part of Hasher the login flow needs.
type PasswordChecker interface {
	// Verify reports whether password matches encoded; errors wrap
	// ErrOverloaded when hashing capacity is exhausted.
	Verify(ctx context.Context, encoded, password string) (bool, error)
	// VerifyDummy does the work of one verification and discards it, so
	// unknown users cost the same time as known ones.
	VerifyDummy(ctx context.Context, password string) error
}

// Authenticator checks first factors. Unknown users, wrong passwords and
// disabled users all return ErrInvalidCredentials after the same hashing
// work.
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

// CheckPassword returns the user whose username, email or phone is login
// and whose password is password. Errors: ErrInvalidCredentials,
// ErrOverloaded, or a backend failure (ErrStoreUnavailable).
func (a *Authenticator) CheckPassword(ctx context.Context, login, password string) (*User, error) {
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
	ok, err := a.hasher.Verify(ctx, u.PasswordHash, password)
	if errors.Is(err, ErrOverloaded) {
		return nil, err
	}
	if err != nil {
		a.log.ErrorContext(ctx, "login: stored password hash unusable", "user", u.Username, "error", err)
		return nil, ErrInvalidCredentials
	}
	if !ok || u.Disabled {
		return nil, ErrInvalidCredentials
	}
	return u, nil
}

// dummy spends a verification's work for a login that cannot succeed and
// fails it the way a real one would (overload included).
func (a *Authenticator) dummy(ctx context.Context, password string) error {
	if err := a.hasher.VerifyDummy(ctx, password); errors.Is(err, ErrOverloaded) {
		return err
	}
	return ErrInvalidCredentials
}
