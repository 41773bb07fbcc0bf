package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"net/netip"
)

// hashKey hides a secret or personal value (session id, phone) in key names.
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
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

// Store keys of the code service: a challenge and its attempt counter
// (one hash slot, see redisstore), the send quotas per phone and per
// client with their refunds, and the wrong codes per account.
func challengeKey(id string) string    { return "otp:{" + id + "}:c" }
func attemptsKey(id string) string     { return "otp:{" + id + "}:n" }
func sendQuotaKey(phone string) string { return "otp:q:" + hashKey(phone) }
func ipQuotaKey(ip string) string      { return "otp:qi:" + hashKey(clientNet(ip)) }
func refundKey(quota string) string    { return quota + ":r" }

// accountFailKey counts the wrong codes of ch's account: its user's, or
// for a decoy its number's (the number stands for the account it does not
// have), so that the account cap answers a decoy as it answers a real
// challenge. The two are kept apart by kind: a user name cannot name a
// number's counter.
func accountFailKey(ch *Challenge) string {
	if ch.User == "" {
		return "otp:f:" + hashKey("phone\x00"+ch.Phone)
	}
	return "otp:f:" + hashKey("user\x00"+ch.User)
}
