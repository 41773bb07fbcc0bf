package gateway

import (
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestAssertionCacheTellsVerifiedKeysApart: a session whose passkey
// verified the person is two factors (amr hwk, mfa); one whose key did
// not is one (amr hwk). Both show "hwk" in X-Auth-Methods; before, the
// cache was keyed on that header form, so the second got the first's
// cached assertion, "mfa" included.
func TestAssertionCacheTellsVerifiedKeysApart(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer := auth.NewSigner(key, "https://auth.example.com", 5*time.Minute, auth.SystemClock{})
	a := newAssertionCache(signer, 5*time.Minute, auth.SystemClock{}, slog.New(slog.DiscardHandler))
	u := &auth.User{Username: "bob"}
	now := time.Now().Unix()
	amr := func(uv bool) []string {
		sess := &auth.Session{User: "bob", Proofs: []auth.Proof{{Method: auth.MethodHWK, At: now, UV: uv}}}
		id, err := a.identity(sess, "crm", u)
		if err != nil {
			t.Fatal(err)
		}
		c, err := auth.VerifyAssertion(id.assertion, signer.Keys(), "https://auth.example.com", "crm", time.Now)
		if err != nil {
			t.Fatal(err)
		}
		return c.AMR
	}
	if got := amr(true); !slices.Contains(got, "mfa") {
		t.Fatalf("a user-verified key's amr = %v, want mfa in it", got)
	}
	if got := amr(false); slices.Contains(got, "mfa") {
		t.Fatalf("a key that did not verify the person got amr %v (the verified session's cached assertion)", got)
	}
}
