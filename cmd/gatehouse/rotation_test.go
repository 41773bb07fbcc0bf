package main

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestSigningKeyRotatesKeepingWhatTheStoreKeeps: an operator rotates the
// signing key (a new signing_key_file, the old one in previous_key_files)
// and names the old key as identity.derivation_key_file. Assertions are
// signed with the new key at once, while everything the store keeps under
// names keyed from the old one stays found: here bob's ban (the same
// derivation names each account's authenticator app, passkeys, recovery
// codes and known devices). Without derivation_key_file the reload to a
// new signing key is rejected (the store keeps the fingerprint of the
// key it started with), and the ban and the key in use stay.
// Before, there was no such setting: the rotation was refused as an
// unknown key, and every rotation left the store's records behind.
func TestSigningKeyRotatesKeepingWhatTheStoreKeeps(t *testing.T) {
	w := newWSWorld(t)
	w.write(t, "password", "")
	w.serve(t)
	login := func(password string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, w.base+"/_gatehouse/api/login",
			strings.NewReader(fmt.Sprintf(`{"username":"bob","password":%q}`, password)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	kid := func() string {
		t.Helper()
		resp, err := http.Get(w.base + "/_gatehouse/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var set struct {
			Keys []struct {
				Kid string `json:"kid"`
			} `json:"keys"`
		}
		if b, _ := io.ReadAll(resp.Body); json.Unmarshal(b, &set) != nil || len(set.Keys) == 0 {
			t.Fatalf("jwks.json: %d %s", resp.StatusCode, b)
		}
		return set.Keys[0].Kid
	}
	newKey := func(name string) (string, string) {
		t.Helper()
		path := filepath.Join(w.dir, name)
		if err := auth.WriteKeyFile(path); err != nil {
			t.Fatal(err)
		}
		k, err := auth.LoadSigningKey(path)
		if err != nil {
			t.Fatal(err)
		}
		return path, auth.Thumbprint(k.Public().(ed25519.PublicKey))
	}

	for i := 0; login("wrong password") != http.StatusTooManyRequests; i++ {
		if i == 20 {
			t.Fatal("20 wrong passwords and bob is not banned")
		}
	}
	first := w.key
	second, secondKid := newKey("second.pem")
	w.key = second
	writeIdentity(t, w, fmt.Sprintf("  previous_key_files: [%q]\n  derivation_key_file: %q\n", first, first))
	w.reload(t)
	if got := kid(); got != secondKid {
		t.Fatalf("after the rotation the JWKS leads with %s, want the new key %s", got, secondKid)
	}
	if got := login(wsPassword); got != http.StatusTooManyRequests {
		t.Fatalf("bob's right password after a rotation keeping the derivation key: %d, want 429 (his ban kept)", got)
	}

	third, _ := newKey("third.pem")
	w.key = third
	writeIdentity(t, w, fmt.Sprintf("  previous_key_files: [%q]\n", second))
	w.reloadTo(t, "configuration reload rejected")
	if got := kid(); got != secondKid {
		t.Fatalf("after a rejected rotation the JWKS leads with %s, want the key in use %s", got, secondKid)
	}
	if got := login(wsPassword); got != http.StatusTooManyRequests {
		t.Fatalf("bob's right password after a rejected rotation without a derivation key: %d, want 429 (his ban kept)", got)
	}
}

// writeIdentity writes w's configuration (policy password) with lines
// added to its identity section.
func writeIdentity(t *testing.T, w *wsWorld, lines string) {
	t.Helper()
	w.write(t, "password", "")
	b, err := os.ReadFile(w.path)
	if err != nil {
		t.Fatal(err)
	}
	at := fmt.Sprintf("  signing_key_file: %q\n", w.key)
	if !strings.Contains(string(b), at) {
		t.Fatalf("no %q in the configuration", at)
	}
	if err := os.WriteFile(w.path, []byte(strings.Replace(string(b), at, at+lines, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
}
