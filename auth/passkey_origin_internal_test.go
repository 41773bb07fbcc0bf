package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// TestPasskeyCeremonyOrigin: a ceremony is bound to the origin of the
// page that started it (docs/contract.md, "Passkeys"): one no key may
// answer (not configured, or unknown) starts none; an answer made on
// another configured origin is refused; a ceremony kept without an
// origin (started before ceremonies were bound) is finished by nothing.
func TestPasskeyCeremonyOrigin(t *testing.T) {
	ctx := context.Background()
	const portal, app = "https://auth.example.com", "https://app.example.com"
	p, err := NewPasskeys(&mapStore{m: map[string][]byte{}}, []byte("0123456789abcdef0123456789abcdef"),
		PasskeyConfig{RPID: "example.com", RPDisplayName: "Test", Origins: []string{portal, app}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	alice := &User{Username: "alice"}
	for _, origin := range []string{"", "https://evil.test", "https://auth.example.com:8443", "http://auth.example.com"} {
		if _, err := p.BeginLogin(ctx, "s", origin, "", false); !errors.Is(err, ErrPasskeyOrigin) || !errors.Is(err, ErrPasskeysUnavailable) {
			t.Errorf("a sign-in started on %q: %v, want ErrPasskeyOrigin", origin, err)
		}
		if _, err := p.BeginRegistration(ctx, "s", origin, alice); !errors.Is(err, ErrPasskeyOrigin) {
			t.Errorf("a registration started on %q: %v, want ErrPasskeyOrigin", origin, err)
		}
	}
	// The default port is the same origin.
	if _, err := p.BeginLogin(ctx, "s", "https://AUTH.example.com:443", "", false); err != nil {
		t.Errorf("a sign-in started on the portal, port 443 written: %v", err)
	}

	key := softkey.New(app)
	opts, err := p.BeginRegistration(ctx, "s1", portal, alice)
	if err != nil {
		t.Fatal(err)
	}
	body, err := key.Create(mustJSONOf(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.FinishRegistration(ctx, "s1", alice, "Key", body); !errors.Is(err, ErrPasskeyInvalid) {
		t.Fatalf("a registration started on the portal, answered on the app: %v, want ErrPasskeyInvalid", err)
	}
	key.Origin = portal
	if opts, err = p.BeginRegistration(ctx, "s1", portal, alice); err != nil {
		t.Fatal(err)
	}
	if body, err = key.Create(mustJSONOf(t, opts)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.FinishRegistration(ctx, "s1", alice, "Key", body); err != nil {
		t.Fatal(err)
	}

	answer := func(sessionID, origin string) error {
		t.Helper()
		opts, err := p.BeginLogin(ctx, sessionID, portal, "", false)
		if err != nil {
			t.Fatal(err)
		}
		key.Origin = origin
		body, err := key.Get(mustJSONOf(t, opts))
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.FinishLogin(ctx, sessionID, true, body)
		return err
	}
	if err := answer("s2", app); !errors.Is(err, ErrPasskeyInvalid) {
		t.Fatalf("a sign-in started on the portal, answered on the app: %v, want ErrPasskeyInvalid", err)
	}
	if err := answer("s3", portal); err != nil {
		t.Fatalf("answered on the portal: %v", err)
	}

	// A ceremony as the previous version kept it: no origin.
	opts2, data, err := p.wa.BeginDiscoverableLogin()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.begin(ctx, "s4", ceremony{Kind: ceremonyPasswordless, Data: *data}); err != nil {
		t.Fatal(err)
	}
	body, err = key.Get(mustJSONOf(t, opts2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.FinishLogin(ctx, "s4", true, body); !errors.Is(err, ErrPasskeyCeremony) {
		t.Fatalf("a ceremony without its origin: %v, want ErrPasskeyCeremony", err)
	}
}
