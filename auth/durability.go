package auth

import "strings"

// KeyClass says what losing a write of a store key would do, for a store
// that can lose acknowledged writes (an asynchronously replicated Redis
// that fails over, or restarts from an AOF written every second) and
// replays the recent ones it keeps (docs/contract.md, "Failover
// durability"). The classes are the one place that knows it; stores only
// ask.
type KeyClass uint8

const (
	// KeyOther is a key whose lost write only makes answers stricter or
	// costs a little: counters, quotas, pending sign-ups. Not replayed.
	KeyOther KeyClass = iota
	// KeyRevocable is a key named by a random value or a keyed hash that
	// is never written again once deleted (a session, a code, a recovery
	// code, a pending reset): a lost delete would bring back what was
	// revoked or spent, so deletes are replayed as they are.
	KeyRevocable
	// KeySession is a session, or a key kept as one (a code of a set
	// of recovery codes: written once, ended by its delete): a lost
	// delete is a revocation undone or a code spent twice (replayed at
	// once, with a tombstone); a lost write is a login or a code that
	// vanished (replayed later, unless a tombstone says it was deleted
	// since; docs/contract.md, "Failover durability").
	KeySession
	// KeyIndex is a set that lists a user's sessions, or one of the
	// console's indexes (accounts, a group's members, bans, users who
	// signed in, admin tokens) or the accounts `gatehouse user list`
	// reads; adding to it again is harmless, and the account page,
	// revoke-all and the lists need the entry (a working admin token or
	// account missing from its list is one nobody reviewing them sees).
	KeyIndex
	// KeyRecord is an account record: a lost write undoes a password,
	// phone or disabled change, a lost delete brings the account back.
	// Replayed only where the record is still what it was before, so a
	// later change is never undone.
	KeyRecord
	// KeyBan is a ban or lock: a lost write lets a guesser go on. Replayed
	// as a write-if-absent for the time it had left, unless deleted since
	// (lifted): then not at all.
	KeyBan
)

// ClassOf returns the class of a store key (without the store's own
// prefix), as the auth services name them.
func ClassOf(key string) KeyClass {
	switch {
	case strings.HasPrefix(key, SessionKeyPrefix):
		return KeySession
	case strings.HasPrefix(key, "su:"), key == "user:ix", key == "user:all", strings.HasPrefix(key, "user:g:"), key == "reg:list", key == "sx", key == "admtok:all":
		return KeyIndex
	case strings.HasPrefix(key, "rc:"):
		return recoveryKeyClass(key)
	case strings.HasPrefix(key, "otp:{"), strings.HasPrefix(key, "reset:"), strings.HasPrefix(key, "admtok:"), strings.HasPrefix(key, "spw:"):
		return KeyRevocable
	case strings.HasPrefix(key, "user:r:"):
		return KeyRecord
	case strings.HasPrefix(key, "reg:ban:"), strings.HasPrefix(key, "reg:lock:"):
		return KeyBan
	case strings.HasPrefix(key, "totp:") && strings.Contains(key, ":n:"):
		// A claimed time step of an authenticator app: lost, the code
		// would work again within its window; replayed if absent.
		return KeyBan
	case strings.HasPrefix(key, "pk:c:"):
		// The account a passkey's credential id is entered for, written
		// only if absent: lost, the id would be free for another account
		// for good (the account's record says its ids are entered);
		// replayed if absent. A release lost brings the claim back:
		// stricter, and the account's own next registration takes it.
		return KeyBan
	case strings.HasPrefix(key, "user:p:"), strings.HasPrefix(key, "user:e:"):
		// The account a phone number or a vouched email is claimed for,
		// written only if absent: lost while the account's record (a
		// KeyRecord, replayed) holds the value, the value would be free
		// for a second account; replayed if absent. A claim brought back
		// that its account no longer backs names no account and gives
		// way (docs/contract.md, "Store housekeeping").
		return KeyBan
	case strings.HasPrefix(key, "pkc:"):
		// A passkey ceremony's challenge: deleted when answered, so a
		// lost delete would let the same answer in again.
		return KeyRevocable
	case strings.HasPrefix(key, "pk:"):
		// An account's passkeys (a removal, a signature counter) and
		// the account of a user handle: a lost write brings back a
		// removed key or an older counter, so it is replayed where the
		// record still holds what it held before.
		return KeyRecord
	case strings.HasPrefix(key, "totp:"):
		// An app's record: a lost removal brings the app back. A later
		// enrolment reuses the name, so a replayed removal can end it
		// too: stricter, and rare.
		return KeyRevocable
	}
	return KeyOther
}

// recoveryKeyClass is the class of a key of an account's recovery codes
// ("rc:" and the account's name; auth.Recovery names them).
func recoveryKeyClass(key string) KeyClass {
	parts := strings.Split(key, ":")
	switch {
	case len(parts) == 2, len(parts) == 3 && parts[2] == "ie":
		// The account's set (its batch) or its issue epoch: a lost write
		// undoes a new set, whose codes, shown once, never work (and may
		// bring back the old set its person believes void), or brings
		// back the codes an administrator issued before the account was
		// deleted.
		return KeyRecord
	case len(parts) == 4 && parts[2] != "i":
		// A code of a set: written once, spent by its delete. A lost
		// write is a set that never works, so it is written again as a
		// login is (unless a tombstone says it was spent since); a lost
		// delete, a code that works twice.
		return KeySession
	}
	// A code an administrator issued: deleted when spent; a lost write
	// only makes the administrator issue another.
	return KeyRevocable
}
