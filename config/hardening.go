package config

// The checks of values that are valid in form but unsafe: problems for
// those that break the security model, warnings for those beyond what
// ASVS and NIST SP 800-63B advise.

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// minWebhookSecret is the length under which sms.webhook.secret, the
// HMAC key of the webhook's requests, is a warning: 32 characters, 128
// bits as hex (docs/contract.md, "check-config").
const minWebhookSecret = 32

// Limits beyond which a valid value is a warning (docs/contract.md,
// "check-config"): what NIST SP 800-63B allows or advises.
const (
	// maxOTPTTL: an out-of-band secret SHALL be valid for at most 10
	// minutes (§5.1.3.2).
	maxOTPTTL = 10 * time.Minute
	// maxOTPAttempts: wrong codes per challenge; more makes a guess
	// likelier than a 6-digit code is meant to allow.
	maxOTPAttempts = 10
	// maxFailures: consecutive failed attempts SHALL be limited to no
	// more than 100 (§5.2.2).
	maxFailures = 100
	// maxSessionLifetime: reauthentication at least every 30 days, even
	// at AAL1 (§7.2, §4.1.3).
	maxSessionLifetime = 30 * 24 * time.Hour
)

// hardening checks values that are valid in form but unsafe: problems for
// those that break the security model, warnings for those beyond the
// numbers of ASVS and NIST SP 800-63B.
func (v *validator) hardening() {
	v.trustedProxies()
	v.adminListenOpen()
	v.cookieDomainNotPublic()
	v.portalHostShared()
	v.resetBySMSAlone()
	sms := v.c.SMS
	if sms.Provider == "webhook" {
		v.providerURL("sms.webhook.url", sms.Webhook.URL, "")
		if n := len(sms.Webhook.Secret); n > 0 && n < minWebhookSecret {
			v.warn(v.secretKey("sms.webhook.secret"), "is %d characters: a key this short is found from one signed request (a receiver's log), and whoever finds it has your receiver text what they like, from your sender, to any number; use at least %d random characters (`openssl rand -hex 32`)", n, minWebhookSecret)
		}
	}
	if strings.HasPrefix(sms.Provider, "twilio_") {
		v.providerURL("sms.twilio.base_url", sms.Twilio.BaseURL, "the account's credentials (HTTP Basic: the account SID with the auth token or API key secret)")
	}
	if sms.Provider == "sinch" {
		credential := ""
		if sms.Sinch.Auth == "basic" {
			credential = "the application's key and secret (HTTP Basic)"
		}
		v.providerURL("sms.sinch.base_url", sms.Sinch.BaseURL, credential)
	}

	if p := v.c.SMS.Provider; p != "console" && p != "" && len(v.c.OTP.AllowedCountries) == 0 {
		v.warn("otp.allowed_countries", "is empty with the paid provider %s: anyone can have codes texted to any country, which is how SMS pumping runs up the bill; list your people's countries", p)
	}
	if v.c.Line("server.fast_authz") > 0 {
		v.warn("server.fast_authz", "is deprecated and ignored: the fast front was removed, every request is read by net/http; delete the key")
	}
	if o := v.c.OTP; o.TTL > maxOTPTTL {
		v.warn("otp.ttl", "%s is longer than %s: NIST SP 800-63B §5.1.3.2 allows an SMS code at most 10 minutes", o.TTL, maxOTPTTL)
	}
	if n := v.c.OTP.MaxAttempts; n > maxOTPAttempts {
		v.warn("otp.max_attempts", "%d wrong codes per challenge is more than %d: each code is easier to guess", n, maxOTPAttempts)
	}
	if n := v.c.Regulation.MaxFailures; n > maxFailures {
		v.warn("regulation.max_failures", "%d is more than %d: NIST SP 800-63B §5.2.2 limits consecutive failed attempts to 100", n, maxFailures)
	}
	s := v.c.Session
	for _, l := range []struct {
		key string
		d   time.Duration
	}{
		{"session.idle_timeout", s.IdleTimeout},
		{"session.absolute_timeout", s.AbsoluteTimeout},
		{"session.remember_me", s.RememberMe},
	} {
		if l.d > maxSessionLifetime {
			v.warn(l.key, "%s is longer than 30 days (720h): NIST SP 800-63B asks for a new sign-in at least every 30 days", l.d)
		}
	}
}

