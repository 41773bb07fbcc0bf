package auth

import "fmt"

// owaspArgon2id are the minimum argon2id configurations of OWASP's
// Password Storage Cheat Sheet, memory (KiB) with passes, each equally
// strong (docs/contract.md, "Password hashing").
var owaspArgon2id = [...]struct{ memoryKiB, iterations uint32 }{
	{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5},
}

// BelowOWASPArgon2 reports whether argon2id with memoryKiB and
// iterations falls short of every minimum configuration of OWASP's
// Password Storage Cheat Sheet (19 MiB with 2 passes, 46 MiB with 1, …):
// a stolen hash of it is guessed faster than OWASP allows.
func BelowOWASPArgon2(memoryKiB, iterations uint32) bool {
	for _, m := range owaspArgon2id {
		if memoryKiB >= m.memoryKiB && iterations >= m.iterations {
			return false
		}
	}
	return true
}

// minBcryptCost is OWASP's minimum bcrypt work factor.
const minBcryptCost = 10

// WeakHash returns why encoded, a hash CheckHash accepts, is weaker than
// OWASP's Password Storage Cheat Sheet allows (docs/contract.md,
// "users.yaml (file backend)"), or "": a bcrypt cost under 10, or
// argon2id parameters BelowOWASPArgon2. It never quotes the hash.
func WeakHash(encoded string) string {
	if isBcryptPrefix(encoded) {
		if checkBcrypt(encoded) == nil {
			if cost := int(encoded[4]-'0')*10 + int(encoded[5]-'0'); cost < minBcryptCost {
				return fmt.Sprintf("bcrypt cost %d is under %d, OWASP's minimum", cost, minBcryptCost)
			}
		}
		return ""
	}
	a, err := parseArgon2id(encoded)
	if err == nil && BelowOWASPArgon2(a.memory, a.iterations) {
		return fmt.Sprintf("argon2id with %d KiB and %d iterations is below every minimum of OWASP (19 MiB with 2 iterations, 46 MiB with 1, …)", a.memory, a.iterations)
	}
	return ""
}
