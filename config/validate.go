package config

// Validate and Check, the validator they share with its helpers for the
// kinds of value many sections use (one of a list, durations, counts,
// host:port, URLs, secrets), and the allowed values and bounds of
// docs/contract.md, "Configuration (gateway.yaml)". The checks of each
// section are in validate_<section>.go (passkeys.go and hardening.go
// hold their own).

import (
	"errors"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Allowed values of the enumerated keys.
var (
	storeDrivers  = []string{"memory", "redis"}
	userBackends  = []string{"file", "redis"}
	sameSites     = []string{"lax", "strict", "none"}
	smsProviders  = []string{"console", "twilio_messaging", "twilio_verify", "sinch", "webhook"}
	routePolicies = []string{"bypass", "password", "sms", "two_factor", "passkey", "deny"}
	routeCaches   = []string{RouteCacheNoStore, RouteCacheAllow}
	routeOrigins  = []string{RouteCrossOriginRefuse, RouteCrossOriginAllow}
	secondFactors = []string{"sms", "otp", "hwk"}
)

// Bounds that are part of the contract.
const (
	maxPasswordLength = 1024
	minPasswordLength = 8
	minOTPLength      = 6
	maxOTPLength      = 10
	minAssertionTTL   = time.Second
	maxAssertionTTL   = time.Hour
	// maxOTPMessage bounds the rendered SMS text: ten concatenated
	// segments.
	maxOTPMessage = 1530
)

// Validate checks every value of the configuration and returns all the
// problems found, joined with errors.Join, each a *Problem printed as
// "FILE:LINE: key.path: message" (the line of the key, else of its nearest
// parent in the file, else none). It does no I/O and changes nothing, so it
// may be called on any Config, including one built from Default. Check
// also returns the warnings.
func (c *Config) Validate() error {
	_, err := c.Check()
	return err
}

// Check is Validate that also returns the warnings, in file order: values
// that are valid but beyond what ASVS or NIST SP 800-63B advise (a code
// valid for more than ten minutes, say). Warnings are *Problems with
// Warning set; they are never part of err. Like Validate, Check does no
// I/O and changes nothing.
func (c *Config) Check() (warnings []*Problem, err error) {
	v := &validator{c: c, ps: newProblems(c.File)}
	v.server()
	v.store()
	v.session()
	v.users()
	v.hashing()
	v.otp()
	v.totp()
	v.passkeys()
	v.sms()
	v.regulation()
	v.admin()
	v.identity()
	v.portal()
	v.routes()
	v.hardening()
	v.exposedFiles()
	return inFileOrder(v.ps.warnings), v.ps.err()
}

type validator struct {
	c  *Config
	ps *problems
}

func (v *validator) add(key, format string, args ...any) {
	v.ps.at(v.c.lineOf(key), key, format, args...)
}

// warn records a warning about key (see Check).
func (v *validator) warn(key, format string, args ...any) {
	v.ps.warnAt(v.c.lineOf(key), key, format, args...)
}

func (v *validator) oneOf(key, value string, allowed []string) bool {
	if slices.Contains(allowed, value) {
		return true
	}
	if value == "" {
		v.add(key, "required: one of %s", strings.Join(allowed, ", "))
	} else {
		v.add(key, "must be one of %s, not %q", strings.Join(allowed, ", "), value)
	}
	return false
}

func (v *validator) positive(key string, d time.Duration) {
	if d <= 0 {
		v.add(key, "must be greater than 0 (it is %s)", d)
	}
}

func (v *validator) atLeast(key string, n, least int) {
	if n < least {
		v.add(key, "must be at least %d (it is %d)", least, n)
	}
}

// hostPort checks an address to listen on or dial: a host name, an IP
// address or nothing, a colon and a port. A value with "@" is not quoted:
// it is most likely a URL carrying a password ("redis://:pw@redis:6379",
// whose host "redis://:pw@redis" net.SplitHostPort takes as one), which
// would otherwise reach check-config's output and the logs, where a
// reload's problems go (docs/contract.md, "Logs and audit").
func (v *validator) hostPort(key, value string) {
	if value == "" {
		v.add(key, "required: host:port, e.g. \":8080\" or \"127.0.0.1:8080\"")
		return
	}
	host, port, err := net.SplitHostPort(value)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err == nil && !validAddrHost(host) {
		err = errNotHost
	}
	switch {
	case err == nil:
	case strings.Contains(value, "@"):
		v.add(key, "is not host:port, e.g. \"redis.internal:6379\" (not shown: it holds \"@\", as a URL with a password does; a password goes in its own key or *_file)")
	default:
		v.add(key, "%q is not host:port, e.g. \":8080\" or \"127.0.0.1:8080\"", value)
	}
}

// errNotHost says that the host part of host:port is no host.
var errNotHost = errors.New("not a host")

// validAddrHost reports whether host, the host part of host:port, is
// empty (every address), an IP address (with a zone) or a host name
// (one trailing dot allowed).
func validAddrHost(host string) bool {
	if host == "" {
		return true
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return isHostname(strings.ToLower(strings.TrimSuffix(host, ".")))
}

// httpURL checks an absolute http or https URL with a host. It does not
// quote the value, which may carry credentials.
func (v *validator) httpURL(key, value string) (*url.URL, bool) {
	u, err := url.Parse(value)
	switch {
	case err != nil:
		v.add(key, "not a valid URL: write an absolute http:// or https:// URL, scheme first (http://127.0.0.1:9001, not 127.0.0.1:9001)")
	case u.Scheme != "http" && u.Scheme != "https":
		v.add(key, "must be an absolute http:// or https:// URL")
	case u.Host == "" || u.Hostname() == "":
		v.add(key, "must name a host, as in https://host.example.com")
	case u.User != nil:
		v.add(key, "must not contain user:password@")
	case u.Fragment != "" || strings.Contains(value, "#"):
		v.add(key, "must not contain a #fragment")
	default:
		return u, true
	}
	return nil, false
}

// secretKey is the key a secret was given under: <key>_file when it was
// read from a file.
func (v *validator) secretKey(key string) string {
	if v.c.Line(key) == 0 && v.c.Line(key+"_file") != 0 {
		return key + "_file"
	}
	return key
}
