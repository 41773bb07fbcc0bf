package auth_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/golang-jwt/jwt/v5"
)

func TestParseJWKSRejects(t *testing.T) {
	x := base64.RawURLEncoding.EncodeToString(newKey(t).Public().(ed25519.PublicKey))
	tests := map[string]string{
		"NotJSON":      `nope`,
		"NoKeys":       `{"keys":[]}`,
		"RSA":          `{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"a"}]}`,
		"EC":           `{"keys":[{"kty":"EC","crv":"P-256","x":"` + x + `","y":"` + x + `","kid":"a"}]}`,
		"X25519":       `{"keys":[{"kty":"OKP","crv":"X25519","x":"` + x + `","kid":"a"}]}`,
		"ShortX":       `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x[:40] + `","kid":"a"}]}`,
		"LongX":        `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `AAAA","kid":"a"}]}`,
		"PaddedX":      `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `=","kid":"a"}]}`,
		"WrongAlg":     `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"a","alg":"HS256"}]}`,
		"EncKey":       `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"a","use":"enc"}]}`,
		"DuplicateKid": `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"a"},{"kty":"OKP","crv":"Ed25519","x":"` + x + `","kid":"a"}]}`,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if keys, err := auth.ParseJWKS([]byte(data)); err == nil {
				t.Errorf("ParseJWKS accepted %s: %v", data, keys)
			}
		})
	}
}

// forge signs claims with key under alg and extra header fields, the way
// an attacker with a JWT library would.
func forge(t *testing.T, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge: %v", err)
	}
	return s
}