// resetBySMSAlone warns when users.reset.require asks for the text-message
// code alone although some accounts sign in with two factors (a route
// whose policy is two_factor or passkey, or the console's administrators):
// whoever holds such an account's SIM then sets a new password and passes
// both factors with it. Left unset, those accounts need a recovery code
// too (docs/contract.md, "Password reset, step one").
func (v *validator) resetBySMSAlone() {
	u := v.c.Users
	if u.Backend != "redis" || !u.Reset.Enabled || len(u.Reset.Require) == 0 || slices.Contains(u.Reset.Require, ResetProofRecoveryCode) {
		return
	}
	why := ""
	for _, r := range v.c.Routes {
		if r.Policy == "two_factor" || r.Policy == "passkey" {
			why = fmt.Sprintf("route %q asks for %s", r.Name, r.Policy)
			break
		}
	}
	if why == "" && v.c.Admin.Enabled {
		why = fmt.Sprintf("the console asks admin.group (%q) for two factors", v.c.Admin.Group)
	}
	if why == "" {
		return
	}
	v.warn("users.reset.require", "[sms] lets whoever holds an account's SIM set its password and then pass two factors with it (%s); leave it unset, which asks those accounts for a recovery code too, or add recovery_code", why)
}

// cookieDomainNotPublic refuses a cookie_domain that is a public suffix
// ("com", "co.uk", "github.io"): browsers refuse the cookie, or, worse,
// every site under it could read and set the session.
func (v *validator) cookieDomainNotPublic() {
	d := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(v.c.Session.CookieDomain, "."), "."))
	if d == "" || !isHostname(d) {
		return
	}
	if suffix, icann := publicsuffix.PublicSuffix(d); suffix == d && (icann || strings.Contains(suffix, ".")) {
		v.add("session.cookie_domain", "%q is a public suffix: every site under it would share the session cookie (browsers refuse it); use your own domain, such as \"example.com\"", v.c.Session.CookieDomain)
	}
}

// providerURL checks the URL of the SMS provider in use. A host that is a
// link-local address in any spelling is refused: 169.254.169.254 and
// fe80::/10 are where clouds serve instance metadata and credentials, and
// the gateway would post phone numbers and codes there (SSRF). Plain
// http:// to a host not on this machine (loopback, localhost) sends every
// request in clear to whoever is on the network: refused when the requests
// carry credential, the provider's (HTTP Basic); else, phone numbers and
// codes only, a warning, for a network the operator trusts
// (docs/contract.md, "check-config"). Host names are not resolved (Check
// does no I/O).
func (v *validator) providerURL(key, raw, credential string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		return // reported by sms()
	}
	a, isAddr := hostAddr(u.Hostname())
	switch {
	case isAddr && a.IsLinkLocalUnicast():
		v.add(key, "points at the link-local address %s (cloud instance metadata): refused", a)
	case u.Scheme != "http" || dialLoopback(u.Hostname()):
	case credential != "":
		v.add(key, "is plain http:// to %s: every request would carry %s in clear to whoever is on the network; use https://", u.Hostname(), credential)
	default:
		v.warn(key, "is plain http:// to %s: every request carries phone numbers and codes in clear to whoever is on the network; use https:// unless that network is yours alone", u.Hostname())
	}
}

// ConsoleWarning is the warning for a configuration served without
// --dev whose sms.provider is console writing to standard error: every
// code goes out with the whole phone number on the stream the logs go to
// (docs/contract.md, "Logs and audit": never a code), and whoever reads
// the logs can sign in or reset a password with it. It is nil for any
// other sms section. Check cannot tell the configuration of serve --dev
// (a local try, whose codes belong there) from another, so serve and
// check-config ask it when --dev is off. Not refused: a container demo
// without --dev reads its codes there on purpose.
func (c *Config) ConsoleWarning() *Problem {
	if s := c.SMS; s.Provider != "console" || s.Console.File != "" {
		return nil
	}
	ps := newProblems(c.File)
	ps.warnAt(c.lineOf("sms.provider"), "sms.provider", "console writes every code, with the whole phone number, to standard error, where the logs go: whoever reads the logs can sign in or reset a password with them; use a real provider (twilio_messaging, twilio_verify, sinch, webhook) in production, or sms.console.file for a local try")
	return ps.warnings[0]
}

// hostAddr returns the address a URL host names literally: an IP address
// (IPv4-mapped IPv6 unmapped, a trailing dot ignored), or an IPv4 address
// in one of the numeric forms C resolvers accept (inet_aton: "2852039166",
// "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518").
func hostAddr(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(host, ".")
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), true
	}
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var nums []uint64
	for _, p := range parts {
		n, err := strconv.ParseUint(p, 0, 32)
		if err != nil || p == "" || strings.Contains(p, "_") {
			return netip.Addr{}, false
		}
		nums = append(nums, n)
	}
	// Every part but the last is one byte; the last fills the rest.
	var ip uint64
	for _, n := range nums[:len(nums)-1] {
		if n > 0xff {
			return netip.Addr{}, false
		}
		ip = ip<<8 | n
	}
	rest := 8 * uint(5-len(nums))
	last := nums[len(nums)-1]
	if last >= 1<<rest {
		return netip.Addr{}, false
	}
	ip = ip<<rest | last
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true //nolint:gosec // G115: ip < 1<<32 (checked above); each conversion keeps one octet on purpose
}
