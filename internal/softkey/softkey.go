// Package softkey is a software WebAuthn authenticator for tests: an
// ECDSA P-256 key that answers navigator.credentials.create and get
// options with the JSON a browser would send (attestation "none"), so
// black-box tests can register and use passkeys without a browser, and
// forge what an attacker could: another origin, a counter that goes back.
package softkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/fxamacker/cbor/v2"
)

// Key is one credential of a software authenticator.
type Key struct {
	priv *ecdsa.PrivateKey
	// ID is the credential id.
	ID []byte
	// Counter is the signature counter sent with the next answer (then
	// incremented when it is not zero).
	Counter uint32
	// UserHandle is the account's handle, learnt at registration; sent
	// with every assertion (a discoverable key).
	UserHandle []byte
	// UV sets the user-verified flag.
	UV bool
	// Origin is the origin the "browser" puts in clientDataJSON.
	Origin string
	// RPID is hashed into the authenticator data; "" is the options' rpId.
	RPID string
	// NoUP clears the user-present flag (an answer made without anyone
	// touching the authenticator).
	NoUP bool
	// BE and BS set the backup-eligible and backed-up flags.
	BE, BS bool
	// TopOrigin, when set, is the page that framed the one in Origin:
	// clientDataJSON then says crossOrigin, with it as topOrigin.
	TopOrigin string
	// PublicKey, when set, is the COSE public key Create registers in
	// place of the key's own (a key an attacker made up, whose private
	// half nobody needs: attestation "none" signs nothing).
	PublicKey []byte
	// Transports, when set, are the transports Create lists in place of
	// ["internal"].
	Transports []string
	// ClientDataPad, when set, is added to clientDataJSON as a member
	// browsers do not send (the client data may carry more members).
	ClientDataPad string
}

// RSAPublicKey is the COSE encoding of an RS256 public key of modulus n
// and exponent e, for PublicKey.
func RSAPublicKey(n []byte, e int) []byte {
	eb := big.NewInt(int64(e)).Bytes()
	b, err := cbor.Marshal(map[int]any{1: 3, 3: -257, -1: n, -2: eb})
	if err != nil {
		panic(err)
	}
	return b
}

// New returns a key for pages at origin, verifying the user, with a
// counter starting at 1.
func New(origin string) *Key {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return &Key{priv: priv, ID: id, Counter: 1, UV: true, Origin: origin}
}

// Clone returns a copy holding the same private key and id (an
// authenticator copied by an attacker), with its own counter.
func (k *Key) Clone() *Key {
	c := *k
	return &c
}

var b64 = base64.RawURLEncoding

// options is what create and get options hold that a key reads.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

func parseOptions(raw []byte) (*options, error) {
	var o options
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	if o.PublicKey.Challenge == "" {
		return nil, errors.New("softkey: options without a challenge")
	}
	return &o, nil
}

func (k *Key) clientData(typ, challenge string) []byte {
	cd := map[string]any{"type": typ, "challenge": challenge, "origin": k.Origin, "crossOrigin": k.TopOrigin != ""}
	if k.ClientDataPad != "" {
		cd["pad"] = k.ClientDataPad
	}
	if k.TopOrigin != "" {
		cd["topOrigin"] = k.TopOrigin
	}
	b, _ := json.Marshal(cd)
	return b
}

func (k *Key) authData(rpID string, flags byte, attested []byte) []byte {
	if k.RPID != "" {
		rpID = k.RPID
	}
	h := sha256.Sum256([]byte(rpID))
	out := append([]byte{}, h[:]...)
	if k.UV {
		flags |= 0x04
	}
	if k.BE {
		flags |= 0x08
	}
	if k.BS {
		flags |= 0x10
	}
	if !k.NoUP {
		flags |= 0x01 // user present
	}
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, k.Counter)
	return append(out, attested...)
}

// Create answers creation options (the JSON of the server's
// PublicKeyCredentialCreationOptions, {"publicKey":{…}}) with the
// credential JSON a browser posts.
func (k *Key) Create(raw []byte) ([]byte, error) {
	o, err := parseOptions(raw)
	if err != nil {
		return nil, err
	}
	if k.UserHandle, err = b64.DecodeString(o.PublicKey.User.ID); err != nil {
		return nil, fmt.Errorf("softkey: user id: %w", err)
	}
	pub, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: k.priv.X.FillBytes(make([]byte, 32)), -3: k.priv.Y.FillBytes(make([]byte, 32))})
	if err != nil {
		return nil, err
	}
	att := make([]byte, 16)                                     // AAGUID: none
	att = binary.BigEndian.AppendUint16(att, uint16(len(k.ID))) //nolint:gosec // G115: an id of 32 bytes (New)
	att = append(att, k.ID...)
	if k.PublicKey != nil {
		pub = k.PublicKey
	}
	att = append(att, pub...)
	ad := k.authData(o.PublicKey.RP.ID, 0x40, att)
	if k.Counter != 0 {
		k.Counter++
	}
	obj, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": ad})
	if err != nil {
		return nil, err
	}
	transports := k.Transports
	if transports == nil {
		transports = []string{"internal"}
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(k.ID), "rawId": b64.EncodeToString(k.ID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(k.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64.EncodeToString(obj),
			"transports":        transports,
		},
	})
}

// Get answers request options with the assertion JSON a browser posts,
// signed with the key; the counter then moves on (when not zero).
func (k *Key) Get(raw []byte) ([]byte, error) {
	o, err := parseOptions(raw)
	if err != nil {
		return nil, err
	}
	ad := k.authData(o.PublicKey.RPID, 0, nil)
	cd := k.clientData("webauthn.get", o.PublicKey.Challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		return nil, err
	}
	if k.Counter != 0 {
		k.Counter++
	}
	resp := map[string]any{
		"clientDataJSON":    b64.EncodeToString(cd),
		"authenticatorData": b64.EncodeToString(ad),
		"signature":         b64.EncodeToString(sig),
	}
	if k.UserHandle != nil {
		resp["userHandle"] = b64.EncodeToString(k.UserHandle)
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(k.ID), "rawId": b64.EncodeToString(k.ID), "type": "public-key",
		"response": resp,
	})
}
