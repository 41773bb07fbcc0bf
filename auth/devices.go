package auth

// Known devices (docs/contract.md, "Known devices"): a browser that
// completed a sign-in as an account carries a cookie the gateway made for
// that account. Its attempts at that account are then judged by the
// device's own count of failures, not by the account's ban and lock,
// which anyone who knows the name can cause, so an outsider cannot lock a
// person out of the browsers they use. The cookie is a MAC over the
// account's name, its credential generation, a random nonce and an
// expiry: it names no one, cannot be made for another account, and a
// change of password or phone number voids every one made before.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultKnownDeviceLifetime is how long a known-device cookie lasts
// when regulation.known_devices does not say.
const DefaultKnownDeviceLifetime = 90 * 24 * time.Hour

// Sizes of a known-device cookie's parts, before base64url.
const (
	deviceNonceLen = 16
	deviceMACLen   = 16
	deviceLen      = deviceNonceLen + 8 + deviceMACLen
)

// deviceCodeOnly marks, in a cookie's expiry word (under the MAC), a
// device whose sign-in did not prove the password: a code-only sign-in
// (docs/contract.md, "Known devices"). Cookies made before the mark
// existed have none: their sign-ins are taken to have proved it.
const deviceCodeOnly = uint64(1) << 63

// KnownDevices makes and recognises known-device cookies.
type KnownDevices struct {
	key      []byte
	lifetime time.Duration
	clock    Clock
}

// NewKnownDevices returns known devices whose cookies are MACed with key
// and last lifetime. key must be the same on every replica: derive it
// from the signing key (Signer.DeriveKey("known device")). It panics when
// key is shorter than MinKeyLen or lifetime is not positive.
func NewKnownDevices(key []byte, lifetime time.Duration, clock Clock) *KnownDevices {
	if lifetime <= 0 {
		panic("auth: NewKnownDevices: lifetime must be positive")
	}
	if clock == nil {
		clock = SystemClock{}
	}
	return &KnownDevices{key: requireKey("NewKnownDevices", key), lifetime: lifetime, clock: clock}
}

// Lifetime is how long a cookie Issue makes lasts.
func (d *KnownDevices) Lifetime() time.Duration { return d.lifetime }

// Issue returns a new cookie value that Recognised accepts for u's account
// while its credential generation stays the same, for Lifetime, for a
// browser whose sign-in proved the password (or a user-verified passkey,
// which includes it).
func (d *KnownDevices) Issue(u *User) (string, error) {
	return d.issue(u, 0)
}

// IssueCodeOnly is Issue for a browser whose sign-in proved a code to
// the account's number and not the password (a code-only sign-in):
// Recognised says so, and such a device never answers for a password
// in the account's place (docs/contract.md, "Known devices").
func (d *KnownDevices) IssueCodeOnly(u *User) (string, error) {
	return d.issue(u, deviceCodeOnly)
}

// issue makes a cookie value for u with mark (0 or deviceCodeOnly).
func (d *KnownDevices) issue(u *User, mark uint64) (string, error) {
	var raw [deviceLen]byte
	if _, err := rand.Read(raw[:deviceNonceLen]); err != nil {
		return "", fmt.Errorf("known device: %w", err)
	}
	binary.BigEndian.PutUint64(raw[deviceNonceLen:], uint64(d.clock.Now().Add(d.lifetime).Unix())|mark) //nolint:gosec // G115: a time after 1970
	copy(raw[deviceNonceLen+8:], d.mac(u, raw[:deviceNonceLen+8]))
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// Recognised returns the id of the device whose cookie value is, when
// Issue (or IssueCodeOnly) made it for u's account under its current
// credential generation and it has not expired, and whether the
// device's sign-in proved the password (Issue) or only a code
// (IssueCodeOnly); ok is false for anything else (another account's
// cookie, one from before a password change, a forgery).
func (d *KnownDevices) Recognised(value string, u *User) (id string, password, ok bool) {
	if u == nil || base64.RawURLEncoding.DecodedLen(len(value)) != deviceLen {
		return "", false, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) != deviceLen {
		return "", false, false
	}
	body, sum := raw[:deviceNonceLen+8], raw[deviceNonceLen+8:]
	if !hmac.Equal(sum, d.mac(u, body)) {
		return "", false, false
	}
	word := binary.BigEndian.Uint64(body[deviceNonceLen:])
	expires := int64(word &^ deviceCodeOnly) //nolint:gosec // G115: checked by the MAC, written by issue
	if !d.clock.Now().Before(time.Unix(expires, 0)) {
		return "", false, false
	}
	return base64.RawURLEncoding.EncodeToString(body[:deviceNonceLen]), word&deviceCodeOnly == 0, true
}

// MaxDeviceAccounts is how many accounts one browser is a known device
// of: its cookie holds a value for each, the newest first
// (docs/contract.md, "Known devices").
const MaxDeviceAccounts = 4

// deviceSeparator joins the values of one known-device cookie; base64url
// never holds it, and a cookie value may.
const deviceSeparator = "."

// SplitDevices returns the values one known-device cookie holds, in the
// order it holds them, at most MaxDeviceAccounts: the cookie of a
// browser known as several accounts holds one for each (Keep). A cookie
// of many separators costs no more than one of MaxDeviceAccounts values.
func SplitDevices(cookie string) []string {
	values := strings.SplitN(cookie, deviceSeparator, MaxDeviceAccounts+1)
	return values[:min(len(values), MaxDeviceAccounts)]
}

// Keep returns the known-device cookie for a browser that sent values
// (SplitDevices of each cookie it sent) and was just given issued, a
// value made for u's account: issued first, then each of values that is
// not that account's (another account's, which signed in on the same
// browser before), has the shape of a value and has not expired, without
// repeats, at most MaxDeviceAccounts in all. mine are the account as it
// is (u) and as it was before a credential change the browser just made,
// whose values are void. Before, each sign-in replaced the cookie, and a
// browser was known as the last account to sign in there only
// (docs/contract.md, "Known devices").
func (d *KnownDevices) Keep(issued string, values []string, mine ...*User) string {
	out := []string{issued}
	now := d.clock.Now().Unix()
	for _, v := range values {
		if len(out) == MaxDeviceAccounts {
			break
		}
		raw, err := base64.RawURLEncoding.Strict().DecodeString(v)
		if err != nil || len(raw) != deviceLen || slices.Contains(out, v) {
			continue
		}
		// The expiry is read without the MAC, only to drop a value that
		// would be refused anyway; Recognised checks the MAC.
		expires := int64(binary.BigEndian.Uint64(raw[deviceNonceLen:]) &^ deviceCodeOnly) //nolint:gosec // G115: a time written by issue, or a forgery Recognised refuses
		if expires <= now {
			continue
		}
		if !slices.ContainsFunc(mine, func(u *User) bool { _, _, ok := d.Recognised(v, u); return ok }) {
			out = append(out, v) // another account's; the account's own earlier value issued replaces
		}
	}
	return strings.Join(out, deviceSeparator)
}

// mac is the MAC of a cookie's nonce and expiry (body) for u's account
// as it is now: its name and credential generation, each ended by a NUL
// (neither holds one).
func (d *KnownDevices) mac(u *User, body []byte) []byte {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte("known device\x00" + u.Username + "\x00" + u.Generation + "\x00"))
	m.Write(body)
	return m.Sum(nil)[:deviceMACLen]
}
