package auth

// Recovery codes in flight (docs/contract.md, "Recovery codes"): a code
// spent is kept by its sign-in only while what it came from is still the
// account's once the session is written (Holds), and a set is made, or
// the codes voided, one at a time per account (lock).

import (
	"context"
	"fmt"
	"time"
)

// SpentCode is a recovery code Use spent: whether an administrator
// issued it, and what of the account's it came from (its set, or the
// issue epoch it was issued under), which Holds asks about.
type SpentCode struct {
	Issued bool   // issued by an administrator, not of the account's set
	batch  string // the set's batch, for a code of the set
	epoch  string // the issue epoch of an issued code ("": before epochs)
}

// Use spends code, one of user's codes or an issued one, and reports
// where it came from. Anything else is ErrRecoveryCodeInvalid.
func (r *Recovery) Use(ctx context.Context, user, code string) (SpentCode, error) {
	norm, ok := normalizeRecovery(code)
	if !ok {
		return SpentCode{}, ErrRecoveryCodeInvalid
	}
	h := r.hash(user, norm)
	set, err := r.load(ctx, user)
	if err != nil {
		return SpentCode{}, err
	}
	if set != nil && set.Batch != "" {
		ok, err := r.kv.Delete(ctx, r.codeKey(user, set.Batch, h))
		if err != nil || ok {
			return SpentCode{batch: set.Batch}, err
		}
	}
	epoch, err := r.epoch(ctx, user)
	if err != nil {
		return SpentCode{}, err
	}
	key := r.legacyIssuedKey(user, h)
	if epoch != "" {
		key = r.issuedKey(user, epoch, h)
	}
	ok, err = r.kv.Delete(ctx, key)
	if err != nil {
		return SpentCode{}, err
	}
	if !ok {
		return SpentCode{}, ErrRecoveryCodeInvalid
	}
	return SpentCode{Issued: true, epoch: epoch}, nil
}

// Holds reports whether what spent came from is still user's: the set
// its code was of is still the account's (no new set was made, nothing
// voided it), or the issue epoch it was issued under is still the
// account's (Forget did not move it on). It is asked once the sign-in
// the code proved is written (Login.keepProof): a void that came between
// the code's use and that write is seen here, one that comes after
// finds the session (docs/contract.md, "Recovery codes").
func (r *Recovery) Holds(ctx context.Context, user string, spent SpentCode) (bool, error) {
	if !spent.Issued {
		set, err := r.load(ctx, user)
		return err == nil && set != nil && set.Batch == spent.batch, err
	}
	epoch, err := r.epoch(ctx, user)
	return err == nil && epoch == spent.epoch, err
}

// The lock of one account's recovery codes (storeLock), held while the
// codes are voided (voidLock) or a set is made (setLock), both of which
// end sessions: a void waits for a set being made, and voids it; a set
// is refused at once while another, or a void, is under way, as one of
// two sets made at the same moment is (ErrRecordContended: 503
// account_busy, try again).
var (
	voidLock = lockTimes{ttl: 10 * time.Second, wait: 5 * time.Second, poll: 20 * time.Millisecond}
	setLock  = lockTimes{ttl: 10 * time.Second, poll: 20 * time.Millisecond}
)

// errRecoveryBusy: another set or void of the account's codes holds
// their lock.
var errRecoveryBusy = fmt.Errorf("recovery codes: another change of them is under way: %w", ErrRecordContended)

// lock takes user's lock on its recovery codes with times t and returns
// its lease and the context to work in. A void (the codes removed, then the sessions they signed
// in ended) and a new set (recorded, then the sessions the old set's
// codes signed in ended) hold it from their write to their last end, and
// a set is made under it only by a session still signed in once it is
// held. Before, a set made between a void's removal and its ends, by a
// session the void then ended, outlived the void, and one recorded over
// another set's before that set's ends left the codes it showed dead
// (docs/contract.md, "Recovery codes").
func (r *Recovery) lock(ctx context.Context, user string, t lockTimes) (*Lease, context.Context, error) {
	return storeLock(ctx, r.kv, "rcl:"+r.names.name("user", user), t, errRecoveryBusy)
}
