package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Argon2Params are the argon2id cost parameters used for new hashes and as
// the bar NeedsRehash measures stored hashes against.
type Argon2Params struct {
	MemoryKiB   uint32 // memory per hash, KiB (m)
	Iterations  uint32 // passes over the memory (t)
	Parallelism uint8  // lanes (p)
}

// Limits on stored hashes. A users file or a redis record is configuration
// an attacker may have touched; these bounds keep one hostile entry from
// pinning a CPU for minutes or exhausting memory on every login attempt.
const (
	argon2SaltLen = 16 // bytes of salt in new hashes
	argon2KeyLen  = 32 // bytes of key in new hashes

	minArgon2SaltLen  = 8
	maxArgon2SaltLen  = 64
	minArgon2KeyLen   = 16
	maxArgon2KeyLen   = 64
	maxBcryptCost     = 16
	maxEncodedHashLen = 512
)

// The most costly argon2id parameters a hash may have to be checked:
// stored hashes beyond them are refused (CheckHash), none is made
// (Hash), hashing.argon2id may not ask for more, and the hashing worker
// computes anything within them (docs/contract.md, "Password hashing").
const (
	MaxArgon2MemoryKiB  = 4 * 1024 * 1024 // 4 GiB
	MaxArgon2Iterations = 100
)

// Hasher hashes and verifies passwords. The number of hashes computed at
// once is bounded: argon2id is deliberately memory- and CPU-hungry, and an
// unbounded burst of logins would take the process down. A Hasher is safe
// for concurrent use.
type Hasher struct {
	params Argon2Params
	// sem are the slots any hash may take, kept those only a known
	// device's sign-in may (see hashslots.go); together they are
	// hashing.max_concurrent.
	sem     chan struct{}
	kept    chan struct{}
	maxWait time.Duration
	// keptUses counts each account's kept slots (see hashslots.go),
	// on clock.
	keptUses keptUses
	clock    Clock
	// dummy has the configured parameters, a random salt and a random key:
	// verifying against it costs exactly what verifying a real hash does and
	// can never succeed.
	dummy argon2Hash
	// deriver computes argon2id keys elsewhere; nil computes them here.
	deriver Argon2Deriver
	// times holds recent real derivation times, which dummy
	// verifications stand in for (see hashtimes.go).
	times hashTimes
}

// NewHasher returns a Hasher that creates argon2id hashes with p and runs
// at most maxConcurrent hashes at once (GOMAXPROCS when maxConcurrent <= 0).
// A caller waits at most maxWait for a free slot; maxWait <= 0 means it does
// not wait at all. Of two or more slots a quarter (at least one) is kept
// for sign-ins from a known device (see hashslots.go). Zero fields of p fall back to the defaults of
// hashing.argon2id in docs/contract.md (64 MiB, 3 iterations, 2 lanes).
func NewHasher(p Argon2Params, maxConcurrent int, maxWait time.Duration) *Hasher {
	if p.MemoryKiB == 0 {
		p.MemoryKiB = 64 * 1024
	}
	if p.Iterations == 0 {
		p.Iterations = 3
	}
	if p.Parallelism == 0 {
		p.Parallelism = 2
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	h := &Hasher{
		params:  p,
		sem:     make(chan struct{}, maxConcurrent-keptSlots(maxConcurrent)),
		maxWait: maxWait,
		clock:   SystemClock{},
		dummy: argon2Hash{
			memory:      p.MemoryKiB,
			iterations:  p.Iterations,
			parallelism: p.Parallelism,
			salt:        make([]byte, argon2SaltLen),
			key:         make([]byte, argon2KeyLen),
		},
	}
	if n := keptSlots(maxConcurrent); n > 0 {
		h.kept = make(chan struct{}, n)
	}
	rand.Read(h.dummy.salt)
	rand.Read(h.dummy.key)
	return h
}

// Hash returns an argon2id PHC string for password in its PasswordForm:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>, with a 16-byte random salt,
// a 32-byte key and unpadded standard base64. It returns an error wrapping
// ErrOverloaded when no hashing slot frees up within the wait budget, the
// context's error when ctx ends first, and an error when h's parameters
// are beyond what a hash may cost (checkCost), which it never makes.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	a := argon2Hash{
		memory:      h.params.MemoryKiB,
		iterations:  h.params.Iterations,
		parallelism: h.params.Parallelism,
		salt:        make([]byte, argon2SaltLen),
		key:         make([]byte, argon2KeyLen),
	}
	// A hash that Verify would refuse is never made: stored, by a
	// sign-up or a sign-in's upgrade, it would lock its account out.
	if err := a.checkCost(); err != nil {
		return "", fmt.Errorf("password hashing: hashing.argon2id: %w", err)
	}
	slot, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer slot.release()
	rand.Read(a.salt)
	key, err := h.timedKey(ctx, &a, PasswordForm(password)) // reads the key length from a.key
	if err != nil {
		return "", err
	}
	a.key = key
	return a.String(), nil
}

