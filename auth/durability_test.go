package auth_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestClassOf pins which keys the failover journal replays, by the names
// the services really write (docs/contract.md, "Failover durability").
func TestClassOf(t *testing.T) {
	for key, want := range map[string]auth.KeyClass{
		auth.SessionKeyPrefix + "abc": auth.KeySession,
		"su:abc":                      auth.KeyIndex,
		"sm:abc":                      auth.KeyOther, // a rotated session's pointer
		"otp:{id}:c":                  auth.KeyRevocable,
		"rc:abc":                      auth.KeyRecord,  // a set
		"rc:abc:batch:hash":           auth.KeySession, // a code of it
		"rc:abc:i:epoch:hash":         auth.KeyRevocable,
		"rc:abc:i:hash":               auth.KeyRevocable, // issued before epochs
		"rc:abc:ie":                   auth.KeyRecord,
		"reset:alice":                 auth.KeyRevocable,
		"admtok:nightly":              auth.KeyRevocable,
		"admtok:all":                  auth.KeyIndex,
		"spw:abc":                     auth.KeyRevocable,
		"user:ix":                     auth.KeyIndex,
		"user:ix:built":               auth.KeyOther,
		"user:g:admins":               auth.KeyIndex,
		"reg:list":                    auth.KeyIndex,
		"sx":                          auth.KeyIndex,
		"otp:st:2026-12-04:sent:US":   auth.KeyOther,
		"user:r:alice":                auth.KeyRecord,
		"user:p:+12015550101":         auth.KeyBan, // claimed if absent
		"user:e:alice@example.com":    auth.KeyBan,
		"user:all":                    auth.KeyIndex, // gatehouse user list
		"reg:ban:u:abc":               auth.KeyBan,
		"reg:lock:u:abc":              auth.KeyBan,
		"totp:abc:n:123":              auth.KeyBan,
		"totp:abc":                    auth.KeyRevocable,
		"pk:abc":                      auth.KeyRecord,
		"pk:h:0123abcd":               auth.KeyRecord,
		"pk:c:0123abcd":               auth.KeyBan, // written if absent
		"pkc:0123abcd":                auth.KeyRevocable,
		"passkey:ip:abc":              auth.KeyOther,
		"reg:n:u:abc":                 auth.KeyOther,
		"otp:q:abc":                   auth.KeyOther,
		"signup:ip:abc":               auth.KeyOther,
	} {
		if got := auth.ClassOf(key); got != want {
			t.Errorf("ClassOf(%q) = %d, want %d", key, got, want)
		}
	}
}
