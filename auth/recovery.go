package auth

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Recovery codes (docs/contract.md, "Recovery codes"): the way back in
// when the phone is lost. An account has at most one set of
// RecoveryCodeCount single-use codes, made at once and shown once; making
// a new set kills the old one. An administrator can also issue one
// single-use code that lives IssuedCodeTTL. A code stands in for the
// second factor once.
//
// Only keyed hashes are stored, and each code is a store key of its own,
// so that KV.Delete (of several concurrent Deletes exactly one reports
// true) makes every code single-use without a read-modify-write. Keys are
// named by the account's username through the deployment's keyNamer, so
// the codes work with every user backend, the file backend included.
type Recovery struct {
	kv    Store
	names keyNamer
	clock Clock
}

// Recovery code parameters.
const (
	// RecoveryCodeCount is how many codes one set has.
	RecoveryCodeCount = 10
	// IssuedCodeTTL is how long an administrator's one-time code lives.
	IssuedCodeTTL = 24 * time.Hour
	// recoveryCodeLen is a code's length in symbols of recoveryAlphabet:
	// 12 × 5 = 60 bits, shown as three groups of four.
	recoveryCodeLen = 12
)

// recoveryAlphabet is Crockford's base32: no I, L, O or U, so a code read
// aloud or off paper is not misread; normalizeRecovery maps the look-alikes.
const recoveryAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ErrRecoveryCodeInvalid is a recovery code that is not one of the
// account's unused codes (nor an issued one still alive). It is counted
// like a wrong code.
var ErrRecoveryCodeInvalid = errors.New("invalid recovery code")

// NewRecovery returns the recovery code service over kv. key names the
// store keys (derive it with Signer.DeriveKey("recovery")); NewRecovery
// panics when it is shorter than MinKeyLen.
func NewRecovery(kv Store, key []byte, clock Clock) *Recovery {
	if clock == nil {
		clock = SystemClock{}
	}
	return &Recovery{kv: kv, names: keyNamer{key: requireKey("NewRecovery", key)}, clock: clock}
}

// recoverySet is what the store keeps of an account's set: its random
// batch id (part of every code's key, so an old set's codes are dead the
// moment a new batch is recorded) and the codes' hashes, to count them.
// Offered alone records that the set was offered and not made.
//
// Void holds instead of Batch the batch of a set being voided (Forget):
// its codes are dead, as Use looks them up under Batch only, and their
// keys, which the record still names, are going.
type recoverySet struct {
	Batch   string   `json:"b,omitempty"`
	Hashes  []string `json:"h,omitempty"`
	Offered bool     `json:"o,omitempty"`
	Created int64    `json:"c,omitempty"`
	Void    string   `json:"v,omitempty"`
}

// codesBatch is the batch the keys of set's codes are named with.
func (s *recoverySet) codesBatch() string { return cmp.Or(s.Batch, s.Void) }

func (r *Recovery) setKey(user string) string { return "rc:" + r.names.name("user", user) }

func (r *Recovery) codeKey(user, batch, hash string) string {
	return r.setKey(user) + ":" + batch + ":" + hash
}

// issuedKey names an issued code of user under the account's current
// issue epoch (epochKey): Forget moves the epoch on, so a code issued
// before an account was deleted never opens the account that takes its
// name.
func (r *Recovery) issuedKey(user, epoch, hash string) string {
	return r.setKey(user) + ":i:" + epoch + ":" + hash
}

// legacyIssuedKey names a code issued before issue epochs existed; it is
// honoured only while the account has no epoch (at most IssuedCodeTTL
// after an upgrade, and never after Forget, which records one).
func (r *Recovery) legacyIssuedKey(user, hash string) string { return r.setKey(user) + ":i:" + hash }

// epochKey holds the account's issue epoch, a random word that lives as
// long as the last code issued under it.
func (r *Recovery) epochKey(user string) string { return r.setKey(user) + ":ie" }

// epoch returns user's issue epoch ("" for none).
func (r *Recovery) epoch(ctx context.Context, user string) (string, error) {
	b, err := r.kv.Get(ctx, r.epochKey(user))
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return string(b), err
}

