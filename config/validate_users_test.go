package config_test

// Validate's cases for the users and hashing sections.

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// usersRules are the cases of TestValidateRules for the users and hashing sections.
var usersRules = []ruleCase{
	{"backend unknown", fn(func(c *config.Config) { c.Users.Backend = "ldap" }), []string{"users.backend"}},
	{"file backend without file", fn(func(c *config.Config) { c.Users.File = "" }), []string{"users.file"}},
	{"redis backend on memory store (demo)", fn(func(c *config.Config) { c.Users.Backend = "redis" }), nil},
	{"redis backend on redis store", fn(withRedis, func(c *config.Config) { c.Users.Backend = "redis"; c.Users.File = "" }), nil},
	{"signup with file backend", fn(func(c *config.Config) { c.Users.Signup.Enabled = true }), []string{"users.signup.enabled"}},
	{"reset without the sms code", fn(func(c *config.Config) { c.Users.Reset.Require = []string{"recovery_code"} }), []string{"users.reset.require"}},
	{"reset with an unknown proof", fn(func(c *config.Config) { c.Users.Reset.Require = []string{"sms", "email"} }), []string{"users.reset.require"}},
	{"reset proof twice", fn(func(c *config.Config) { c.Users.Reset.Require = []string{"sms", "sms"} }), []string{"users.reset.require"}},
	{"signup with redis backend", fn(withRedis, func(c *config.Config) { c.Users.Backend = "redis"; c.Users.Signup.Enabled = true }), nil},
	{"min_length zero", fn(func(c *config.Config) { c.Users.PasswordPolicy.MinLength = 0 }), []string{"users.password_policy.min_length"}},
	{"max below min", fn(func(c *config.Config) { c.Users.PasswordPolicy = config.PasswordPolicy{MinLength: 10, MaxLength: 9} }),
		[]string{"users.password_policy.max_length"}},
	{"max too large", fn(func(c *config.Config) { c.Users.PasswordPolicy.MaxLength = 1025 }), []string{"users.password_policy.max_length"}},
	{"min equal max at the limit", fn(func(c *config.Config) {
		c.Users.PasswordPolicy = config.PasswordPolicy{MinLength: 1024, MaxLength: 1024}
	}), nil},

	// hashing
	{"argon2 memory below 8 × parallelism", fn(func(c *config.Config) {
		c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 15, Iterations: 1, Parallelism: 2}
	}),
		[]string{"hashing.argon2id.memory_kib"}},
	{"argon2 memory at 8 × parallelism", fn(func(c *config.Config) {
		c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 16, Iterations: 1, Parallelism: 2}
	}), nil},
	{"argon2 iterations zero", fn(func(c *config.Config) { c.Hashing.Argon2id.Iterations = 0 }), []string{"hashing.argon2id.iterations"}},
	{"argon2 parallelism zero", fn(func(c *config.Config) { c.Hashing.Argon2id.Parallelism = 0 }), []string{"hashing.argon2id.parallelism"}},
	{"max_concurrent zero", fn(func(c *config.Config) { c.Hashing.MaxConcurrent = 0 }), []string{"hashing.max_concurrent"}},
}

// TestHashingCostTheGatewayChecks: hashing.argon2id may not ask for more
// than a stored hash may cost to be checked (auth.MaxArgon2Iterations
// passes, auth.MaxArgon2MemoryKiB). Before, 101 passes or 4 GiB and a
// KiB were taken without a word, and every hash made with them was one
// the gateway refused: each account that signed in had its hash upgraded
// to one and was locked out, and each sign-up made an account that could
// never sign in.
func TestHashingCostTheGatewayChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    config.Argon2id
		want []string
	}{
		{"iterations at the limit", config.Argon2id{MemoryKiB: 8, Iterations: auth.MaxArgon2Iterations, Parallelism: 1}, nil},
		{"iterations beyond", config.Argon2id{MemoryKiB: 8, Iterations: auth.MaxArgon2Iterations + 1, Parallelism: 1}, []string{"hashing.argon2id.iterations"}},
		{"memory at the limit", config.Argon2id{MemoryKiB: auth.MaxArgon2MemoryKiB, Iterations: 1, Parallelism: 1}, nil},
		{"memory beyond", config.Argon2id{MemoryKiB: auth.MaxArgon2MemoryKiB + 1, Iterations: 1, Parallelism: 1}, []string{"hashing.argon2id.memory_kib"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Hashing.Argon2id = tc.a
			if got := keys(cfg.Validate()); !equal(got, tc.want) {
				t.Fatalf("problems at %q, want %q", got, tc.want)
			}
		})
	}
}
