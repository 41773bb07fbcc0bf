package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// testParams keep the tests fast; production parameters are much higher.
var testParams = Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}

func newTestHasher() *Hasher { return NewHasher(testParams, 2, time.Second) }

func TestHasherRoundTrip(t *testing.T) {
	h := newTestHasher()
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("Hash = %q, want an argon2id PHC string with the configured parameters", encoded)
	}
	again, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if again == encoded {
		t.Error("two hashes of the same password are equal; the salt is not random")
	}

	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"RightPassword", "correct horse", true},
		{"WrongPassword", "correct horsf", false},
		{"Empty", "", false},
		{"Prefix", "correct", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, encoded, tt.password)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if ok != tt.want {
				t.Errorf("Verify = %v, want %v", ok, tt.want)
			}
		})
	}
}

// TestVerifyReferenceVector checks a hash produced by the argon2 reference
// implementation (echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1),
// so our encoding and parameters agree with other tools.
func TestVerifyReferenceVector(t *testing.T) {
	const ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	h := newTestHasher()
	for _, tt := range []struct {
		password string
		want     bool
	}{{"password", true}, {"Password", false}} {
		ok, err := h.Verify(context.Background(), ref, tt.password)
		if err != nil {
			t.Fatalf("Verify(%q): %v", tt.password, err)
		}
		if ok != tt.want {
			t.Errorf("Verify(%q) = %v, want %v", tt.password, ok, tt.want)
		}
	}
}