// Verify reports whether password, as given, matches encoded, an
// argon2id PHC string (any sane parameters) or a bcrypt hash ($2a$, $2b$
// or $2y$). A wrong password is (false, nil). A malformed or absurd hash
// is an error, as are ErrOverloaded (no hashing slot within the wait
// budget) and ctx ending while waiting for one. Sign-ins use Check, which
// reads a password as Hash does (PasswordForm).
//
// Like every bcrypt implementation, bcrypt hashes only see the first 72
// bytes of the password.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	m, err := h.check(ctx, encoded, []string{password})
	return m != NoMatch, err
}

// VerifyDummy stands in for checking password (Check) against an
// argon2id hash with the configured parameters, once for each form Check
// would try; the login flow calls it for unknown users so that they take
// as long as known ones. It takes a hashing slot like Verify, waiting
// the same way, and returns the same error Verify would have returned
// (ErrOverloaded or a context error), so that overload answers do not
// tell known users from unknown. Holding the slot, it either derives a
// key against a random hash and throws it away, or, once real
// derivations have been timed, waits as long as a recent one took
// without working (see hashtimes.go): the time is the same, the CPU is
// not spent.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	slot, err := h.acquire(ctx)
	if err != nil {
		return err
	}
	defer slot.release()
	for _, form := range passwordForms(password) {
		if d, ok := h.times.standIn(); ok {
			if err := hold(ctx, d); err != nil {
				return err
			}
			continue
		}
		key, err := h.timedKey(ctx, &h.dummy, form)
		if err != nil {
			return err
		}
		subtle.ConstantTimeCompare(h.dummy.key, key)
	}
	return nil
}

// timedKey is argon2Key, recording the time it took when a has the
// configured parameters (the times dummy verifications stand in for).
func (h *Hasher) timedKey(ctx context.Context, a *argon2Hash, password string) ([]byte, error) {
	start := time.Now()
	key, err := h.argon2Key(ctx, a, password)
	if err == nil && a.memory == h.params.MemoryKiB && a.iterations == h.params.Iterations &&
		a.parallelism == h.params.Parallelism {
		h.times.observe(time.Since(start))
	}
	return key, err
}

// NeedsRehash reports whether encoded should be replaced by a fresh Hash of
// the password after a successful login: true for bcrypt, for argon2id
// with less memory, fewer iterations or fewer lanes than configured, and
// for anything that is not a well-formed hash.
func (h *Hasher) NeedsRehash(encoded string) bool {
	a, err := parseArgon2id(encoded)
	if err != nil {
		return true
	}
	return a.memory < h.params.MemoryKiB ||
		a.iterations < h.params.Iterations ||
		a.parallelism < h.params.Parallelism
}

// CheckHash reports whether encoded is a password hash Verify accepts: a
// well-formed argon2id PHC string within sane parameter bounds, or a bcrypt
// $2a$/$2b$/$2y$ hash. User backends call it when loading users so that a
// broken hash is reported at load time, not at the first login. The error
// never contains the hash.
func CheckHash(encoded string) error {
	switch {
	case strings.HasPrefix(encoded, "$argon2"):
		_, err := parseArgon2id(encoded)
		return err
	case isBcryptPrefix(encoded):
		return checkBcrypt(encoded)
	default:
		return ErrUnknownHash
	}
}

// ErrUnknownHash is CheckHash's and Verify's error for a stored password
// that is none of the hashes Verify knows (no $argon2 or bcrypt prefix):
// often the password itself, written where its hash goes.
var ErrUnknownHash = errors.New("unsupported password hash: want an argon2id PHC string ($argon2id$...) or bcrypt ($2a$, $2b$, $2y$)")

// argon2Hash is a parsed argon2id PHC string.
type argon2Hash struct {
	memory      uint32
	iterations  uint32
	parallelism uint8
	salt        []byte
	key         []byte
}

// derive computes the argon2id key for password with a's parameters, salt
// and key length.
func (a *argon2Hash) derive(password string) []byte {
	return argon2.IDKey([]byte(password), a.salt, a.iterations, a.memory, a.parallelism, uint32(len(a.key))) //nolint:gosec // a key of a stored hash: 16 to 64 bytes
}

// String encodes a as a PHC string.
func (a *argon2Hash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, a.memory, a.iterations, a.parallelism,
		base64.RawStdEncoding.EncodeToString(a.salt),
		base64.RawStdEncoding.EncodeToString(a.key))
}