func TestVerifyAssertionAttacks(t *testing.T) {
	clock := &fakeClock{now: t0}
	key := newKey(t)
	pub := key.Public().(ed25519.PublicKey)
	s := auth.NewSigner(key, testIssuer, time.Minute, clock)
	keys := s.Keys()
	kid := s.KeyID()
	attacker := newKey(t)
	attackerPub := attacker.Public().(ed25519.PublicKey)

	good := func() jwt.MapClaims {
		return jwt.MapClaims{
			"iss": testIssuer, "aud": testAudience, "sub": "admin",
			"iat": t0.Unix(), "exp": t0.Add(time.Minute).Unix(), "jti": "x",
			"amr": []string{"pwd", "sms"}, "groups": []string{"admins"},
		}
	}
	without := func(k string) jwt.MapClaims { c := good(); delete(c, k); return c }
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	ours := map[string]any{"kid": kid}

	valid := mustSign(t, s, testAssertion())
	parts := strings.Split(valid, ".")
	tamperedClaims := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"` + testIssuer + `","sub":"admin","aud":"crm","iat":` +
		jsonInt(t0.Unix()) + `,"exp":` + jsonInt(t0.Add(time.Hour).Unix()) + `,"groups":["admins"]}`))

	tests := []struct {
		name  string
		token string
		now   time.Time
	}{
		{"AlgNone", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, ours, good()), t0},
		{"AlgNoneNoSignatureOnOurPayload", parts[0] + "." + parts[1] + ".", t0},
		{"HS256WithPublicKeyAsSecret", forge(t, jwt.SigningMethodHS256, []byte(pub), ours, good()), t0},
		{"HS256WithBase64PublicKeyAsSecret", forge(t, jwt.SigningMethodHS256, []byte(base64.RawURLEncoding.EncodeToString(pub)), ours, good()), t0},
		{"EmbeddedJWKWithOurKid", forge(t, jwt.SigningMethodEdDSA, attacker, map[string]any{
			"kid": kid,
			"jwk": map[string]string{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(attackerPub)},
		}, good()), t0},
		{"EmbeddedJWKWithItsKid", forge(t, jwt.SigningMethodEdDSA, attacker, map[string]any{
			"kid": auth.Thumbprint(attackerPub),
			"jwk": map[string]string{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(attackerPub)},
		}, good()), t0},
		{"JKU", forge(t, jwt.SigningMethodEdDSA, attacker, map[string]any{"kid": kid, "jku": "https://evil.example/jwks.json"}, good()), t0},
		{"UnknownKid", forge(t, jwt.SigningMethodEdDSA, key, map[string]any{"kid": "nope"}, good()), t0},
		{"MissingKid", forge(t, jwt.SigningMethodEdDSA, key, nil, good()), t0},
		{"NumericKid", forge(t, jwt.SigningMethodEdDSA, key, map[string]any{"kid": 1}, good()), t0},
		{"CritHeader", forge(t, jwt.SigningMethodEdDSA, key, map[string]any{"kid": kid, "crit": []string{"exp"}}, good()), t0},
		{"WrongKeyForKid", forge(t, jwt.SigningMethodEdDSA, attacker, ours, good()), t0},
		{"MissingExp", forge(t, jwt.SigningMethodEdDSA, key, ours, without("exp")), t0},
		{"MissingIat", forge(t, jwt.SigningMethodEdDSA, key, ours, without("iat")), t0},
		{"MissingAud", forge(t, jwt.SigningMethodEdDSA, key, ours, without("aud")), t0},
		{"MissingIss", forge(t, jwt.SigningMethodEdDSA, key, ours, without("iss")), t0},
		{"MissingSub", forge(t, jwt.SigningMethodEdDSA, key, ours, without("sub")), t0},
		{"WrongAudience", mustSign(t, s, auth.Assertion{Subject: "alice", Audience: "billing"}), t0},
		{"WrongAudienceArray", forge(t, jwt.SigningMethodEdDSA, key, ours, with("aud", []string{"billing", "hr"})), t0},
		{"WrongIssuer", forge(t, jwt.SigningMethodEdDSA, key, ours, with("iss", "https://evil.example")), t0},
		{"StringExp", forge(t, jwt.SigningMethodEdDSA, key, ours, with("exp", "tomorrow")), t0},
		{"Expired", valid, t0.Add(time.Minute + 6*time.Second)},
		{"IssuedInTheFuture", valid, t0.Add(-10 * time.Second)},
		{"TamperedPayload", parts[0] + "." + tamperedClaims + "." + parts[2], t0},
		{"TamperedSignature", parts[0] + "." + parts[1] + "." + flipFirstChar(parts[2]), t0},
		{"SwappedHeader", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA","kid":"`+kid+`"}`)) + "." + parts[1] + "." + parts[2], t0},
		{"PaddedSegments", parts[0] + "=." + parts[1] + "." + parts[2], t0},
		{"FourSegments", valid + ".x", t0},
		{"Empty", "", t0},
		{"Garbage", "not a token", t0},
		{"Oversized", mustSign(t, s, auth.Assertion{Subject: "alice", Audience: testAudience, Name: strings.Repeat("a", auth.MaxAssertionSize)}), t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := auth.VerifyAssertion(tt.token, keys, testIssuer, testAudience, func() time.Time { return tt.now })
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("VerifyAssertion = %+v, %v; want ErrInvalidToken", c, err)
			}
		})
	}

	// The control: the same helpers produce a token that verifies, so the
	// failures above are down to the one thing each case changes.
	t.Run("ControlForgedWithOurKeyVerifies", func(t *testing.T) {
		tok := forge(t, jwt.SigningMethodEdDSA, key, ours, good())
		if _, err := auth.VerifyAssertion(tok, keys, testIssuer, testAudience, clock.Now); err != nil {
			t.Errorf("VerifyAssertion: %v", err)
		}
	})
	t.Run("ControlWithinLeeway", func(t *testing.T) {
		if _, err := auth.VerifyAssertion(valid, keys, testIssuer, testAudience, func() time.Time { return t0.Add(time.Minute + 4*time.Second) }); err != nil {
			t.Errorf("VerifyAssertion 4s after exp: %v", err)
		}
	})
	t.Run("ExpiredWrapsJWTError", func(t *testing.T) {
		_, err := auth.VerifyAssertion(valid, keys, testIssuer, testAudience, func() time.Time { return t0.Add(time.Hour) })
		if !errors.Is(err, jwt.ErrTokenExpired) {
			t.Errorf("err = %v, want it to wrap jwt.ErrTokenExpired too", err)
		}
	})
	t.Run("VerifierWithoutAudience", func(t *testing.T) {
		if _, err := auth.VerifyAssertion(valid, keys, testIssuer, "", clock.Now); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("err = %v, want ErrInvalidToken", err)
		}
	})
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// flipFirstChar changes the first character of a base64url segment, which
// keeps it decodable but changes the bytes.
func flipFirstChar(s string) string {
	repl := "A"
	if s[0] == 'A' {
		repl = "B"
	}
	return repl + s[1:]
}

func FuzzVerifyAssertion(f *testing.F) {
	seed, _ := base64.RawURLEncoding.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	key := ed25519.NewKeyFromSeed(seed)
	s := auth.NewSigner(key, testIssuer, time.Minute, &fakeClock{now: t0})
	keys := s.Keys()
	// The one valid token is built deterministically (fixed jti; Ed25519
	// signatures are deterministic), because every fuzz worker process
	// runs this setup and must agree on it.
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": "alice", "iat": t0.Unix(),
		"exp": t0.Add(time.Minute).Unix(), "jti": "fuzz", "amr": []string{"pwd"}, "groups": []string{},
	})
	tok.Header["kid"] = s.KeyID()
	valid, err := tok.SignedString(key)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	f.Add(valid)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(parts[0] + ".." + parts[2])
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := auth.VerifyAssertion(token, keys, testIssuer, testAudience, func() time.Time { return t0 })
		if err == nil && token != valid {
			t.Fatalf("verified a token the signer never issued: %q -> %+v", token, c)
		}
		if err != nil && !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("error %v does not wrap ErrInvalidToken", err)
		}
	})
}