func TestVerifyBcrypt(t *testing.T) {
	h := newTestHasher()
	b, err := bcrypt.GenerateFromPassword([]byte("hunter2"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		encoded := prefix + string(b[4:])
		t.Run(prefix, func(t *testing.T) {
			if ok, err := h.Verify(context.Background(), encoded, "hunter2"); err != nil || !ok {
				t.Errorf("Verify(right password) = %v, %v; want true, nil", ok, err)
			}
			if ok, err := h.Verify(context.Background(), encoded, "hunter3"); err != nil || ok {
				t.Errorf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
			}
			if err := CheckHash(encoded); err != nil {
				t.Errorf("CheckHash: %v", err)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	const good = "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	bc, err := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	bcGood := string(bc)
	tests := []struct {
		name    string
		encoded string
	}{
		{"Empty", ""},
		{"Plaintext", "hunter2"},
		{"Argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"Argon2d", strings.Replace(good, "argon2id", "argon2d", 1)},
		{"OldVersion", strings.Replace(good, "v=19", "v=16", 1)},
		{"NoVersion", "$argon2id$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"},
		{"MissingKey", "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA"},
		{"ExtraField", good + "$AAAA"},
		{"ParamsOutOfOrder", strings.Replace(good, "m=1024,t=1,p=1", "t=1,m=1024,p=1", 1)},
		{"ExtraParam", strings.Replace(good, "p=1", "p=1,keyid=abc", 1)},
		{"NegativeMemory", strings.Replace(good, "m=1024", "m=-1", 1)},
		{"HugeMemory", strings.Replace(good, "m=1024", "m=4194305", 1)},
		{"MemoryOverflow", strings.Replace(good, "m=1024", "m=99999999999", 1)},
		{"TinyMemory", strings.Replace(good, "m=1024", "m=7", 1)},
		{"ZeroIterations", strings.Replace(good, "t=1", "t=0", 1)},
		{"ManyIterations", strings.Replace(good, "t=1", "t=101", 1)},
		{"ZeroParallelism", strings.Replace(good, "p=1", "p=0", 1)},
		{"ParallelismOverflow", strings.Replace(good, "p=1", "p=256", 1)},
		{"NotANumber", strings.Replace(good, "t=1", "t=one", 1)},
		{"ShortSalt", "$argon2id$v=19$m=1024,t=1,p=1$c29tZQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"},
		{"BadSaltBase64", "$argon2id$v=19$m=1024,t=1,p=1$c29t!!!!ZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"},
		{"ShortKey", "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1a"},
		{"LongKey", good + strings.Repeat("A", 100)},
		{"TooLong", good + strings.Repeat("$", 1000)},
		{"BcryptTruncated", bcGood[:40]},
		{"BcryptUnknownMinor", "$2c$" + bcGood[4:]},
		{"BcryptHugeCost", bcGood[:4] + "31" + bcGood[6:]},
		{"BcryptCostTooLow", bcGood[:4] + "03" + bcGood[6:]},
		{"BcryptBadChar", bcGood[:59] + "!"},
		{"BcryptNoCost", bcGood[:4] + "xx" + bcGood[6:]},
	}
	h := newTestHasher()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(context.Background(), tt.encoded, "x")
			if err == nil || ok {
				t.Errorf("Verify = %v, %v; want false and an error", ok, err)
			}
			if err := CheckHash(tt.encoded); err == nil {
				t.Error("CheckHash accepted a malformed hash")
			}
			if !h.NeedsRehash(tt.encoded) {
				t.Error("NeedsRehash = false for a malformed hash")
			}
		})
	}
}

func TestMalformedHashErrorsDoNotQuoteTheHash(t *testing.T) {
	const secretish = "$argon2id$v=19$m=1024,t=1,p=1$U0VDUkVUU0VDUkVU$U0VDUkVU"
	err := CheckHash(secretish)
	if err == nil {
		t.Fatal("CheckHash accepted a short key")
	}
	if strings.Contains(err.Error(), "U0VDUkVU") {
		t.Errorf("error %q quotes the hash", err)
	}
}

func TestNeedsRehash(t *testing.T) {
	h := NewHasher(Argon2Params{MemoryKiB: 65536, Iterations: 3, Parallelism: 2}, 1, time.Second)
	const salt, key = "c29tZXNhbHRzb21lc2FsdA", "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	bc, err := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		encoded string
		want    bool
	}{
		{"Same", "$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$" + key, false},
		{"Stronger", "$argon2id$v=19$m=131072,t=4,p=4$" + salt + "$" + key, false},
		{"LessMemory", "$argon2id$v=19$m=32768,t=3,p=2$" + salt + "$" + key, true},
		{"FewerIterations", "$argon2id$v=19$m=65536,t=2,p=2$" + salt + "$" + key, true},
		{"FewerLanes", "$argon2id$v=19$m=65536,t=3,p=1$" + salt + "$" + key, true},
		{"Bcrypt", string(bc), true},
		{"Garbage", "nope", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.NeedsRehash(tt.encoded); got != tt.want {
				t.Errorf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHasherOverload(t *testing.T) {
	const maxWait = 50 * time.Millisecond
	h := NewHasher(testParams, 1, maxWait)
	encoded, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	// Hold the only slot, as a long-running hash would.
	h.sem <- struct{}{}

	t.Run("WaitsThenOverloaded", func(t *testing.T) {
		start := time.Now()
		_, err := h.Verify(context.Background(), encoded, "pw")
		if !errors.Is(err, ErrOverloaded) {
			t.Fatalf("Verify error = %v, want ErrOverloaded", err)
		}
		if waited := time.Since(start); waited < maxWait || waited > maxWait+2*time.Second {
			t.Errorf("Verify gave up after %s, want about %s", waited, maxWait)
		}
	})
	t.Run("HashAndDummyToo", func(t *testing.T) {
		if _, err := h.Hash(context.Background(), "pw"); !errors.Is(err, ErrOverloaded) {
			t.Errorf("Hash error = %v, want ErrOverloaded", err)
		}
		start := time.Now()
		if err := h.VerifyDummy(context.Background(), "pw"); !errors.Is(err, ErrOverloaded) {
			t.Errorf("VerifyDummy error = %v, want ErrOverloaded like Verify", err)
		}
		if waited := time.Since(start); waited < maxWait {
			t.Errorf("VerifyDummy returned after %s; it should wait for a slot like Verify (%s)", waited, maxWait)
		}
	})
	t.Run("CancelledContextReturnsPromptly", func(t *testing.T) {
		slow := NewHasher(testParams, 1, time.Hour)
		slow.sem <- struct{}{}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err := slow.Verify(ctx, encoded, "pw")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Verify error = %v, want context.Canceled", err)
		}
		if errors.Is(err, ErrOverloaded) {
			t.Error("a cancelled wait was reported as overload")
		}
		if waited := time.Since(start); waited > 2*time.Second {
			t.Errorf("Verify returned after %s, want promptly after cancel", waited)
		}
	})
	t.Run("SlotFreedLetsWaiterIn", func(t *testing.T) {
		patient := NewHasher(testParams, 1, 5*time.Second)
		patient.sem <- struct{}{}
		time.AfterFunc(20*time.Millisecond, func() { <-patient.sem })
		if ok, err := patient.Verify(context.Background(), encoded, "pw"); err != nil || !ok {
			t.Errorf("Verify = %v, %v; want true once the slot frees up", ok, err)
		}
	})

	<-h.sem
	if ok, err := h.Verify(context.Background(), encoded, "pw"); err != nil || !ok {
		t.Errorf("after release, Verify = %v, %v; want true, nil", ok, err)
	}
}

func TestVerifyDummyCostsLikeVerify(t *testing.T) {
	// With real-ish parameters the difference between "did the work" and
	// "returned early" is large and easy to see.
	p := Argon2Params{MemoryKiB: 16 * 1024, Iterations: 2, Parallelism: 1}
	h := NewHasher(p, 1, time.Second)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	best := func(f func()) time.Duration {
		fastest := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			f()
			fastest = min(fastest, time.Since(start))
		}
		return fastest
	}
	verify := best(func() { h.Verify(ctx, encoded, "wrong") })
	dummy := best(func() { h.VerifyDummy(ctx, "wrong") })
	if dummy < verify/3 {
		t.Errorf("VerifyDummy took %s, Verify %s: unknown users would be faster", dummy, verify)
	}
}

func FuzzVerifyMalformed(f *testing.F) {
	f.Add("$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	f.Add("$2b$04$abcdefghijklmnopqrstuu5SyjmCQgiKGaWmy3X7q9mn4Ut3PCbMW")
	f.Add("$2y$")
	f.Add("$argon2id$$$$$")
	f.Add("")
	// Small parameters only, so the fuzzer spends its time on parsing.
	h := NewHasher(Argon2Params{MemoryKiB: 8, Iterations: 1, Parallelism: 1}, 4, time.Second)
	f.Fuzz(func(t *testing.T, encoded string) {
		a, err := parseArgon2id(encoded)
		if err == nil && (a.memory > 64*1024 || a.iterations > 4) {
			return // valid but expensive: parsing is what is under test
		}
		if isBcryptPrefix(encoded) && checkBcrypt(encoded) == nil && encoded[4:6] > "06" {
			return // likewise for bcrypt
		}
		if err == nil && strings.HasPrefix(encoded, "$2") {
			t.Fatalf("bcrypt-looking input parsed as argon2id")
		}
		ok, err := h.Verify(context.Background(), encoded, "password")
		if err != nil && ok {
			t.Fatalf("Verify = true with error %v", err)
		}
		if (CheckHash(encoded) == nil) != (err == nil) {
			t.Fatalf("CheckHash and Verify disagree on %q: Verify error %v", encoded, err)
		}
	})
}

// The login flow consumes Hasher through PasswordChecker.
var _ PasswordChecker = (*Hasher)(nil)
