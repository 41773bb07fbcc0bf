package auth

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Argon2Deriver computes argon2id keys somewhere other than the calling
// goroutine: cmd/gatehouse hands the Hasher one that runs them in a
// low-priority child process, so that a flood of logins cannot take CPU
// from signed-in traffic.
type Argon2Deriver interface {
	// Argon2Key returns argon2.IDKey(password, salt, iterations,
	// memoryKiB, parallelism, keyLen). Errors: ctx's when it ends first,
	// or the deriver's failure.
	Argon2Key(ctx context.Context, password, salt []byte, iterations, memoryKiB uint32, parallelism uint8, keyLen uint32) ([]byte, error)
}

// BcryptComparer is an Argon2Deriver that also checks bcrypt hashes
// where it computes argon2id keys (docs/contract.md, "Password
// hashing"): a Hasher given one checks no bcrypt hash in process.
type BcryptComparer interface {
	// CompareBcrypt reports whether password matches the bcrypt hash.
	// Errors: ctx's when it ends first, or the comparer's failure.
	CompareBcrypt(ctx context.Context, hash, password []byte) (bool, error)
}

// SetDeriver makes h compute argon2id keys with d (nil: in the calling
// goroutine, the default). Call it before h is used. The concurrency
// limit and waiting rules stay h's.
func (h *Hasher) SetDeriver(d Argon2Deriver) { h.deriver = d }

// argon2Key computes a's key for password, with the deriver if there is
// one. A deriver failure wraps ErrOverloaded (the login is refused as
// under overload, never treated as a wrong password). When ctx ends
// during the computation the result is ctx's error, in process as with
// the deriver: a caller that went away gets no verdict.
func (h *Hasher) argon2Key(ctx context.Context, a *argon2Hash, password string) ([]byte, error) {
	if h.deriver == nil {
		k := a.derive(password)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("password hashing: %w", err)
		}
		return k, nil
	}
	k, err := h.deriver.Argon2Key(ctx, []byte(password), a.salt, a.iterations, a.memory, a.parallelism, uint32(len(a.key))) //nolint:gosec // a key of a stored hash: 16 to 64 bytes
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("password hashing: %w", ctx.Err())
		}
		return nil, fmt.Errorf("password hashing: %w: %w", ErrOverloaded, err)
	}
	return k, nil
}

// compareBcrypt reports whether password matches the bcrypt hash
// encoded, with the deriver when it checks bcrypt too. Its failures are
// argon2Key's; a hash bcrypt cannot read is an error.
func (h *Hasher) compareBcrypt(ctx context.Context, encoded, password string) (bool, error) {
	if bc, ok := h.deriver.(BcryptComparer); ok {
		match, err := bc.CompareBcrypt(ctx, []byte(encoded), []byte(password))
		if err != nil {
			if ctx.Err() != nil {
				return false, fmt.Errorf("password hashing: %w", ctx.Err())
			}
			return false, fmt.Errorf("password hashing: %w: %w", ErrOverloaded, err)
		}
		return match, nil
	}
	err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
	if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("malformed bcrypt hash: %w", err)
	}
	return true, nil
}
