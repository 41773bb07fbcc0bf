package auth

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxAssertionSize is the largest assertion VerifyAssertion looks at. Real
// assertions are well under 2 KiB; anything bigger is refused unparsed.
const MaxAssertionSize = 8 << 10

// verifyLeeway is the clock skew tolerated between the gateway and an
// upstream verifying its assertions.
const verifyLeeway = 5 * time.Second

// Assertion is who a request is from, as vouched for to one upstream.
type Assertion struct {
	// Subject is the username ("sub").
	Subject string
	// Audience is the route name ("aud").
	Audience string
	Email    string   // "email"
	Name     string   // "name": the display name
	Groups   []string // "groups"
	// AMR lists the proved methods, "pwd" and/or "sms".
	AMR []string
}

// Signer signs X-Auth-Assertion tokens with an Ed25519 key and publishes
// the public keys as a JWKS. It is immutable and safe for concurrent use.
type Signer struct {
	key    ed25519.PrivateKey
	derive []byte // the seed DeriveKey derives from: key's, unless WithDerivationKey
	kid    string
	issuer string
	ttl    time.Duration
	clock  Clock
	jwks   []byte
	keys   map[string]ed25519.PublicKey
}

// NewSigner returns a Signer that signs with key for issuer (public_url);
// tokens live for ttl (rounded up to whole seconds; 60s when ttl <= 0).
// previous are retired public keys still published in JWKS during a
// rotation. A nil clock means the system clock.
func NewSigner(key ed25519.PrivateKey, issuer string, ttl time.Duration, clock Clock, previous ...ed25519.PublicKey) *Signer {
	if clock == nil {
		clock = SystemClock{}
	}
	if ttl <= 0 {
		ttl = time.Minute
	}
	pub := key.Public().(ed25519.PublicKey)
	s := &Signer{
		key:    key,
		kid:    Thumbprint(pub),
		issuer: issuer,
		ttl:    ttl,
		clock:  clock,
		keys:   map[string]ed25519.PublicKey{},
	}

	type jwk struct {
		Kty string `json:"kty"`
		Crv string `json:"crv"`
		X   string `json:"x"`
		Kid string `json:"kid"`
		Alg string `json:"alg"`
		Use string `json:"use"`
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	for _, k := range append([]ed25519.PublicKey{pub}, previous...) {
		kid := Thumbprint(k)
		if _, dup := s.keys[kid]; dup || len(k) != ed25519.PublicKeySize {
			continue
		}
		s.keys[kid] = k
		set.Keys = append(set.Keys, jwk{"OKP", "Ed25519", base64.RawURLEncoding.EncodeToString(k), kid, "EdDSA", "sig"})
	}
	s.jwks, _ = json.Marshal(set)
	return s
}

// Thumbprint returns the RFC 7638 JWK thumbprint of an Ed25519 public key:
// the base64url SHA-256 of {"crv":"Ed25519","kty":"OKP","x":"..."}. It is
// the key id ("kid") of assertions and JWKS entries.
func Thumbprint(pub ed25519.PublicKey) string {
	canon := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// KeyID returns the kid of the current signing key.
func (s *Signer) KeyID() string { return s.kid }

// Keys returns the published public keys by kid (current and previous), in
// the form VerifyAssertion takes. The map is a copy.
func (s *Signer) Keys() map[string]ed25519.PublicKey {
	m := make(map[string]ed25519.PublicKey, len(s.keys))
	for kid, k := range s.keys {
		m[kid] = k
	}
	return m
}

// JWKS returns the JSON Web Key Set served at /jwks.json: the current key
// first, then the previous ones. The caller must not modify the slice.
func (s *Signer) JWKS() []byte { return s.jwks }

// DeriveKey returns a 32-byte key for purpose, derived with HKDF-SHA256
// from the signing key, or the derivation key (WithDerivationKey). Every
// replica that shares that key derives the same key, and keys for
// different purposes are independent.
func (s *Signer) DeriveKey(purpose string) []byte {
	seed := s.derive
	if seed == nil {
		seed = s.key.Seed()
	}
	k, err := hkdf.Key(sha256.New, seed, nil, "gatehouse "+purpose, 32)
	if err != nil {
		panic("auth: hkdf: " + err.Error()) // only for lengths > 255*32
	}
	return k
}

// WithDerivationKey returns a copy of s whose DeriveKey derives from key
// rather than the signing key (identity.derivation_key_file,
// docs/contract.md "Identity headers"): what DeriveKey keys (the store's
// names for each account's authenticator app, passkeys and recovery
// codes, code hashes, counters, known-device and CSRF MACs) then
// survives a new signing key. A nil key changes nothing.
func (s *Signer) WithDerivationKey(key ed25519.PrivateKey) *Signer {
	if key == nil {
		return s
	}
	c := *s
	c.derive = key.Seed()
	return &c
}

// Sign returns a signed assertion for a and when it expires. The header is
// {"alg":"EdDSA","typ":"JWT","kid":...}; the claims are iss, sub, aud (a
// single string), iat, exp (iat + ttl), jti, amr, email, name and groups,
// with amr and groups always arrays (docs/contract.md, "Identity headers").
func (s *Signer) Sign(a Assertion) (token string, expiresAt time.Time, err error) {
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("sign assertion: %w", err)
	}
	iat := s.clock.Now().Unix()
	exp := iat + int64((s.ttl+time.Second-1)/time.Second)
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss":    s.issuer,
		"sub":    a.Subject,
		"aud":    a.Audience, // a string, not jwt.ClaimStrings' one-element array
		"iat":    iat,
		"exp":    exp,
		"jti":    base64.RawURLEncoding.EncodeToString(jti[:]),
		"amr":    orEmpty(a.AMR),
		"email":  a.Email,
		"name":   a.Name,
		"groups": orEmpty(a.Groups),
	})
	t.Header["kid"] = s.kid
	token, err = t.SignedString(s.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign assertion: %w", err)
	}
	return token, time.Unix(exp, 0), nil
}

