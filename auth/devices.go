package auth

// Known devices (docs/contract.md, "Known devices"): a browser that
// completed a sign-in as an account carries a cookie the gateway made for
// that account. Its attempts at that account are then judged by the
// device's own count of failures, not by the account's ban and lock,
// which anyone who knows the name can cause, so an outsider cannot lock a
// person out of the browsers they use. A value is a random nonce, an
// expiry, a keyed tag of the account (not its name), a MAC over those,
// the account's name and its credential generation, and a seal over all
// of it that needs no account to check: it names no one, cannot be made
// for another account, a change of password or phone number voids every
// one made before, and one the gateway did not make is known as such
// without a store read (Keep).

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

// Sizes of a known-device value's parts, before base64url: nonce,
// expiry word, account tag, MAC (over those, the account's name and its
// credential generation) and seal (over all before it). A value of the
// previous version (deviceV1Len) is a nonce, an expiry word and a MAC
// over those, the name and the generation; it is still recognised
// (docs/contract.md, "Known devices").
const (
	deviceNonceLen = 16
	deviceTagLen   = 8
	deviceMACLen   = 16
	deviceBodyLen  = deviceNonceLen + 8 + deviceTagLen
	deviceSealAt   = deviceBodyLen + deviceMACLen
	deviceLen      = deviceSealAt + deviceMACLen
	deviceV1Len    = deviceNonceLen + 8 + deviceMACLen
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
	copy(raw[deviceNonceLen+8:deviceBodyLen], d.tag(u))
	copy(raw[deviceBodyLen:deviceSealAt], d.mac(u, raw[:deviceBodyLen]))
	copy(raw[deviceSealAt:], d.seal(raw[:deviceSealAt]))
	return base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// Recognised returns the id of the device whose cookie value is, when
// Issue (or IssueCodeOnly) made it for u's account under its current
// credential generation and it has not expired, and whether the
// device's sign-in proved the password (Issue) or only a code
// (IssueCodeOnly); ok is false for anything else (another account's
// cookie, one from before a password change, a forgery). A value of the
// previous version (nonce, expiry, MAC) is read as it was.
func (d *KnownDevices) Recognised(value string, u *User) (id string, password, ok bool) {
	raw := decodeDevice(value)
	if u == nil || raw == nil {
		return "", false, false
	}
	body, sum := raw[:deviceNonceLen+8], raw[deviceNonceLen+8:]
	if len(raw) == deviceLen {
		if !d.sealed(raw) {
			return "", false, false
		}
		body, sum = raw[:deviceBodyLen], raw[deviceBodyLen:deviceSealAt]
	}
	if !hmac.Equal(sum, d.mac(u, body)) {
		return "", false, false
	}
	word := binary.BigEndian.Uint64(body[deviceNonceLen:])
	if !d.clock.Now().Before(time.Unix(deviceExpiry(raw), 0)) {
		return "", false, false
	}
	return base64.RawURLEncoding.EncodeToString(body[:deviceNonceLen]), word&deviceCodeOnly == 0, true
}

// decodeDevice is the bytes of value when it has the shape of a value
// (of this version or the previous one), nil otherwise.
func decodeDevice(value string) []byte {
	if n := base64.RawURLEncoding.DecodedLen(len(value)); n != deviceLen && n != deviceV1Len {
		return nil
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil
	}
	return raw
}

// deviceExpiry is the expiry (Unix seconds) raw's word says, its mark
// taken off.
func deviceExpiry(raw []byte) int64 {
	return int64(binary.BigEndian.Uint64(raw[deviceNonceLen:]) &^ deviceCodeOnly) //nolint:gosec // G115: a time written by issue, or a forgery the MAC or seal refuses
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
// value made for u's account: issued first, then each of values that the
// gateway made (its seal checks), for another account (another account's,
// which signed in on the same browser before), and has not expired, one
// for each account, in the order sent; then values of the previous
// version, which carry no seal and are kept in the slots left (their
// account's next sign-in on the browser replaces them); at most
// MaxDeviceAccounts in all. mine are the account as it is (u) and as it
// was before a credential change the browser just made, whose values are
// void. Before, each sign-in replaced the cookie, and a browser was
// known as the last account to sign in there only; and the values kept
// were any of the right shape, so a cookie a sibling subdomain planted
// pushed the browser's own accounts out (docs/contract.md, "Known
// devices").
func (d *KnownDevices) Keep(issued string, values []string, mine ...*User) string {
	now := d.clock.Now().Unix()
	var sealed, v1 []string
	var tags []string
	for _, u := range mine {
		tags = append(tags, string(d.tag(u)))
	}
	for _, v := range values {
		raw := decodeDevice(v)
		switch {
		case raw == nil || deviceExpiry(raw) <= now:
		case len(raw) == deviceLen:
			tag := string(raw[deviceNonceLen+8 : deviceBodyLen])
			if d.sealed(raw) && !slices.Contains(tags, tag) {
				tags = append(tags, tag) // the first value of each account only
				sealed = append(sealed, v)
			}
		case !slices.Contains(v1, v) && !slices.ContainsFunc(mine, func(u *User) bool { _, _, ok := d.Recognised(v, u); return ok }):
			v1 = append(v1, v) // the account's own earlier value issued replaces
		}
	}
	out := append(append([]string{issued}, sealed...), v1...)
	return strings.Join(out[:min(len(out), MaxDeviceAccounts)], deviceSeparator)
}

// mac is the MAC of a value's body (nonce, expiry and tag; of the
// previous version, nonce and expiry) for u's account as it is now: its
// name and credential generation, each ended by a NUL (neither holds
// one).
func (d *KnownDevices) mac(u *User, body []byte) []byte {
	return d.sum("known device\x00"+u.Username+"\x00"+u.Generation+"\x00", body)
}

// tag is u's account's tag in its values: keyed, so it names no one
// (docs/contract.md, "Known devices"); the same for each of the
// account's values, so Keep keeps one of each account.
func (d *KnownDevices) tag(u *User) []byte {
	return d.sum("known device account\x00"+u.Username+"\x00", nil)[:deviceTagLen]
}

// seal is the seal of a value's bytes before it (head): Keep checks it
// with no account, so a value the gateway did not make takes no slot.
func (d *KnownDevices) seal(head []byte) []byte {
	return d.sum("known device seal\x00", head)
}

// sealed says whether raw, a value of this version, ends with the seal
// of its bytes before it.
func (d *KnownDevices) sealed(raw []byte) bool {
	return hmac.Equal(raw[deviceSealAt:], d.seal(raw[:deviceSealAt]))
}

// sum is the HMAC of label and then data under the key, cut to
// deviceMACLen.
func (d *KnownDevices) sum(label string, data []byte) []byte {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(label))
	m.Write(data)
	return m.Sum(nil)[:deviceMACLen]
}
