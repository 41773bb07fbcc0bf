package auth_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://auth.example.com"
	testAudience = "crm"
)

// fakeClock is a settable clock.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

var _ auth.Clock = (*fakeClock)(nil)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testAssertion() auth.Assertion {
	return auth.Assertion{
		Subject:  "alice",
		Audience: testAudience,
		Email:    "alice@example.com",
		Name:     "Alice Example",
		Groups:   []string{"admins", "staff"},
		AMR:      []string{"pwd", "sms"},
	}
}

func mustSign(t testing.TB, s *auth.Signer, a auth.Assertion) string {
	t.Helper()
	tok, _, err := s.Sign(a)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return tok
}

func decodeSegment(t *testing.T, tok string, i int, v any) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[i])
	if err != nil {
		t.Fatalf("segment %d: %v", i, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("segment %d: %v (%s)", i, err, raw)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	clock := &fakeClock{now: t0.Add(300 * time.Millisecond)}
	s := auth.NewSigner(newKey(t), testIssuer, 60*time.Second, clock)
	tok, exp, err := s.Sign(testAssertion())
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(t0.Add(60 * time.Second)) {
		t.Errorf("expiresAt = %v, want %v", exp, t0.Add(60*time.Second))
	}

	var hdr map[string]any
	decodeSegment(t, tok, 0, &hdr)
	wantHdr := map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": s.KeyID()}
	if len(hdr) != len(wantHdr) {
		t.Errorf("header = %v, want %v", hdr, wantHdr)
	}
	for k, v := range wantHdr {
		if hdr[k] != v {
			t.Errorf("header[%q] = %v, want %v", k, hdr[k], v)
		}
	}

	got, err := auth.VerifyAssertion(tok, s.Keys(), testIssuer, testAudience, clock.Now)
	if err != nil {
		t.Fatalf("VerifyAssertion: %v", err)
	}
	a := testAssertion()
	if got.Subject != a.Subject || got.Audience != a.Audience || got.Email != a.Email || got.Name != a.Name {
		t.Errorf("claims = %+v, want %+v", got, a)
	}
	if !slices.Equal(got.Groups, a.Groups) || !slices.Equal(got.AMR, a.AMR) {
		t.Errorf("groups, amr = %v, %v; want %v, %v", got.Groups, got.AMR, a.Groups, a.AMR)
	}
	if !got.IssuedAt.Equal(t0) || !got.ExpiresAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("iat, exp = %v, %v; want %v, %v", got.IssuedAt, got.ExpiresAt, t0, t0.Add(time.Minute))
	}
	if raw, _ := base64.RawURLEncoding.DecodeString(got.ID); len(raw) != 16 {
		t.Errorf("jti %q is not 16 bytes of base64url", got.ID)
	}
	other, err := auth.VerifyAssertion(mustSign(t, s, a), s.Keys(), testIssuer, testAudience, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if other.ID == got.ID {
		t.Error("two assertions share a jti")
	}
}

func TestSignClaimsShape(t *testing.T) {
	s := auth.NewSigner(newKey(t), testIssuer, time.Minute, &fakeClock{now: t0})
	tok := mustSign(t, s, auth.Assertion{Subject: "bob", Audience: testAudience})
	var claims map[string]any
	decodeSegment(t, tok, 1, &claims)
	for _, k := range []string{"amr", "groups"} {
		if arr, ok := claims[k].([]any); !ok || len(arr) != 0 {
			t.Errorf("%s = %#v, want []", k, claims[k])
		}
	}
	if aud, ok := claims["aud"].(string); !ok || aud != testAudience {
		t.Errorf("aud = %#v, want the single string %q", claims["aud"], testAudience)
	}
	if _, ok := claims["nbf"]; ok {
		t.Error("nbf is set")
	}
	for _, k := range []string{"iss", "sub", "iat", "exp", "jti", "email", "name"} {
		if _, ok := claims[k]; !ok {
			t.Errorf("claim %q missing", k)
		}
	}
}

// TestSignEscaping checks that the hand-written claims JSON decodes to what
// encoding/json would have produced, for hostile display names and groups.
func TestSignEscaping(t *testing.T) {
	s := auth.NewSigner(newKey(t), testIssuer, time.Minute, &fakeClock{now: t0})
	tests := []string{
		`quote " backslash \ slash /`,
		"newline\n tab\t cr\r nul\x00 bell\x07 del\x7f",
		"<script>alert(1)</script> & more",
		"line\u2028para\u2029sep",
		"émoji 🔐 日本語",
		"invalid \xff\xfe utf8 \xe2\x82",
		"",
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			tok := mustSign(t, s, auth.Assertion{Subject: "u", Audience: testAudience, Name: in, Email: in, Groups: []string{in, "x"}})
			want := roundTripJSON(t, in)
			got, err := auth.VerifyAssertion(tok, s.Keys(), testIssuer, testAudience, func() time.Time { return t0 })
			if err != nil {
				t.Fatalf("VerifyAssertion: %v", err)
			}
			if got.Name != want || got.Email != want || len(got.Groups) != 2 || got.Groups[0] != want {
				t.Errorf("name %q, email %q, groups %q; want %q", got.Name, got.Email, got.Groups, want)
			}
		})
	}
}

