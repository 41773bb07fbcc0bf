package config

// Checks of the regulation section: brute-force bans and the account
// lock.

import "time"

func (v *validator) regulation() {
	r := v.c.Regulation
	v.atLeast("regulation.max_failures", r.MaxFailures, 1)
	v.positive("regulation.find_time", r.FindTime)
	v.positive("regulation.ban_time", r.BanTime)
	// ASVS V2.2.1 and NIST SP 800-63B 5.2.2: at most 100 failed attempts
	// on one account.
	if r.MaxAccountFailures < 1 || r.MaxAccountFailures > maxAccountFailures {
		v.add("regulation.max_account_failures", "must be between 1 and %d (it is %d)", maxAccountFailures, r.MaxAccountFailures)
	}
	switch {
	case r.AccountLockTime <= 0:
		v.positive("regulation.account_lock_time", r.AccountLockTime)
	case r.FindTime > 0 && r.AccountLockTime < r.FindTime:
		v.add("regulation.account_lock_time", "must be at least regulation.find_time (%s): a run of failures must be remembered longer than a ban's window (it is %s)", r.FindTime, r.AccountLockTime)
	}
	if r.BanTime > 0 && r.FindTime > 0 && r.BanTime < r.FindTime {
		// docs/contract.md, "Account lock": a count's window outliving
		// the ban it caused lets failures from before the ban count
		// after it, and the counts of an account and of a number no
		// account has then run apart.
		v.warn("regulation.ban_time", "is shorter than regulation.find_time (%s): failures counted before a ban still count once it ends, and the bans of an account's number and of a number no account has can then differ, telling which numbers have accounts; make ban_time at least find_time (it is %s)", r.FindTime, r.BanTime)
	}
	// Browsers keep a cookie at most 400 days (RFC 6265bis, "Max-Age").
	if r.KnownDevices < 0 || r.KnownDevices > maxKnownDevices {
		v.add("regulation.known_devices", "must be between 0s (off) and %s, the longest a browser keeps a cookie (it is %s)", maxKnownDevices, r.KnownDevices)
	}
}

// maxKnownDevices is the most regulation.known_devices may be.
const maxKnownDevices = 400 * 24 * time.Hour

// maxAccountFailures is the most regulation.max_account_failures may be.
const maxAccountFailures = 100
