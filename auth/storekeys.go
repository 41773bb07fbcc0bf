package auth

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/netip"
)

// MinKeyLen is the shortest key NewOTP and NewRegulator accept (they
// panic on a shorter one). Signer.DeriveKey gives 32 bytes.
const MinKeyLen = 16

// keyNamer names store keys after the personal values they count (phone
// numbers, client networks, login names and subjects) without giving
// those away to whoever reads the store (docs/contract.md, "Store keys"):
// a name is HMAC-SHA256 under a per-deployment key. An unkeyed hash would
// not do: there are about 10^10 phone numbers and 2^32 IPv4 addresses,
// few enough to hash them all and look the names up.
type keyNamer struct{ key []byte }

// requireKey returns a copy of key, the key owner (NewOTP, NewRegulator)
// was given, which must be the same on every replica. It panics when key
// is shorter than MinKeyLen: a missing key must never mean unkeyed names.
func requireKey(owner string, key []byte) []byte {
	if len(key) < MinKeyLen {
		panic("auth: " + owner + " needs a key of at least 16 bytes (derive it from the signing key with Signer.DeriveKey)")
	}
	return bytes.Clone(key)
}

// subKey derives an independent key for purpose from key (HKDF-SHA256),
// for a service that has one key and more than one use for it.
func subKey(key []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, key, nil, "gatehouse "+purpose, 32)
	if err != nil {
		panic("auth: hkdf: " + err.Error()) // only for lengths > 255*32
	}
	return k
}

// name is the store-key form of value, a kind of thing ("phone", "net",
// "user", "subject"...): base64url(HMAC-SHA256(key, kind NUL value)), 43
// characters. The kind keeps a user named like a number apart from it.
func (k keyNamer) name(kind, value string) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// clientNet is what per-client limits (the per-IP send quota, the
// client's regulation ban) count: the address, or for IPv6 its /64, which
// one subscriber usually has whole (counting single addresses would let a
// client rotate through 2^64 of them).
func clientNet(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// clientSite is the IPv6 /48 of ip, one site (RFC 6177): what one holder
// of many /64s has whole (a tunnel broker gives one away), counted by
// the per-client send quota besides its /64 (docs/contract.md, "SMS
// delivery"). "" for an IPv4 address, which is counted alone.
func clientSite(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	if a = a.Unmap(); a.Is4() {
		return ""
	}
	return netip.PrefixFrom(a, 48).Masked().String()
}

// Store keys of the code service: a challenge and its attempt counter
// (one hash slot, see redisstore), named by the challenge's random id; the
// send quotas per phone and per client with their refunds, and the wrong
// codes per account, named by the service's keyNamer.
func challengeKey(id string) string { return "otp:{" + id + "}:c" }
func attemptsKey(id string) string  { return "otp:{" + id + "}:n" }
func refundKey(quota string) string { return quota + ":r" }

func (o *OTP) sendQuotaKey(phone string) string { return "otp:q:" + o.names.name("phone", phone) }

// provedQuotaKey counts the sends to phone that followed a proof.
func (o *OTP) provedQuotaKey(phone string) string { return "otp:qp:" + o.names.name("phone", phone) }

// knownQuotaKey counts the sends to phone asked from a known device of
// its account.
func (o *OTP) knownQuotaKey(phone string) string { return "otp:qk:" + o.names.name("phone", phone) }

// noticeQuotaKey counts the security notices sent to phone
// (OTP.NotifyOwner).
func (o *OTP) noticeQuotaKey(phone string) string { return "otp:qn:" + o.names.name("phone", phone) }

func (o *OTP) ipQuotaKey(ip string) string { return "otp:qi:" + o.names.name("net", clientNet(ip)) }

// siteQuotaKey counts the sends of every client of an IPv6 /48
// (clientSite).
func (o *OTP) siteQuotaKey(site string) string { return "otp:qs:" + o.names.name("site", site) }

// holderKey names the challenge that holds phone's one verification at
// a provider that checks the codes (OTP.claim).
func (o *OTP) holderKey(phone string) string { return "otp:vh:" + o.names.name("phone", phone) }

// triedKey holds the reference of phone's verification at a provider
// that checks the codes once codes were tried against it (OTP.tried).
func (o *OTP) triedKey(phone string) string { return "otp:vt:" + o.names.name("phone", phone) }

// accountFailKey counts the wrong codes of ch's account: its user's, or
// for a decoy its number's (the number stands for the account it does not
// have), so that the account cap answers a decoy as it answers a real
// challenge. The kind keeps a user name from naming a number's counter,
// and the number's send quota from sharing its name.
func (o *OTP) accountFailKey(ch *Challenge) string {
	if ch.User == "" {
		return "otp:f:" + o.names.name("decoy", ch.Phone)
	}
	return "otp:f:" + o.names.name("user", ch.User)
}

// backoffKey holds the provider's "come back later" (Twilio's 429 with
// Retry-After): while it lives, no send is tried. Named like every key.
func (o *OTP) backoffKey() string { return "otp:bo:" + o.names.name("provider", "backoff") }

// budgetKey counts anonymous sends for one cap of otp.budget: kind is
// "day" (over all numbers), "country" or "prefix", of value.
func (o *OTP) budgetKey(kind, value string) string {
	return "otp:b:" + kind + ":" + o.names.name("budget "+kind, value)
}

// SessionKeyPrefix starts the store key of every session: a store may
// treat keys under it specially (redisstore caches their reads).
const SessionKeyPrefix = "s:"

// sessionKey is SessionKeyPrefix + hashKey(id), built in one allocation:
// it runs on every check. A cookie value (43 characters) is hashed from a
// copy on the stack: converting a string longer than 32 bytes to a []byte
// allocates.
func sessionKey(id string) string {
	var in [64]byte
	var sum [sha256.Size]byte
	if len(id) <= len(in) {
		sum = sha256.Sum256(in[:copy(in[:], id)])
	} else {
		sum = sha256.Sum256([]byte(id))
	}
	var b [len(SessionKeyPrefix) + 43]byte // 43: raw base64url of 32 bytes
	copy(b[:], SessionKeyPrefix)
	base64.RawURLEncoding.Encode(b[len(SessionKeyPrefix):], sum[:])
	return string(b[:])
}

// SessionHandle is the opaque handle ListUser reports for the session with
// cookie value id (a hash: it cannot be used as a cookie).
func SessionHandle(id string) string { return sessionKey(id) }