func roundTripJSON(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestThumbprintRFC8037(t *testing.T) {
	// RFC 8037 appendix A.1 (key) and A.3 (thumbprint).
	seed, _ := base64.RawURLEncoding.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	s := auth.NewSigner(ed25519.NewKeyFromSeed(seed), testIssuer, time.Minute, nil)
	if got, want := s.KeyID(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; got != want {
		t.Errorf("KeyID = %q, want %q", got, want)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(s.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": s.KeyID(), "alg": "EdDSA", "use": "sig"}
	if len(set.Keys) != 1 || len(set.Keys[0]) != len(want) {
		t.Fatalf("JWKS = %s", s.JWKS())
	}
	for k, v := range want {
		if set.Keys[0][k] != v {
			t.Errorf("JWKS %s = %q, want %q", k, set.Keys[0][k], v)
		}
	}
}

func TestJWKSRotation(t *testing.T) {
	clock := &fakeClock{now: t0}
	oldKey, newKeyPriv := newKey(t), newKey(t)
	oldSigner := auth.NewSigner(oldKey, testIssuer, time.Minute, clock)
	oldTok := mustSign(t, oldSigner, testAssertion())

	s := auth.NewSigner(newKeyPriv, testIssuer, time.Minute, clock, oldKey.Public().(ed25519.PublicKey), newKeyPriv.Public().(ed25519.PublicKey))
	keys, err := auth.ParseJWKS(s.JWKS())
	if err != nil {
		t.Fatalf("ParseJWKS: %v", err)
	}
	if len(keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2 (current and previous, deduplicated)", len(keys))
	}
	var set struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	json.Unmarshal(s.JWKS(), &set)
	if set.Keys[0].Kid != s.KeyID() {
		t.Error("the current key is not listed first")
	}
	for name, tok := range map[string]string{"Previous": oldTok, "Current": mustSign(t, s, testAssertion())} {
		if _, err := auth.VerifyAssertion(tok, keys, testIssuer, testAudience, clock.Now); err != nil {
			t.Errorf("%s key's token: %v", name, err)
		}
	}
	// Once the old key is dropped from the set, its tokens stop verifying.
	s2 := auth.NewSigner(newKeyPriv, testIssuer, time.Minute, clock)
	if _, err := auth.VerifyAssertion(oldTok, s2.Keys(), testIssuer, testAudience, clock.Now); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("retired key's token: err = %v, want ErrInvalidToken", err)
	}
}

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

func TestDeriveKey(t *testing.T) {
	key := newKey(t)
	a := auth.NewSigner(key, testIssuer, time.Minute, nil)
	b := auth.NewSigner(ed25519.NewKeyFromSeed(key.Seed()), "https://other.example.com", time.Hour, nil)
	other := auth.NewSigner(newKey(t), testIssuer, time.Minute, nil)

	k1 := a.DeriveKey("otp")
	if len(k1) != 32 {
		t.Fatalf("DeriveKey length = %d, want 32", len(k1))
	}
	if !bytes.Equal(k1, b.DeriveKey("otp")) {
		t.Error("replicas sharing the signing key derive different keys")
	}
	if bytes.Equal(k1, a.DeriveKey("session")) {
		t.Error("different purposes derive the same key")
	}
	if bytes.Equal(k1, other.DeriveKey("otp")) {
		t.Error("different signing keys derive the same key")
	}
	if bytes.Equal(k1, key.Seed()) {
		t.Error("DeriveKey returns the seed itself")
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gatehouse.key")

	if err := auth.WriteKeyFile(path); err != nil {
		t.Fatalf("WriteKeyFile: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	before, _ := os.ReadFile(path)

	t.Run("NoOverwrite", func(t *testing.T) {
		err := auth.WriteKeyFile(path)
		if !errors.Is(err, fs.ErrExist) {
			t.Errorf("second WriteKeyFile = %v, want fs.ErrExist", err)
		}
		after, _ := os.ReadFile(path)
		if !bytes.Equal(before, after) {
			t.Error("the existing key was changed")
		}
	})

	priv, err := auth.LoadSigningKey(path)
	if err != nil {
		t.Fatalf("LoadSigningKey: %v", err)
	}
	t.Run("LoadedKeySigns", func(t *testing.T) {
		s := auth.NewSigner(priv, testIssuer, time.Minute, nil)
		if _, err := auth.VerifyAssertion(mustSign(t, s, testAssertion()), s.Keys(), testIssuer, testAudience, nil); err != nil {
			t.Error(err)
		}
	})
	t.Run("PublicFromPrivateFile", func(t *testing.T) {
		pub, err := auth.LoadPublicKey(path)
		if err != nil {
			t.Fatal(err)
		}
		if !pub.Equal(priv.Public()) {
			t.Error("LoadPublicKey returned a different key")
		}
	})
	t.Run("PublicFromPublicPEM", func(t *testing.T) {
		der, err := x509.MarshalPKIXPublicKey(priv.Public())
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "old.pub")
		writeFile(t, p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		pub, err := auth.LoadPublicKey(p)
		if err != nil {
			t.Fatal(err)
		}
		if !pub.Equal(priv.Public()) {
			t.Error("LoadPublicKey returned a different key")
		}
		if _, err := auth.LoadSigningKey(p); err == nil {
			t.Error("LoadSigningKey accepted a public key")
		}
	})
	t.Run("MissingFileMentionsKeygen", func(t *testing.T) {
		missing := filepath.Join(dir, "missing.key")
		_, err := auth.LoadSigningKey(missing)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want fs.ErrNotExist", err)
		}
		if !strings.Contains(err.Error(), "gatehouse keygen -o "+missing) {
			t.Errorf("error %q does not tell how to create the key", err)
		}
	})
	t.Run("RSAKeyRejected", func(t *testing.T) {
		rk, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(rk)
		p := filepath.Join(dir, "rsa.key")
		writeFile(t, p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		_, err = auth.LoadSigningKey(p)
		if err == nil || !strings.Contains(err.Error(), "RSA") {
			t.Errorf("err = %v, want an error naming the RSA key type", err)
		}
	})
	t.Run("NotPEM", func(t *testing.T) {
		p := filepath.Join(dir, "garbage.key")
		writeFile(t, p, []byte("hello"))
		if _, err := auth.LoadSigningKey(p); err == nil {
			t.Error("LoadSigningKey accepted a non-PEM file")
		}
	})
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkSign(b *testing.B) {
	s := auth.NewSigner(newKey(b), testIssuer, time.Minute, nil)
	a := testAssertion()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.Sign(a); err != nil {
			b.Fatal(err)
		}
	}
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
