package auth_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
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

// TestDerivationKeyOutlivesTheSigningKey: a signer of a new key given the
// old one as its derivation key derives what the old signer derived (the
// store's names stay found) and signs with the new key; without it, the
// new key derives other keys.
func TestDerivationKeyOutlivesTheSigningKey(t *testing.T) {
	_, oldKey, _ := ed25519.GenerateKey(nil)
	_, newKey, _ := ed25519.GenerateKey(nil)
	old := auth.NewSigner(oldKey, "https://auth.example.com", time.Minute, nil)
	rotated := auth.NewSigner(newKey, "https://auth.example.com", time.Minute, nil, oldKey.Public().(ed25519.PublicKey))
	kept := rotated.WithDerivationKey(oldKey)
	for _, purpose := range []string{"totp", "passkey", "recovery", "regulation", "otp"} {
		if !bytes.Equal(kept.DeriveKey(purpose), old.DeriveKey(purpose)) {
			t.Errorf("%s: the derivation key derives another key than the old signer did", purpose)
		}
		if bytes.Equal(rotated.DeriveKey(purpose), old.DeriveKey(purpose)) {
			t.Errorf("%s: a new signing key derives the old key without a derivation key", purpose)
		}
	}
	if kept.KeyID() != rotated.KeyID() || kept.KeyID() == old.KeyID() {
		t.Errorf("kid %s, want the new key's %s", kept.KeyID(), rotated.KeyID())
	}
	if rotated.WithDerivationKey(nil) != rotated {
		t.Error("a nil derivation key changed the signer")
	}
}
