package auth

// Checking an authenticator app's code (docs/contract.md, "Authenticator
// apps"): the step it is of, around now, claimed once, and only while no
// later step of the account was accepted, by this replica or any other.

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpSkewSteps is TOTPMaxReplicaSkew in whole steps, rounded up: how
// far ahead of this replica's clock another replica's may be.
const totpSkewSteps = int64((TOTPMaxReplicaSkew + TOTPPeriod - 1) / TOTPPeriod)

// verify finds the step of code around now and claims it. It is accepted
// only when no later step of the account was: one any replica may have
// accepted, whose clock may be up to TOTPMaxReplicaSkew ahead of this
// one's, so that a code older than one used is refused through a replica
// whose clock is behind too. Before, the later steps looked at were
// those of this replica's own window, and a replica minutes behind
// accepted a code older than one used through another.
func (t *TOTP) verify(ctx context.Context, user, secret, code string) error {
	now := t.clock.Now().Unix() / int64(TOTPPeriod/time.Second)
	match := int64(-1)
	for step := now - TOTPSkew; step <= now+TOTPSkew; step++ {
		want, err := totpCode(secret, step)
		if err != nil {
			return err
		}
		// Every candidate is compared, in constant time, so the timing
		// does not tell which step matched.
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			match = step
		}
	}
	if match < 0 {
		return ErrTOTPInvalid
	}
	claimed, err := t.kv.SetNX(ctx, t.stepKey(user, match), []byte{1}, totpClaimTTL)
	if err != nil {
		return err
	}
	if !claimed {
		return errTOTPReplayed
	}
	later, err := t.claimedAmong(ctx, user, match+1, now+TOTPSkew+totpSkewSteps)
	if err != nil {
		return err
	}
	if later {
		return errTOTPReplayed
	}
	return nil
}

// claimedAmong reports whether any step of user from first to last was
// claimed, in one round trip where the store reads many keys at once.
func (t *TOTP) claimedAmong(ctx context.Context, user string, first, last int64) (bool, error) {
	keys := make([]string, 0, max(last-first+1, 0))
	for step := first; step <= last; step++ {
		keys = append(keys, t.stepKey(user, step))
	}
	if mg, ok := t.kv.(MultiGetter); ok {
		vals, err := mg.GetMany(ctx, keys)
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(vals, func(v []byte) bool { return v != nil }), nil
	}
	for _, key := range keys {
		_, err := t.kv.Get(ctx, key)
		switch {
		case err == nil:
			return true, nil
		case !errors.Is(err, ErrNotFound):
			return false, err
		}
	}
	return false, nil
}

// totpCode is the code of secret (base32) for time step step.
func totpCode(secret string, step int64) (string, error) {
	return totp.GenerateCodeCustom(secret, time.Unix(step*int64(TOTPPeriod/time.Second), 0).UTC(), totp.ValidateOpts{
		Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
}
