package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/softkey"
	"github.com/go-webauthn/webauthn/protocol"
)

// TestKeptHugeRSAKeyIsNotChecked: a key kept before registrations were
// held to a bounded public key (an RSA modulus of 320,000 bits) is
// refused at sign-in before its signature is checked. Checked, an answer
// naming it, with a signature as long as the modulus, cost 7 seconds of
// CPU, whoever sent it: the key's holder, from each address it has,
// while the gateway's other requests waited (docs/contract.md,
// "Passkeys").
func TestKeptHugeRSAKeyIsNotChecked(t *testing.T) {
	ctx := context.Background()
	const origin = "https://auth.example.com"
	p, err := NewPasskeys(&mapStore{m: map[string][]byte{}}, []byte("0123456789abcdef0123456789abcdef"),
		PasskeyConfig{RPID: "example.com", RPDisplayName: "Test", Origins: []string{origin}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	alice := &User{Username: "alice"}
	key := softkey.New(origin)
	opts, err := p.BeginRegistration(ctx, "s1", origin, alice)
	if err != nil {
		t.Fatal(err)
	}
	body, err := key.Create(mustJSONOf(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.FinishRegistration(ctx, "s1", alice, "Key", body); err != nil {
		t.Fatal(err)
	}
	// What an earlier version kept: the same key with a huge RSA modulus.
	n := make([]byte, 40000)
	if _, err := rand.Read(n); err != nil {
		t.Fatal(err)
	}
	n[0] |= 0x80
	n[len(n)-1] |= 1
	rec, err := p.load(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	rec.Keys[0].Cred.PublicKey = softkey.RSAPublicKey(n, 1<<31-1)
	if err := p.save(ctx, "alice", rec); err != nil {
		t.Fatal(err)
	}

	opts2, err := p.BeginLogin(ctx, "s2", origin, "", false)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := key.Get(mustJSONOf(t, opts2))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(answer, &m); err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, len(n))
	if _, err := rand.Read(sig[1:]); err != nil {
		t.Fatal(err)
	}
	m["response"].(map[string]any)["signature"] = base64.RawURLEncoding.EncodeToString(sig)
	start := time.Now()
	_, err = p.FinishLogin(ctx, "s2", true, mustJSONOf(t, m))
	took := time.Since(start)
	if !errors.Is(err, ErrPasskeyInvalid) {
		t.Fatalf("the answer: %v, want ErrPasskeyInvalid", err)
	}
	if took > 2*time.Second {
		t.Fatalf("the refusal took %v: the huge key's signature was checked", took)
	}
}

// TestPasskeyRecordKeepsWhatSignInNeeds: a key is kept with what
// signing in needs, not with the registration's raw answer nor
// transports no browser knows (docs/contract.md, "Passkeys"). Before, a
// registration padded to the request limit, clientDataJSON and made-up
// transports, kept some 45 KB a key, 20 keys an account, read and
// written whole at each sign-in, and its transports were sent back in
// every ceremony's options.
func TestPasskeyRecordKeepsWhatSignInNeeds(t *testing.T) {
	ctx := context.Background()
	const origin = "https://auth.example.com"
	p, err := NewPasskeys(&mapStore{m: map[string][]byte{}}, []byte("0123456789abcdef0123456789abcdef"),
		PasskeyConfig{RPID: "example.com", RPDisplayName: "Test", Origins: []string{origin}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	alice := &User{Username: "alice"}
	key := softkey.New(origin)
	key.ClientDataPad = strings.Repeat("p", 15000)
	key.Transports = []string{"usb", "hybrid", "usb"}
	for range 1500 {
		key.Transports = append(key.Transports, "made-up-transport")
	}
	opts, err := p.BeginRegistration(ctx, "s1", origin, alice)
	if err != nil {
		t.Fatal(err)
	}
	body, err := key.Create(mustJSONOf(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.FinishRegistration(ctx, "s1", alice, "Key", body); err != nil {
		t.Fatal(err)
	}
	rec, err := p.kv.Get(ctx, p.key("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) > 2000 {
		t.Fatalf("the record of one key holds %d bytes", len(rec))
	}
	login, err := p.BeginLogin(ctx, "s2", origin, "alice", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := login.Response.AllowedCredentials[0].Transport; !slices.Equal(got, []protocol.AuthenticatorTransport{protocol.USB, protocol.Hybrid}) {
		t.Fatalf("the key's transports in the options: %d of them, want [usb hybrid]", len(got))
	}
	key.ClientDataPad = ""
	answer, err := key.Get(mustJSONOf(t, login))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.FinishLogin(ctx, "s2", false, answer); err != nil {
		t.Fatalf("the key signing in: %v", err)
	}
}
