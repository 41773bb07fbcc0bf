package auth

// The console's list of bans (docs/contract.md, "Admin console"): ban
// and lock keys are named by keyed hashes, which give away neither the
// account nor the address; the ban's value says whom it holds (a phone
// number masked, an IPv6 client as its /64, a site as its /48), and
// "reg:list", a sorted index of the keys, lets the console read them a
// page at a time.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// banListKey is the sorted index of live bans and locks, by the names of
// their keys ("ban:u:…", "lock:u:…", "ban:ip:…"). An entry outlives its
// ban until the list is next read there, or a sweep passes (sweepList).
const banListKey = "reg:list"

// listSweep is how many entries of the list each new ban or lock checks.
const listSweep = 4

// Ban kinds.
const (
	BanAccount = "account" // an account, or a name typed that has none
	BanAddress = "address" // a client address (an IPv6 client's /64 or /48)
)

// subjectLabel, addressLabel and netLabel are the values of a subject's,
// a client's and a network's (an IPv6 /48's) bans: the kind, a NUL, and
// what the console shows (for a subject, ShownSubject).
func subjectLabel(shown string) string { return "u\x00" + shown }
func addressLabel(ip string) string    { return netLabel(clientNet(ip)) }
func netLabel(network string) string   { return "ip\x00" + network }

// Ban is one live ban or lock, as the console lists it.
type Ban struct {
	Handle    string        `json:"handle"`  // names the ban for LiftHandle; names no one
	Kind      string        `json:"kind"`    // BanAccount or BanAddress
	Subject   string        `json:"subject"` // the account (a phone number masked) or the address
	Reason    string        `json:"reason"`  // ReasonBanned or ReasonLocked
	Remaining time.Duration `json:"-"`
	// RemainingSeconds is Remaining, for JSON.
	RemainingSeconds int `json:"remaining_seconds"`
}

// listed adds a ban's key name to the list, when the store keeps one.
func (r *Regulator) listed(ctx context.Context, name string, ttl time.Duration) error {
	idx, ok := r.store.(SortedIndex)
	if !ok {
		return nil
	}
	if err := idx.ZAdd(ctx, banListKey, name, ttl); err != nil {
		return fmt.Errorf("regulation: list: %w", err)
	}
	r.sweepList(ctx, idx)
	return nil
}

// sweepList checks the listSweep entries of the list after where the
// last sweep stopped (from the start again after the end) and drops those
// whose ban or lock ended. Run with every ban and lock listed, it goes
// round the whole list once per a quarter of its length in new bans, so
// the list holds at most about 4/3 of the bans alive whether or not the
// console reads it (docs/contract.md, "Store housekeeping"). The store
// keeps the key alive while bans come; without sweeps every ban ever made
// would stay listed. It is housekeeping: a store failure leaves the
// entries to a later sweep.
func (r *Regulator) sweepList(ctx context.Context, idx SortedIndex) {
	r.sweepMu.Lock()
	after := r.sweepAfter
	r.sweepMu.Unlock()
	names, err := idx.ZAfter(ctx, banListKey, after, listSweep)
	if err != nil {
		return
	}
	next := ""
	if len(names) == listSweep {
		next = names[len(names)-1]
	}
	r.sweepMu.Lock()
	r.sweepAfter = next
	r.sweepMu.Unlock()
	for _, name := range names {
		if _, err := r.store.TTL(ctx, "reg:"+name); errors.Is(err, ErrNotFound) {
			r.unlist(ctx, idx, name)
		}
	}
}

// unlist drops the entry name, whose ban was found ended, from the list;
// a ban made again under the name meanwhile is listed again.
func (r *Regulator) unlist(ctx context.Context, idx SortedIndex, name string) {
	if idx.ZRem(ctx, banListKey, name) != nil {
		return
	}
	if ttl, err := r.store.TTL(ctx, "reg:"+name); err == nil && ttl > 0 {
		_ = idx.ZAdd(ctx, banListKey, name, ttl) // a failure leaves it unlisted: it still holds
	}
}

