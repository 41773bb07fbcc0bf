package auth

import (
	"context"
	"time"
)

// KV is the byte-level key/value part of the store that sessions and OTP
// challenges use. Keys are relative: implementations prepend key_prefix.
// Every value has a TTL; nothing lives forever.
//
// Errors: ErrNotFound for a missing key, ErrStoreUnavailable (wrapped) when
// the store cannot be reached or an operation times out.
type KV interface {
	// Get returns the value under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl (ttl > 0).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key and reports whether it existed. Of several
	// concurrent Deletes of one key exactly one reports true, which makes
	// Delete the single-use primitive for codes.
	Delete(ctx context.Context, key string) (bool, error)
	// Expire sets a new TTL on an existing key; false if the key is missing.
	Expire(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// SetIfExists stores value under key for ttl (ttl > 0), replacing
	// its value and TTL as Set does, only if the key exists (and has not
	// expired), atomically, and reports whether it did: a key deleted
	// before is never written back. It is the write of a stored session
	// (docs/contract.md, "Sessions end when they are ended").
	SetIfExists(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
}

// Counter is the fixed-window counter part of the store used for attempts,
// quotas and regulation.
type Counter interface {
	// Incr adds one to the counter under key and returns the new value. The
	// first increment starts a window of length window (the key's TTL);
	// later increments do not extend it.
	Incr(ctx context.Context, key string, window time.Duration) (int64, error)
	// TTL returns the remaining lifetime of key, or ErrNotFound.
	TTL(ctx context.Context, key string) (time.Duration, error)
}

// Store is everything a state store implementation provides. memstore and
// redisstore implement it and pass the same conformance suite (storetest).
type Store interface {
	KV
	Counter
	// SetNX stores value under key only if the key does not exist and
	// reports whether it did so.
	SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Ping reports whether the store is reachable (ErrStoreUnavailable if not).
	Ping(ctx context.Context) error
}

// SetStore keeps small sets of strings (the session ids of one user, the
// usernames of a user backend). Like every key, a set has a TTL.
type SetStore interface {
	// SAdd adds member to the set under key and makes the key live at
	// least ttl from now (a longer remaining TTL is kept).
	SAdd(ctx context.Context, key, member string, ttl time.Duration) error
	// SRem removes member from the set; removing the last member removes
	// the key.
	SRem(ctx context.Context, key, member string) error
	// SMembers returns the members in no particular order (none for a
	// missing key).
	SMembers(ctx context.Context, key string) ([]string, error)
}

// Forever is the TTL of records that must not expire (user accounts): a
// century, since every store key has a TTL.
const Forever = 100 * 365 * 24 * time.Hour

// SortedIndex keeps sorted sets of strings, in byte order, read a page at
// a time: the console's list of usernames, which must stay fast with
// 100,000 accounts (docs/contract.md, "Admin console"). Like every key,
// an index has a TTL.
type SortedIndex interface {
	// ZAdd adds member to the index under key and makes the key live at
	// least ttl from now (a longer remaining TTL is kept).
	ZAdd(ctx context.Context, key, member string, ttl time.Duration) error
	// ZRem removes member from the index; removing the last member
	// removes the key.
	ZRem(ctx context.Context, key, member string) error
	// ZAfter returns at most n members greater than after ("" for the
	// first), in ascending byte order (none for a missing key).
	ZAfter(ctx context.Context, key, after string, n int) ([]string, error)
}

// Swapper writes or deletes a key only if it still holds what was read:
// the compare-and-set under every change of an account record, so that
// two changes landing at once never lose one (docs/contract.md,
// "Sessions end when credentials change"), and the release of a store
// lock by the request that holds it.
type Swapper interface {
	// CompareAndSwap stores value under key for ttl (ttl > 0) only if
	// the key holds exactly old (old nil: only if the key is absent or
	// expired), atomically, and reports whether it did. A key holding a
	// set or sorted index never matches.
	CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error)
	// CompareAndDelete deletes key only if it holds exactly old (not
	// nil), atomically, and reports whether it did: the release of a
	// store lock by its owner, which never frees a lock another request
	// took once the owner's expired (docs/contract.md, "Admin
	// console"). A key holding a set or sorted index never matches.
	CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error)
}

// MultiGetter reads many keys in one round trip.
type MultiGetter interface {
	// GetMany returns the values under keys, in order: nil where a key
	// is missing.
	GetMany(ctx context.Context, keys []string) ([][]byte, error)
}
