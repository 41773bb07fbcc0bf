package config

// Checks of the users section (backend, sign-up, reset, password policy)
// and of the hashing section, the cost of the passwords' hashes.

import "github.com/gatehouse-auth/gatehouse/auth"

func (v *validator) users() {
	u := v.c.Users
	if v.oneOf("users.backend", u.Backend, userBackends) {
		// users.backend: redis keeps accounts in the configured store:
		// Redis in production, or memory for a demo (gone on restart).
		if u.Backend == "file" && u.File == "" {
			v.add("users.file", "required when users.backend is file")
		}
	}
	if u.Signup.Enabled && u.Backend != "redis" {
		v.add("users.signup.enabled", "signup needs users.backend: redis")
	}
	if u.Signup.PerClientPerHour < 1 {
		v.add("users.signup.per_client_per_hour", "must be at least 1, it is %d", u.Signup.PerClientPerHour)
	}
	v.reset()
	p := u.PasswordPolicy
	if p.MinLength < minPasswordLength {
		v.add("users.password_policy.min_length", "must be at least %d (NIST SP 800-63B §5.1.1.2: memorized secrets SHALL be at least 8 characters), it is %d", minPasswordLength, p.MinLength)
	}
	switch {
	case p.MaxLength > maxPasswordLength:
		v.add("users.password_policy.max_length", "must be at most %d (it is %d)", maxPasswordLength, p.MaxLength)
	case p.MaxLength < p.MinLength:
		v.add("users.password_policy.max_length", "must be at least min_length (%d), it is %d", p.MinLength, p.MaxLength)
	}
}

// reset checks users.reset.require: known proofs, each once, and always
// the text-message code (a recovery code alone would reset the password
// of whoever holds one sheet of paper).
func (v *validator) reset() {
	req := v.c.Users.Reset.Require
	if len(req) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, r := range req {
		switch {
		case r != ResetProofSMS && r != ResetProofRecoveryCode:
			v.add("users.reset.require", "unknown proof %q: use sms and recovery_code", r)
		case seen[r]:
			v.add("users.reset.require", "%s is listed twice", r)
		}
		seen[r] = true
	}
	if !seen[ResetProofSMS] {
		v.add("users.reset.require", "must include sms: a reset always needs the code sent to the account's phone")
	}
}

func (v *validator) hashing() {
	h := v.c.Hashing
	a := h.Argon2id
	v.atLeast("hashing.argon2id.parallelism", int(a.Parallelism), 1)
	v.atLeast("hashing.argon2id.iterations", int(a.Iterations), 1)
	// No more than a stored hash may cost to be checked: a hash made
	// with more is refused at every sign-in, and each sign-in's upgrade
	// would lock its account out (docs/contract.md, "Password hashing").
	if a.Iterations > auth.MaxArgon2Iterations {
		v.add("hashing.argon2id.iterations", "must be at most %d, the most a password hash may cost to be checked (it is %d)", auth.MaxArgon2Iterations, a.Iterations)
	}
	if uint64(a.MemoryKiB) < 8*uint64(max(a.Parallelism, 1)) {
		v.add("hashing.argon2id.memory_kib", "must be at least 8 × parallelism (%d), it is %d", 8*int(max(a.Parallelism, 1)), a.MemoryKiB)
	}
	if a.MemoryKiB > auth.MaxArgon2MemoryKiB {
		v.add("hashing.argon2id.memory_kib", "must be at most %d (4 GiB), the most a password hash may cost to be checked (it is %d)", auth.MaxArgon2MemoryKiB, a.MemoryKiB)
	}
	v.atLeast("hashing.max_concurrent", h.MaxConcurrent, 1)
	if a.MemoryKiB > 0 && a.Iterations > 0 && auth.BelowOWASPArgon2(a.MemoryKiB, a.Iterations) {
		v.warn("hashing.argon2id.memory_kib", "%d KiB with %d iterations is below every minimum of OWASP's Password Storage Cheat Sheet (46 MiB with 1 iteration, 19 MiB with 2, 12 MiB with 3, 9 MiB with 4, 7 MiB with 5): a stolen hash is guessed that much faster; keep the default, 65536 with 3", a.MemoryKiB, a.Iterations)
	}
}
