package demoapp

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

const issuer = "https://auth.example.com"

// TestARemovedKeyStopsVerifying: a key the gateway no longer publishes
// (taken out of identity.previous_key_files after a rotation, or after it
// leaked) stops verifying once the JWKS's max-age has passed. Before, the
// demo app refetched the JWKS only for a kid it did not know, so an
// assertion forged with a retired key verified for as long as the app ran.
func TestARemovedKeyStopsVerifying(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	newKey := func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	old, cur := newKey(), newKey()
	var jwks atomic.Pointer[[]byte]
	published := func(key ed25519.PrivateKey, previous ...ed25519.PublicKey) {
		b := auth.NewSigner(key, issuer, time.Minute, clock, previous...).JWKS()
		jwks.Store(&b)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(*jwks.Load())
	}))
	defer srv.Close()
	app := New(srv.URL, issuer, []string{"crm"}, "X-Auth-User", "X-Auth-Assertion", nil)
	app.now = clock.Now
	forged := func() string {
		tok, _, err := auth.NewSigner(old, issuer, time.Minute, clock).Sign(auth.Assertion{Subject: "root", Audience: "crm"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	// During the rotation both keys are published, and the old one verifies.
	published(cur, old.Public().(ed25519.PublicKey))
	if _, err := app.Verify(context.Background(), forged()); err != nil {
		t.Fatalf("the previous key does not verify during the rotation: %v", err)
	}
	// The old key is taken out of the JWKS.
	published(cur)
	clock.Advance(jwksMaxAge + time.Second)
	if c, err := app.Verify(context.Background(), forged()); err == nil {
		t.Fatalf("an assertion signed with a key no longer published verified (sub %q)", c.Subject)
	}
}