// Bans returns up to n live bans and locks whose handles sort after
// after ("" for the first), and the cursor of the next page ("" at the
// end). Ended ones are dropped from the list as they are met.
func (r *Regulator) Bans(ctx context.Context, after string, n int) ([]Ban, string, error) {
	idx, ok := r.store.(SortedIndex)
	if !ok {
		return nil, "", nil
	}
	names, err := idx.ZAfter(ctx, banListKey, after, n+1)
	if err != nil {
		return nil, "", fmt.Errorf("regulation: list: %w", err)
	}
	next := ""
	if len(names) > n {
		names, next = names[:n], names[n-1]
	}
	out := make([]Ban, 0, len(names))
	for _, name := range names {
		key := "reg:" + name
		ttl, err := r.store.TTL(ctx, key)
		if errors.Is(err, ErrNotFound) {
			r.unlist(ctx, idx, name)
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("regulation: list: %w", err)
		}
		v, err := r.store.Get(ctx, key)
		if errors.Is(err, ErrNotFound) {
			continue // ended in between
		}
		if err != nil {
			return nil, "", fmt.Errorf("regulation: list: %w", err)
		}
		b := Ban{Handle: name, Reason: ReasonBanned, Remaining: ttl, RemainingSeconds: int((ttl + time.Second - 1) / time.Second)}
		if strings.HasPrefix(name, "lock:") {
			b.Reason = ReasonLocked
		}
		kind, subject, _ := strings.Cut(string(v), "\x00")
		switch kind {
		case "u":
			b.Kind, b.Subject = BanAccount, subject
		case "ip":
			b.Kind, b.Subject = BanAddress, subject
		default: // a ban made before bans said whom they hold
			b.Kind = BanAccount
			if strings.Contains(name, ":ip:") {
				b.Kind = BanAddress
			}
		}
		out = append(out, b)
	}
	return out, next, nil
}

// LiftHandle ends the ban or lock handle names (from Bans), with the
// subject's other ban or lock and its failures, and returns what it held
// (the Ban as listed, Subject and Kind set). ErrNotFound for a handle
// that names no live ban; ErrInvalidInput for one Bans never gives.
func (r *Regulator) LiftHandle(ctx context.Context, handle string) (Ban, error) {
	rest, ok := strings.CutPrefix(handle, "ban:")
	if !ok {
		rest, ok = strings.CutPrefix(handle, "lock:")
	}
	hash, isUser := strings.CutPrefix(rest, "u:")
	if !isUser {
		hash, ok = strings.CutPrefix(rest, "ip:")
	}
	if !ok || len(hash) != 43 || strings.ContainsFunc(hash, notBase64URL) {
		return Ban{}, ErrInvalidInput
	}
	v, err := r.store.Get(ctx, "reg:"+handle)
	if errors.Is(err, ErrNotFound) {
		return Ban{}, ErrNotFound
	}
	if err != nil {
		return Ban{}, fmt.Errorf("regulation: lift: %w", err)
	}
	b := Ban{Handle: handle, Kind: BanAddress}
	keys := []string{"reg:ban:" + rest, "reg:n:" + rest}
	if isUser {
		b.Kind = BanAccount
		keys = append(keys, "reg:lock:"+rest, "reg:a:"+rest)
	}
	if _, subject, ok := strings.Cut(string(v), "\x00"); ok {
		b.Subject = subject
	}
	for _, key := range keys {
		if _, err := r.store.Delete(ctx, key); err != nil {
			return b, fmt.Errorf("regulation: lift: %w", err)
		}
	}
	if idx, ok := r.store.(SortedIndex); ok {
		for _, name := range []string{"ban:" + rest, "lock:" + rest} {
			_ = idx.ZRem(ctx, banListKey, name)
		}
	}
	return b, nil
}

// notBase64URL reports whether c is outside the base64url alphabet.
func notBase64URL(c rune) bool {
	return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_'
}
