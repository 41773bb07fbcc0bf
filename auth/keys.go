package auth

// Signing key files: written by `gatehouse keygen`, read at start.

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// GenerateKeyPEM returns a new Ed25519 private key as a PKCS#8
// "PRIVATE KEY" PEM block, the format LoadSigningKey reads.
func GenerateKeyPEM() ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate Ed25519 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode Ed25519 key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// WriteKeyFile writes a new signing key to path with mode 0600. It never
// overwrites: if path exists it fails with an error wrapping fs.ErrExist,
// because replacing a signing key invalidates every assertion in flight and
// every upstream's cached JWKS.
func WriteKeyFile(path string) error {
	data, err := GenerateKeyPEM()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // the path the operator gave keygen
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; refusing to overwrite a signing key (move it away first, and list it in identity.previous_key_files to rotate): %w", path, fs.ErrExist)
	}
	if err != nil {
		return fmt.Errorf("write signing key: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // a partial key file must not be left behind; the write error is reported
		return fmt.Errorf("write signing key %s: %w", path, err)
	}
	return nil
}

// LoadSigningKey reads the Ed25519 private key in path (PKCS#8 PEM, as
// written by `gatehouse keygen`). A missing file is an error wrapping
// fs.ErrNotExist that tells the operator how to create one.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	key, err := loadKeyFile(path, "create one with `gatehouse keygen -o "+path+"`")
	if err != nil {
		return nil, err
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: is a public key; the signing key must be the private key written by `gatehouse keygen`", path)
	}
	return priv, nil
}

// LoadDerivationKey reads identity.derivation_key_file, the Ed25519
// private key the store's names, code hashes and cookie MACs derive from
// (docs/contract.md, "Identity headers"). Unlike LoadSigningKey's, its
// errors never advise a new key: only the key the store's records were
// derived from finds them, and a new one leaves every account's app,
// passkeys, recovery codes, bans and known devices behind.
func LoadDerivationKey(path string) (ed25519.PrivateKey, error) {
	const keep = "it must be the key the store's records were derived from (the signing key before a rotation): restore that file, or unset the setting if that key is the signing key; a new key leaves every authenticator app, passkey, recovery code and ban behind"
	data, err := os.ReadFile(path) //nolint:gosec // a key file named in the operator's configuration
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("derivation key %s: %w; %s", path, fs.ErrNotExist, keep)
	}
	if err != nil {
		return nil, fmt.Errorf("read derivation key: %w", err)
	}
	key, err := parseKeyFile(path, data, keep)
	if err != nil {
		return nil, fmt.Errorf("derivation key %s: not an Ed25519 private key PEM; %s", path, keep)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("derivation key %s: is a public key; %s", path, keep)
	}
	return priv, nil
}

// LoadPublicKey reads an Ed25519 key for verification only, as listed in
// identity.previous_key_files: either a private key PEM (the retired
// signing key itself) or a "PUBLIC KEY" PEM. Its errors never advise a
// new key (docs/contract.md, "Identity headers"): only the retired key
// verifies what it signed, and a new one's private half would forge
// assertions every app takes.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	const keep = "restore the retired signing key's file (or its public half: `openssl pkey -in OLD.key -pubout`), or take it out of identity.previous_key_files; a new key verifies none of the assertions the retired one signed"
	key, err := loadKeyFile(path, keep)
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case ed25519.PrivateKey:
		return k.Public().(ed25519.PublicKey), nil
	case ed25519.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("key %s: unexpected key type %T", path, key) // unreachable: loadKeyFile checks
}

// loadKeyFile reads path and returns the first key PEM block in it as an
// ed25519.PrivateKey or ed25519.PublicKey; advice ends the error when the
// file is missing or holds no such key.
func loadKeyFile(path, advice string) (any, error) {
	data, err := os.ReadFile(path) //nolint:gosec // a key file named in the operator's configuration
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("key file %s: %w; %s", path, fs.ErrNotExist, advice)
	}
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	return parseKeyFile(path, data, advice)
}

// parseKeyFile returns the first key PEM block in data, read from path,
// as an ed25519.PrivateKey or ed25519.PublicKey; advice ends the error
// when there is none.
func parseKeyFile(path string, data []byte, advice string) (any, error) {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("key file %s: no PEM key found; %s", path, advice)
		}
		switch block.Type {
		case "PRIVATE KEY":
			key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("key file %s: malformed PKCS#8 private key (%w); %s", path, err, advice)
			}
			if k, ok := key.(ed25519.PrivateKey); ok {
				return k, nil
			}
			return nil, fmt.Errorf("key file %s: is a %s key; Gatehouse signs with Ed25519: %s", path, keyTypeName(key), advice)
		case "PUBLIC KEY":
			key, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("key file %s: malformed public key (%w); %s", path, err, advice)
			}
			if k, ok := key.(ed25519.PublicKey); ok {
				return k, nil
			}
			return nil, fmt.Errorf("key file %s: is a %s key; Gatehouse signs with Ed25519: %s", path, keyTypeName(key), advice)
		case "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("key file %s: holds an unsupported %q; Gatehouse needs an unencrypted PKCS#8 Ed25519 key: %s", path, block.Type, advice)
		}
		// Other blocks (certificates, parameters) are skipped.
	}
}

func keyTypeName(key any) string {
	switch key.(type) {
	case *rsa.PrivateKey, *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		return "ECDSA"
	case *ecdh.PrivateKey, *ecdh.PublicKey:
		return "X25519/ECDH"
	}
	return fmt.Sprintf("%T", key)
}