// parseArgon2id parses $argon2id$v=19$m=M,t=T,p=P$SALT$KEY. The parameter
// order is fixed as every implementation writes it; optional PHC fields
// (keyid, data) are not supported. Error messages never quote the input.
func parseArgon2id(encoded string) (argon2Hash, error) {
	var a argon2Hash
	if len(encoded) > maxEncodedHashLen {
		return a, errors.New("malformed argon2id hash: too long")
	}
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" {
		return a, errors.New("malformed argon2id hash: want $argon2id$v=19$m=M,t=T,p=P$SALT$HASH")
	}
	if parts[1] != "argon2id" {
		return a, errors.New("unsupported argon2 variant: only argon2id is accepted")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return a, errors.New("unsupported argon2id version: want v=19")
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return a, errors.New("malformed argon2id hash: want parameters m=M,t=T,p=P")
	}
	var err error
	if a.memory, err = parseParam(params[0], "m", 32); err != nil {
		return a, err
	}
	if a.iterations, err = parseParam(params[1], "t", 32); err != nil {
		return a, err
	}
	p, err := parseParam(params[2], "p", 8)
	if err != nil {
		return a, err
	}
	a.parallelism = uint8(p) //nolint:gosec // parseParam parsed it in 8 bits
	if err := a.checkCost(); err != nil {
		return a, err
	}
	if a.salt, err = decodeB64(parts[4]); err != nil || len(a.salt) < minArgon2SaltLen || len(a.salt) > maxArgon2SaltLen {
		return a, fmt.Errorf("malformed argon2id hash: salt must be %d..%d bytes of unpadded base64", minArgon2SaltLen, maxArgon2SaltLen)
	}
	if a.key, err = decodeB64(parts[5]); err != nil || len(a.key) < minArgon2KeyLen || len(a.key) > maxArgon2KeyLen {
		return a, fmt.Errorf("malformed argon2id hash: hash must be %d..%d bytes of unpadded base64", minArgon2KeyLen, maxArgon2KeyLen)
	}
	return a, nil
}

// checkCost refuses parameters outside what a hash may cost to check
// (MaxArgon2Iterations, MaxArgon2MemoryKiB) or that argon2id does not
// take.
func (a *argon2Hash) checkCost() error {
	switch {
	case a.parallelism < 1:
		return errors.New("malformed argon2id hash: parallelism p must be at least 1")
	case a.iterations < 1 || a.iterations > MaxArgon2Iterations:
		return fmt.Errorf("argon2id hash rejected: iterations t must be 1..%d", MaxArgon2Iterations)
	case a.memory < 8*uint32(a.parallelism) || a.memory > MaxArgon2MemoryKiB:
		return fmt.Errorf("argon2id hash rejected: memory m must be 8*p..%d KiB", MaxArgon2MemoryKiB)
	}
	return nil
}

func parseParam(s, name string, bits int) (uint32, error) {
	v, ok := strings.CutPrefix(s, name+"=")
	if !ok {
		return 0, fmt.Errorf("malformed argon2id hash: want parameter %s=", name)
	}
	n, err := strconv.ParseUint(v, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("malformed argon2id hash: parameter %s is not a number in range", name)
	}
	return uint32(n), nil //nolint:gosec // ParseUint held it to bits ≤ 32
}

// decodeB64 decodes PHC base64: standard alphabet without padding. Padding
// written by lenient encoders is tolerated.
func decodeB64(s string) ([]byte, error) {
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// bcryptMaxPassword is the part of a password bcrypt sees: the rest is
// ignored.
const bcryptMaxPassword = 72

// checkedWhole reports whether a match of password against encoded
// checked all of it: false for a bcrypt hash and a password over 72
// bytes, whose tail any other tail would have matched. Such a password
// is not hashed anew as the account's: the tail typed, a typo or a
// guess, would become the password (docs/contract.md, "users.yaml
// (file backend)").
func checkedWhole(encoded, password string) bool {
	return !isBcryptPrefix(encoded) || len(password) <= bcryptMaxPassword
}

func isBcryptPrefix(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

// checkBcrypt validates the shape of a bcrypt hash: $2x$CC$ followed by 53
// characters of bcrypt base64, with cost CC in 4..maxBcryptCost.
func checkBcrypt(s string) error {
	const bcryptLen = 60
	if len(s) != bcryptLen || s[6] != '$' {
		return errors.New("malformed bcrypt hash: want $2b$CC$ followed by 53 characters")
	}
	cost, err := strconv.Atoi(s[4:6])
	if err != nil || cost < bcrypt.MinCost {
		return errors.New("malformed bcrypt hash: bad cost")
	}
	if cost > maxBcryptCost {
		return fmt.Errorf("bcrypt hash rejected: cost %d is above the limit of %d", cost, maxBcryptCost)
	}
	for i := 7; i < len(s); i++ {
		c := s[i]
		if c != '.' && c != '/' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return errors.New("malformed bcrypt hash: invalid character")
		}
	}
	return nil
}
