package config

// The sections about accounts: users (backend, sign-up, reset, password
// policy), hashing and regulation.

import (
	"net"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Users selects the user backend.
type Users struct {
	Backend        string         `yaml:"backend"`
	File           string         `yaml:"file"`
	Signup         Signup         `yaml:"signup"`
	Reset          Reset          `yaml:"reset"`
	PasswordPolicy PasswordPolicy `yaml:"password_policy"`
	// Passwordless turns on sign-in with a code alone (POST /api/sms/start
	// and the portal's phone form) on every host; without it, only where
	// a route has the sms policy (docs/contract.md, "Policies").
	Passwordless bool `yaml:"passwordless"`
}

// Signup controls self-service registration (redis backend only).
type Signup struct {
	Enabled bool `yaml:"enabled"`
	// PerClientPerHour bounds the sign-ups one client address (IPv4) or
	// /64 (IPv6) may start per hour, and four times it those of one IPv6
	// /48 (docs/contract.md, "Sign-up").
	PerClientPerHour int `yaml:"per_client_per_hour"`
}

// Reset controls password reset by text-message code (redis backend
// only; docs/contract.md, "Password reset").
type Reset struct {
	// Enabled offers reset; default true.
	Enabled bool `yaml:"enabled"`
	// Require lists the proofs a reset needs: [sms], or [sms,
	// recovery_code]. Empty: [sms, recovery_code] for accounts that sign
	// in with two factors (force_two_factor, an administrator's number
	// not yet proved, any route whose policy is two_factor or passkey, or
	// admin.group members while the console is on) and [sms] for the
	// others.
	Require []string `yaml:"require"`
}

// Reset proofs (users.reset.require).
const (
	ResetProofSMS          = "sms"
	ResetProofRecoveryCode = "recovery_code"
)

// PasswordPolicy bounds new passwords.
type PasswordPolicy struct {
	MinLength int `yaml:"min_length"`
	MaxLength int `yaml:"max_length"`
}

// Hashing configures password hashing.
type Hashing struct {
	Argon2id      Argon2id `yaml:"argon2id"`
	MaxConcurrent int      `yaml:"max_concurrent"`
	// Worker computes hashes in a child process at the lowest CPU
	// priority (docs/contract.md, "Password hashing"), so a login flood does not
	// slow signed-in traffic; false hashes in the gateway process.
	Worker bool `yaml:"worker"`
}

// Argon2id holds the argon2id cost parameters for new hashes.
type Argon2id struct {
	MemoryKiB   uint32 `yaml:"memory_kib"`
	Iterations  uint32 `yaml:"iterations"`
	Parallelism uint8  `yaml:"parallelism"`
}

// Regulation configures brute-force bans and the account lock.
type Regulation struct {
	MaxFailures int           `yaml:"max_failures"`
	FindTime    time.Duration `yaml:"find_time"`
	BanTime     time.Duration `yaml:"ban_time"`
	// MaxAccountFailures failures in a row, however slow, lock the
	// account for AccountLockTime; a run is forgotten after a quiet
	// AccountLockTime or a completed sign-in.
	MaxAccountFailures int           `yaml:"max_account_failures"`
	AccountLockTime    time.Duration `yaml:"account_lock_time"`
	// KnownDevices is how long a browser that completed a sign-in stays
	// known to its account, whose ban and lock then do not hold it
	// (docs/contract.md, "Known devices"); 0 turns known devices off.
	KnownDevices time.Duration `yaml:"known_devices"`
}

// ServiceNames are the names people know this service by, which a new
// password may not be made of (docs/contract.md, "Password rules"):
// portal.app_name, and server.public_url's host name whole, as its
// registrable domain and without its public suffix (auth.example.com,
// example.com, auth.example; none for an IP address).
func (c *Config) ServiceNames() []string {
	names := []string{c.Portal.AppName}
	u, err := url.Parse(c.Server.PublicURL)
	if err != nil {
		return names
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" || net.ParseIP(host) != nil {
		return names
	}
	names = append(names, host)
	if domain, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		suffix, _ := publicsuffix.PublicSuffix(host)
		names = append(names, domain, strings.TrimSuffix(host, "."+suffix))
	}
	return names
}
