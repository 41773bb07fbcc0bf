package auth

// Which public keys a passkey may have (docs/contract.md, "Passkeys"):
// one whose signatures are checked in bounded time, and not a weak one.
// Attestation "none" signs nothing at registration, so a registration's
// public key may be anything its sender made up; an RSA modulus of
// 320,000 bits fits in a request, and checking one signature with it
// takes seconds of CPU, at every answer that names the key. Nor is an
// attestation statement read: Gatehouse asks for none and keeps none.

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Bounds of a passkey's public key.
const (
	// maxPasskeyPublicKey bounds its COSE encoding, in bytes (an RSA key
	// of maxPasskeyRSABits takes about 530).
	maxPasskeyPublicKey = 1024
	// minPasskeyRSABits and maxPasskeyRSABits bound an RSA modulus: the
	// authenticators that make RSA keys (TPMs, Windows Hello) make 2048
	// bits.
	minPasskeyRSABits = 2048
	maxPasskeyRSABits = 4096
)

// ErrPasskeyKey is a key whose public key is weak, malformed, or one
// whose signatures take unbounded time to check. Clients see
// ErrPasskeyInvalid's answer.
var ErrPasskeyKey = fmt.Errorf("%w: public key refused", ErrPasskeyInvalid)

// keyAcceptable is nil when pub, a COSE public key, may be a passkey's:
// it is checked when a key is registered, before anything is verified
// with it, and before each answer naming a kept key is (a key kept
// before the check existed).
func keyAcceptable(pub []byte) error {
	if len(pub) == 0 || len(pub) > maxPasskeyPublicKey {
		return ErrPasskeyKey
	}
	k, err := webauthncose.ParsePublicKey(pub)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPasskeyKey, err)
	}
	if r, ok := k.(webauthncose.RSAPublicKeyData); ok {
		if bits := new(big.Int).SetBytes(r.Modulus).BitLen(); bits < minPasskeyRSABits || bits > maxPasskeyRSABits {
			return fmt.Errorf("%w: RSA modulus of %d bits", ErrPasskeyKey, bits)
		}
	}
	return nil
}

// readNoAttestation makes the registration answer parsed one of
// attestation "none", whatever statement its client left in: Gatehouse
// asks for none (a browser replaces the statement then) and trusts none,
// and reading one checks signatures with the certificates it carries,
// whatever their keys (docs/contract.md, "Passkeys"). What the
// registration proves is unchanged: the authenticator data, its
// relying party, flags, credential id and public key, are checked as
// before.
func readNoAttestation(parsed *protocol.ParsedCredentialCreationData) {
	att := &parsed.Response.AttestationObject
	att.Format = string(protocol.AttestationFormatNone)
	att.AttStatement = nil
	att.SubStatements = nil
}

// knownTransports are the transports a key is kept with (WebAuthn
// §5.8.4); the browser ignores others.
var knownTransports = []protocol.AuthenticatorTransport{protocol.USB, protocol.NFC, protocol.BLE, protocol.SmartCard, protocol.Hybrid, protocol.Internal}

// slim leaves of cred what signing in with it needs: not the
// registration's raw answer (its client data, authenticator data and
// attestation object, which nothing reads again), and of its transports
// the known ones, once each. A registration padded to the request limit
// was otherwise kept whole, some 45 KB a key, read and written at each
// sign-in, its transports sent back in every ceremony's options
// (docs/contract.md, "Passkeys"). Records kept before are slimmed as
// they are read.
func slim(cred *webauthn.Credential) {
	cred.Attestation = webauthn.CredentialAttestation{PublicKeyAlgorithm: cred.Attestation.PublicKeyAlgorithm}
	var kept []protocol.AuthenticatorTransport
	for _, t := range cred.Transport {
		if slices.Contains(knownTransports, t) && !slices.Contains(kept, t) {
			kept = append(kept, t)
		}
	}
	cred.Transport = kept
}