// startEpoch records an issue epoch for user, who has none; of two
// concurrent starts both get the one recorded first.
func (r *Recovery) startEpoch(ctx context.Context, user string) (string, error) {
	e, err := randomText(9)
	if err != nil {
		return "", err
	}
	set, err := r.kv.SetNX(ctx, r.epochKey(user), []byte(e), IssuedCodeTTL)
	if err != nil || set {
		return e, err
	}
	return r.epoch(ctx, user)
}

// hash is the keyed hash of a normalized code of user: bound to the
// account, so one account's code never names another's.
func (r *Recovery) hash(user, code string) string { return r.names.name("recovery "+user, code) }

func (r *Recovery) load(ctx context.Context, user string) (*recoverySet, error) {
	set, _, err := r.loadRaw(ctx, user)
	return set, err
}

// loadRaw is load, also returning the bytes the record was read from
// (nil for none), for a compare-and-set of it.
func (r *Recovery) loadRaw(ctx context.Context, user string) (*recoverySet, []byte, error) {
	b, err := r.kv.Get(ctx, r.setKey(user))
	if errors.Is(err, ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var set recoverySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, nil, fmt.Errorf("recovery codes of an account: %w", ErrStoreUnavailable)
	}
	return &set, b, nil
}

// Generate makes a new set of RecoveryCodeCount codes for user and
// returns them, formatted to be shown once. The account's previous set,
// used or not, stops working.
//
// The set is recorded by a compare-and-set of the record it read: of two
// sets made at once (a double click, two tabs, two replicas) one is
// recorded and the other refused with ErrRecordContended, its codes
// deleted, so that no answer shows codes that never work and nothing of
// a set nobody holds stays in the store (docs/contract.md, "Recovery
// codes").
func (r *Recovery) Generate(ctx context.Context, user string) ([]string, error) {
	sw, ok := r.kv.(Swapper)
	if !ok {
		return nil, fmt.Errorf("recovery codes: the store cannot compare and set: %w", ErrStoreUnavailable)
	}
	old, oldRaw, err := r.loadRaw(ctx, user)
	if err != nil {
		return nil, err
	}
	batch, err := randomText(9)
	if err != nil {
		return nil, err
	}
	set := &recoverySet{Batch: batch, Created: r.clock.Now().Unix()}
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		code, err := newRecoveryCode()
		if err != nil {
			r.dropCodes(ctx, user, set)
			return nil, err
		}
		h := r.hash(user, code)
		set.Hashes = append(set.Hashes, h)
		if err := r.kv.Set(ctx, r.codeKey(user, batch, h), []byte{1}, Forever); err != nil {
			r.dropCodes(ctx, user, set)
			return nil, err
		}
		codes[i] = FormatRecoveryCode(code)
	}
	b, err := json.Marshal(set)
	if err != nil {
		r.dropCodes(ctx, user, set)
		return nil, err
	}
	// Recording the batch is what switches sets: from here the old codes'
	// keys are never looked up again; deleting them only tidies. It is
	// recorded only over the record read: another set recorded meanwhile
	// is the account's, and this one is dropped.
	switch swapped, err := sw.CompareAndSwap(ctx, r.setKey(user), oldRaw, b, Forever); {
	case err != nil:
		r.dropCodes(ctx, user, set)
		return nil, err
	case !swapped:
		r.dropCodes(ctx, user, set)
		return nil, fmt.Errorf("recovery codes: another set was made at the same moment: %w", ErrRecordContended)
	}
	if old != nil {
		r.dropCodes(ctx, user, old) // also when the client hung up meanwhile
	}
	return codes, nil
}

// Withdraw takes back the set Generate just made for user, whose codes
// are codes, which the request that made it must not keep (its session
// ended meanwhile; docs/contract.md, "Recovery codes"): while it is
// still the account's set, its codes stop working and its record goes.
// Another set recorded since is left alone.
func (r *Recovery) Withdraw(ctx context.Context, user string, codes []string) error {
	set, err := r.load(ctx, user)
	if err != nil || set == nil || set.Batch == "" || len(codes) == 0 {
		return err
	}
	// The set is the one made if it holds the first code given.
	if norm, ok := normalizeRecovery(codes[0]); !ok || !slices.Contains(set.Hashes, r.hash(user, norm)) {
		return nil // not this set
	}
	for _, h := range set.Hashes {
		if _, err := r.kv.Delete(ctx, r.codeKey(user, set.Batch, h)); err != nil {
			return err
		}
	}
	_, err = r.kv.Delete(ctx, r.setKey(user))
	return err
}

