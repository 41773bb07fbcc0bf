package auth_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// TestKeepKeepsOnlyValuesTheGatewayMade: when a sign-in rewrites a
// browser's known-device cookie, the values it keeps for other accounts
// are ones the gateway made (docs/contract.md, "Known devices"): a value
// of the right shape it did not make is dropped, an account has one
// value at most, and values of the previous version (made before the
// upgrade, still recognised) are kept after every value that checks, so
// forged ones of that shape push out none of the browser's accounts.
func TestKeepKeepsOnlyValuesTheGatewayMade(t *testing.T) {
	key := []byte("known-device-key-0123456789abcd!")
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	d := auth.NewKnownDevices(key, 24*time.Hour, clock)
	ann := &auth.User{Username: "ann", Generation: "g"}
	ben := &auth.User{Username: "ben", Generation: "g"}
	cat := &auth.User{Username: "cat", Generation: "g"}
	issue := func(u *auth.User) string {
		t.Helper()
		v, err := d.Issue(u)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		binary.BigEndian.PutUint64(b[16:], uint64(clock.Now().Add(300*24*time.Hour).Unix())) //nolint:gosec // G115: a time after 1970
		return b
	}
	// previous is a value of the previous version for u (nonce, expiry,
	// MAC over those, the name and the generation); u nil: a forgery.
	previous := func(u *auth.User) string {
		raw := random(40)
		if u != nil {
			m := hmac.New(sha256.New, key)
			m.Write([]byte("known device\x00" + u.Username + "\x00" + u.Generation + "\x00"))
			m.Write(raw[:24])
			copy(raw[24:], m.Sum(nil)[:16])
		}
		return base64.RawURLEncoding.EncodeToString(raw)
	}
	forged := base64.RawURLEncoding.EncodeToString(random(64))
	if _, _, ok := d.Recognised(previous(ben), ben); !ok {
		t.Fatal("a value of the previous version is not recognised for its account")
	}
	tests := []struct {
		name string
		sent []string
		want []*auth.User // the accounts the kept cookie is known as, besides ann
		n    int          // values kept
	}{
		{"a forgery of this version's shape", []string{forged, forged + "A", issue(ben)}, []*auth.User{ben}, 2},
		{"three values of one account", []string{issue(cat), issue(cat), issue(cat), issue(ben)}, []*auth.User{cat, ben}, 3},
		{"forgeries of the previous version's shape", []string{previous(nil), previous(nil), previous(nil), issue(ben), issue(cat)}, []*auth.User{ben, cat}, 4},
		{"the previous version's values, after this one's", []string{previous(ben), issue(cat)}, []*auth.User{ben, cat}, 3},
		{"the account's own value of the previous version", []string{previous(ann), issue(ben)}, []*auth.User{ben}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept := auth.SplitDevices(d.Keep(issue(ann), tt.sent, ann))
			if len(kept) != tt.n {
				t.Errorf("kept %d values, want %d", len(kept), tt.n)
			}
			for _, u := range append([]*auth.User{ann}, tt.want...) {
				n := 0
				for _, v := range kept {
					if _, _, ok := d.Recognised(v, u); ok {
						n++
					}
				}
				if n != 1 {
					t.Errorf("%s has %d values in the kept cookie, want 1", u.Username, n)
				}
			}
		})
	}
}
