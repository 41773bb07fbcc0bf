package gateway_test

// The name an app is told, in the header and in the assertion
// (docs/contract.md, "Identity headers").

import (
	"context"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// TestAssertionNamesWhatTheHeaderNames: an account whose display name
// holds control characters (one made before names were checked, or from
// a users.yaml) is X-Auth-Name without them, and so is the assertion's
// name claim. Before, the claim kept them: an app that reads the verified
// assertion, as one should where the network is not trusted, got a name
// that starts a new line in its logs, and another name than the header's.
func TestAssertionNamesWhatTheHeaderNames(t *testing.T) {
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Users.Backend = "redis" }})
	erin := testUser{name: "erin", password: "erin-long-password-1"}
	hash, err := testHasher.Hash(context.Background(), erin.password)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.users.Add(context.Background(), &auth.User{Username: erin.name, DisplayName: "Erin\n2026-01-01 admin=alice\r\x7f", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	c := h.newClient(t)
	c.signIn(appHost, erin)
	c.get(appHost, "/").wantStatus(t, http.StatusOK)
	seen := h.up.last(t)
	header := seen.Header.Get("X-Auth-Name")
	if header != "Erin2026-01-01 admin=alice" {
		t.Fatalf("X-Auth-Name = %q", header)
	}
	if claims := h.verify(t, seen.Header.Get("X-Auth-Assertion"), "app"); claims.Name != header {
		t.Fatalf("the assertion names %q, X-Auth-Name %q", claims.Name, header)
	}
}