// tidyTimeout bounds the deletes dropCodes makes once its caller may
// have gone: the keys of a set nobody can use are deleted though the
// client hung up, but a store that hangs does not hold the goroutine.
const tidyTimeout = 5 * time.Second

// dropCodes deletes the code keys of set, one that is no longer the
// account's or was never recorded (Generate), whether or not the request
// is still there: the keys are kept for good, so a hang-up at the wrong
// moment would leave them for ever (docs/contract.md, "Store
// housekeeping"). A failure only leaves keys never looked up.
func (r *Recovery) dropCodes(ctx context.Context, user string, set *recoverySet) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tidyTimeout)
	defer cancel()
	for _, h := range set.Hashes {
		_, _ = r.kv.Delete(ctx, r.codeKey(user, set.codesBatch(), h))
	}
}

// Issue makes one single-use code for user that lives IssuedCodeTTL, for
// an administrator to hand over (gatehouse user issue-recovery). It does
// not touch the account's own set.
func (r *Recovery) Issue(ctx context.Context, user string) (string, error) {
	code, err := newRecoveryCode()
	if err != nil {
		return "", err
	}
	epoch, err := r.epoch(ctx, user)
	if err != nil {
		return "", err
	}
	if epoch == "" {
		epoch, err = r.startEpoch(ctx, user)
	} else {
		// The epoch outlives the code issued now. A Forget between the
		// read and this write only kills the new code (fails closed).
		_, err = r.kv.Expire(ctx, r.epochKey(user), IssuedCodeTTL)
	}
	if err != nil {
		return "", err
	}
	if err := r.kv.Set(ctx, r.issuedKey(user, epoch, r.hash(user, code)), []byte{1}, IssuedCodeTTL); err != nil {
		return "", err
	}
	return FormatRecoveryCode(code), nil
}

// RecoveryStatus is what an account has of recovery codes.
type RecoveryStatus struct {
	Made    bool      // a set was made (it may be used up)
	Offered bool      // a set was offered, made or not
	Left    int       // unused codes of the set
	Created time.Time // when the set was made
}

// Status reports user's set: whether one was made or offered, and how
// many of its codes are left.
func (r *Recovery) Status(ctx context.Context, user string) (RecoveryStatus, error) {
	set, err := r.load(ctx, user)
	if err != nil || set == nil || set.Void != "" {
		return RecoveryStatus{}, err // none, or one being voided
	}
	st := RecoveryStatus{Made: set.Batch != "", Offered: true}
	if st.Made {
		st.Created = time.Unix(set.Created, 0)
	}
	for _, h := range set.Hashes {
		_, err := r.kv.Get(ctx, r.codeKey(user, set.Batch, h))
		switch {
		case err == nil:
			st.Left++
		case !errors.Is(err, ErrNotFound):
			return RecoveryStatus{}, err
		}
	}
	return st, nil
}

// MarkOffered records that user was offered a set and declined, so the
// offer after a sign-in is made once. It reports whether this call was
// the one to record it (false: offered or made before). Written as a set
// is, by a compare-and-set (of nothing), so that a store that replays
// its account records after a failover has both, in order: a set made
// over a lost offer would find nothing to replace.
func (r *Recovery) MarkOffered(ctx context.Context, user string) (bool, error) {
	sw, ok := r.kv.(Swapper)
	if !ok {
		return false, fmt.Errorf("recovery codes: the store cannot compare and set: %w", ErrStoreUnavailable)
	}
	b, err := json.Marshal(recoverySet{Offered: true})
	if err != nil {
		return false, err
	}
	return sw.CompareAndSwap(ctx, r.setKey(user), nil, b, Forever)
}
