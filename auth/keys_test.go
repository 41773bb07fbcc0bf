package auth_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

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

// TestAMissingPreviousKeyIsNotToBeCreated: an identity.previous_key_files
// entry that is missing or is no Ed25519 key is refused with the advice
// to restore the retired key (or its public half) or take the entry out,
// never to create one (docs/contract.md, "Identity headers"). Before, the
// refusal said "create one with `gatehouse keygen`", as for the signing
// key: a new key verifies none of the assertions the retired one signed,
// and the operator who followed the advice published a key whose
// private half, now on disk beside the signing key, forges assertions
// every app takes.
func TestAMissingPreviousKeyIsNotToBeCreated(t *testing.T) {
	dir := t.TempDir()
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(rk)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "rsa.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	writeFile(t, filepath.Join(dir, "garbage.key"), []byte("hello"))
	for _, tc := range []struct {
		file, reason string
		missing      bool
	}{
		{"gone.key", "does not exist", true},
		{"garbage.key", "no PEM key", false},
		{"rsa.key", "RSA", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := auth.LoadPublicKey(filepath.Join(dir, tc.file))
			if err == nil {
				t.Fatal("LoadPublicKey took it")
			}
			msg := err.Error()
			if errors.Is(err, fs.ErrNotExist) != tc.missing || !strings.Contains(msg, tc.reason) {
				t.Errorf("error %q: want %q (fs.ErrNotExist %v)", msg, tc.reason, tc.missing)
			}
			if strings.Contains(msg, "keygen") || !strings.Contains(msg, "restore") || !strings.Contains(msg, "identity.previous_key_files") {
				t.Errorf("error %q: want the advice to restore the retired key or take it out of identity.previous_key_files, never to create one", msg)
			}
		})
	}
}