// orEmpty returns ss, or an empty list for nil (a JSON [] rather than null).
func orEmpty(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// AssertionClaims is a verified assertion.
type AssertionClaims struct {
	// Subject is the username.
	Subject string
	// Audience is the audience the token was verified for (the route name).
	Audience  string
	Email     string    // "email"
	Name      string    // "name"
	Groups    []string  // "groups"
	AMR       []string  // "amr": the proved methods
	IssuedAt  time.Time // "iat"
	ExpiresAt time.Time // "exp"
	// ID is the token's unique jti.
	ID string
}

// assertionJWT is the wire form of the claims, for parsing.
type assertionJWT struct {
	jwt.RegisteredClaims
	Email  string   `json:"email"`
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
	AMR    []string `json:"amr"`
}

// ParseJWKS parses a JSON Web Key Set as served by the gateway at
// /jwks.json into keys by kid. Every key must be an Ed25519 OKP key for
// signatures; anything else (RSA, EC, a 31-byte x, alg other than EdDSA,
// duplicate kids) makes the whole set an error, because the gateway never
// publishes such keys. A key without kid gets its RFC 7638 thumbprint.
func ParseJWKS(data []byte) (map[string]ed25519.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Kid string `json:"kid"`
			Alg string `json:"alg"`
			Use string `json:"use"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("parse JWKS: %w", err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("parse JWKS: no keys")
	}
	keys := make(map[string]ed25519.PublicKey, len(set.Keys))
	for i, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" {
			return nil, fmt.Errorf("parse JWKS: key %d: kty %q crv %q, want OKP Ed25519", i, k.Kty, k.Crv)
		}
		if k.Alg != "" && k.Alg != "EdDSA" {
			return nil, fmt.Errorf("parse JWKS: key %d: alg %q, want EdDSA", i, k.Alg)
		}
		if k.Use != "" && k.Use != "sig" {
			return nil, fmt.Errorf("parse JWKS: key %d: use %q, want sig", i, k.Use)
		}
		x, err := base64.RawURLEncoding.Strict().DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("parse JWKS: key %d: x must be %d bytes of unpadded base64url", i, ed25519.PublicKeySize)
		}
		kid := k.Kid
		if kid == "" {
			kid = Thumbprint(x)
		}
		if _, dup := keys[kid]; dup {
			return nil, fmt.Errorf("parse JWKS: key %d: duplicate kid %q", i, kid)
		}
		keys[kid] = ed25519.PublicKey(x)
	}
	return keys, nil
}

// VerifyAssertion verifies an X-Auth-Assertion token against keys (by kid,
// as returned by ParseJWKS or Signer.Keys) and returns its claims. The
// token must be EdDSA-signed by the key its kid names, be issued by issuer
// for audience (both required), carry sub, iat and exp, and be unexpired at
// now() with 5 seconds of leeway; now may be nil for the system clock.
// Keys embedded in the token header (jwk, jku, x5u, x5c) are never used.
// Every failure wraps ErrInvalidToken.
func VerifyAssertion(token string, keys map[string]ed25519.PublicKey, issuer, audience string, now func() time.Time) (*AssertionClaims, error) {
	if issuer == "" || audience == "" {
		return nil, fmt.Errorf("%w: verifier needs an issuer and an audience", ErrInvalidToken)
	}
	if len(token) > MaxAssertionSize {
		return nil, fmt.Errorf("%w: token is larger than %d bytes", ErrInvalidToken, MaxAssertionSize)
	}
	if now == nil {
		now = time.Now
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(verifyLeeway),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	)
	var c assertionJWT
	_, err := parser.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			return nil, errors.New("critical header extensions are not supported")
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("token has no kid")
		}
		key, ok := keys[kid]
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return key, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.IssuedAt == nil {
		return nil, fmt.Errorf("%w: token has no iat", ErrInvalidToken)
	}
	if c.Subject == "" {
		return nil, fmt.Errorf("%w: token has no sub", ErrInvalidToken)
	}
	return &AssertionClaims{
		Subject:   c.Subject,
		Audience:  audience,
		Email:     c.Email,
		Name:      c.Name,
		Groups:    c.Groups,
		AMR:       c.AMR,
		IssuedAt:  c.IssuedAt.Time,
		ExpiresAt: c.ExpiresAt.Time,
		ID:        c.ID,
	}, nil
}
