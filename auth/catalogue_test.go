package auth_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/bits"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/golang-jwt/jwt/v5"
)

// TestCatalogueAssertionVerifier: catalogue case 66's verifier rows that
// TestVerifyAssertionAttacks does not already name (CVE-2018-0114 x5u,
// CVE-2020-26160 aud as an array, CVE-2025-30204 a Bearer of dots): each
// is refused with ErrInvalidToken (docs/contract.md, "Identity headers").
func TestCatalogueAssertionVerifier(t *testing.T) {
	clock := &fakeClock{now: t0}
	key := newKey(t)
	s := auth.NewSigner(key, testIssuer, time.Minute, clock)
	keys, kid := s.Keys(), s.KeyID()
	attacker := newKey(t)
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": testIssuer, "aud": testAudience, "sub": "admin", "iat": t0.Unix(), "exp": t0.Add(time.Minute).Unix(), "jti": "x"}
	}
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	ours := map[string]any{"kid": kid}
	for name, tok := range map[string]string{
		"x5u header":                      forge(t, jwt.SigningMethodEdDSA, attacker, map[string]any{"kid": kid, "x5u": "https://evil.example/cert.pem"}, good()),
		"x5c header":                      forge(t, jwt.SigningMethodEdDSA, attacker, map[string]any{"kid": kid, "x5c": []string{"MIIB"}}, good()),
		"jku header with our key":         forge(t, jwt.SigningMethodEdDSA, attacker, map[string]any{"kid": "evil", "jku": "https://evil.example/jwks.json"}, good()),
		"path-like kid":                   forge(t, jwt.SigningMethodEdDSA, key, map[string]any{"kid": "../../dev/null"}, good()),
		"empty kid":                       forge(t, jwt.SigningMethodEdDSA, key, map[string]any{"kid": ""}, good()),
		"future nbf":                      forge(t, jwt.SigningMethodEdDSA, key, ours, with("nbf", t0.Add(time.Hour).Unix())),
		"exp in the past":                 forge(t, jwt.SigningMethodEdDSA, key, ours, with("exp", t0.Add(-time.Hour).Unix())),
		"aud empty array":                 forge(t, jwt.SigningMethodEdDSA, key, ours, with("aud", []string{})),
		"aud array without this service":  forge(t, jwt.SigningMethodEdDSA, key, ours, with("aud", []string{"billing"})),
		"aud empty string":                forge(t, jwt.SigningMethodEdDSA, key, ours, with("aud", "")),
		"aud number":                      forge(t, jwt.SigningMethodEdDSA, key, ours, with("aud", 1)),
		"alg none in upper case":          unsigned(`{"alg":"NONE","kid":"`+kid+`"}`, good()),
		"alg ES256 with our kid":          unsigned(`{"alg":"ES256","kid":"`+kid+`"}`, good()) + "c2ln",
		"HS256 with the JWKS x as secret": forge(t, jwt.SigningMethodHS256, []byte(base64.RawURLEncoding.EncodeToString(key.Public().(ed25519.PublicKey))), ours, good()),
	} {
		t.Run(name, func(t *testing.T) {
			if c, err := auth.VerifyAssertion(tok, keys, testIssuer, testAudience, clock.Now); !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("VerifyAssertion = %+v, %v; want ErrInvalidToken", c, err)
			}
		})
	}

	// A megabyte of dots is refused at once, allocating little.
	dots := strings.Repeat(".", 1<<20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := auth.VerifyAssertion(dots, keys, testIssuer, testAudience, clock.Now)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, auth.ErrInvalidToken) {
		t.Fatalf("1 MB of dots: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; took > 50*time.Millisecond || alloc > 64<<10 {
		t.Errorf("1 MB of dots refused after %v, allocating %d bytes", took, alloc)
	}
}

// unsigned is a token of header and claims with an empty signature.
func unsigned(header string, claims jwt.MapClaims) string {
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString(c) + "."
}

// TestCatalogueAssertionShape: catalogue case 66's first two rows: the
// assertion is EdDSA with a kid the JWKS has, iss the gateway, one aud,
// exp − iat the configured minute; the JWKS holds public parameters only.
func TestCatalogueAssertionShape(t *testing.T) {
	clock := &fakeClock{now: t0}
	s := auth.NewSigner(newKey(t), testIssuer, time.Minute, clock)
	tok := mustSign(t, s, testAssertion())
	parts := strings.Split(tok, ".")
	var hdr map[string]any
	var claims map[string]any
	for i, v := range []any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, v) != nil {
			t.Fatalf("segment %d does not decode", i)
		}
	}
	if hdr["alg"] != "EdDSA" || hdr["kid"] != s.KeyID() || claims["iss"] != testIssuer || claims["aud"] != testAudience {
		t.Errorf("header %v, claims %v", hdr, claims)
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 60 {
		t.Errorf("exp − iat = %v s, want 60", exp-iat)
	}
	var jwks struct{ Keys []map[string]any }
	if err := json.Unmarshal(s.JWKS(), &jwks); err != nil || len(jwks.Keys) == 0 {
		t.Fatalf("JWKS %s", s.JWKS())
	}
	found := false
	for _, k := range jwks.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			if _, ok := k[private]; ok {
				t.Errorf("JWKS key has private parameter %q", private)
			}
		}
		found = found || k["kid"] == s.KeyID()
	}
	if !found {
		t.Error("the assertion's kid is not in the JWKS")
	}
}

// TestCatalogueSessionIDs: catalogue case 43 (ASVS 5.0 V7.2.3): 1000
// session ids are each 256 random bits (base64url), share no 6-byte
// prefix, and their bits are balanced in every position (no counter,
// timestamp or constant part).
func TestCatalogueSessionIDs(t *testing.T) {
	m, _, _ := newSessions(t)
	const n = 1000
	prefixes := map[string]bool{}
	var perBit [256]int
	ones := 0
	for i := 0; i < n; i++ {
		s, err := m.New()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(s.ID)
		if err != nil || len(raw) != 32 {
			t.Fatalf("id %q: %d bytes, %v; want 32 bytes of base64url", s.ID, len(raw), err)
		}
		if p := string(raw[:6]); prefixes[p] {
			t.Fatalf("two ids share the prefix %x", raw[:6])
		} else {
			prefixes[p] = true
		}
		for j, b := range raw {
			ones += bits.OnesCount8(b)
			for k := 0; k < 8; k++ {
				perBit[j*8+k] += int(b>>k) & 1
			}
		}
	}
	if total := n * 256; ones < total*48/100 || ones > total*52/100 {
		t.Errorf("%d of %d bits set", ones, total)
	}
	for i, c := range perBit {
		// 1000 fair coins: 500 ± 5σ (σ ≈ 15.8).
		if c < 420 || c > 580 {
			t.Errorf("bit %d set in %d of %d ids", i, c, n)
		}
	}
}
