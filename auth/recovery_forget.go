package auth

// The void of an account's recovery codes (docs/contract.md, "Recovery
// codes", "Store keys"): the console's void, reset-2fa and a delete all
// go through Recovery.Forget.

import (
	"context"
	"encoding/json"
	"fmt"
)

// Forget deletes user's set of recovery codes, used or not, and kills
// every code issued to user (a new epoch, recorded even when there was
// none, so that codes issued before epochs existed die too).
//
// The set dies in one write, before any key goes: its record is swapped
// for one naming its batch as void (recoverySet.Void), whose codes Use
// never looks up. Then its codes' keys go, and last the record, only
// while it is still that one (a set made since is left alone), even if
// the request is gone meanwhile (tidyTimeout); a Forget cut off on the
// way leaves every code dead, and the record that names their keys for
// a retry, or the next set, to end the job. Before, the codes were
// deleted one by one before the record, and a void cut off after the
// first left the others working (docs/contract.md, "Recovery codes").
func (r *Recovery) Forget(ctx context.Context, user string) error {
	sw, ok := r.kv.(Swapper)
	if !ok {
		return fmt.Errorf("recovery codes: the store cannot compare and set: %w", ErrStoreUnavailable)
	}
	e, err := randomText(9)
	if err != nil {
		return err
	}
	if err := r.kv.Set(ctx, r.epochKey(user), []byte(e), IssuedCodeTTL); err != nil {
		return err
	}
	set, raw, err := r.loadRaw(ctx, user)
	if err != nil || set == nil {
		return err
	}
	if set.Batch != "" {
		dead, err := json.Marshal(recoverySet{Void: set.Batch, Hashes: set.Hashes})
		if err != nil {
			return err
		}
		switch swapped, err := sw.CompareAndSwap(ctx, r.setKey(user), raw, dead, Forever); {
		case err != nil:
			return err
		case !swapped:
			return fmt.Errorf("recovery codes: a set was made as they were voided: %w", ErrRecordContended)
		}
		raw = dead
	}
	// Every code is dead from here: the rest only tidies, and is done
	// though the client hangs up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tidyTimeout)
	defer cancel()
	for _, h := range set.Hashes {
		if _, err := r.kv.Delete(ctx, r.codeKey(user, set.codesBatch(), h)); err != nil {
			return err
		}
	}
	_, err = sw.CompareAndDelete(ctx, r.setKey(user), raw)
	return err
}
