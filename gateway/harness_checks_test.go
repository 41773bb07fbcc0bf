package gateway_test

// Checks on what came back: JSON replies and the contract's error shape
// (docs/contract.md), statuses, assertions against the JWKS, and the
// identity headers the upstream got.

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

func (r reply) jsonMap(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (status %d): %q", r.status, r.body)
	}
	return m
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// errorCode checks that the reply is exactly the contract's JSON error
// {"error":{"code","message"}} (plus "fields" on 400/409) and returns the
// code.
func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error reply has Content-Type %q, want application/json (status %d, body %q)", ct, r.status, r.body)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &top); err != nil {
		t.Fatalf("error body is not a JSON object: %q", r.body)
	}
	if len(top) != 1 || top["error"] == nil {
		t.Fatalf("error body must have exactly the key \"error\": %s", r.body)
	}
	var inner map[string]any
	if err := json.Unmarshal(top["error"], &inner); err != nil {
		t.Fatalf("\"error\" must be an object: %s", r.body)
	}
	// "fields" is the one addition, naming the bad fields of a 400 or the
	// taken one of a 409.
	if f, ok := inner["fields"]; ok {
		if _, isMap := f.(map[string]any); !isMap || (r.status != http.StatusBadRequest && r.status != http.StatusConflict) {
			t.Fatalf("unexpected \"fields\" in %s", r.body)
		}
		delete(inner, "fields")
	}
	if len(inner) != 2 {
		t.Fatalf("\"error\" must be an object with exactly code and message: %s", r.body)
	}
	code, _ := inner["code"].(string)
	msg, _ := inner["message"].(string)
	if !snakeCase.MatchString(code) || msg == "" {
		t.Fatalf("error code %q must be snake_case and message %q non-empty: %s", code, msg, r.body)
	}
	return code
}

// wantError asserts a JSON error with status and code.
func (r reply) wantError(t *testing.T, status int, code string) {
	t.Helper()
	got := r.errorCode(t)
	if r.status != status || got != code {
		t.Fatalf("got %d %q, want %d %q (body %s)", r.status, got, status, code, r.body)
	}
}

// wantStatus asserts the status only.
func (r reply) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (body %.300q)", r.status, status, r.body)
	}
}

// jwks fetches and parses the gateway's public keys.
func (h *harness) jwks(t *testing.T) map[string]ed25519.PublicKey {
	t.Helper()
	r := h.newClient(t).get(crmHost, prefix+"/jwks.json")
	r.wantStatus(t, http.StatusOK)
	keys, err := auth.ParseJWKS(r.body)
	if err != nil {
		t.Fatalf("ParseJWKS: %v", err)
	}
	return keys
}

// verify checks an assertion as an upstream would.
func (h *harness) verify(t *testing.T, token, audience string) *auth.AssertionClaims {
	t.Helper()
	if token == "" {
		t.Fatal("no assertion")
	}
	claims, err := auth.VerifyAssertion(token, h.jwks(t), publicURL, audience, h.clock.Now)
	if err != nil {
		t.Fatalf("assertion does not verify for %q: %v", audience, err)
	}
	return claims
}

// identityNames are the configured identity header names in their
// normalised form (lower case, '_' as '-').
var identityNames = []string{"x-auth-user", "x-auth-email", "x-auth-name", "x-auth-groups", "x-auth-methods", "x-auth-assertion"}

// identityValues returns every header value the upstream got under any
// spelling of an identity header, by normalised name.
func identityValues(h http.Header) map[string][]string {
	out := map[string][]string{}
	for name, vs := range h {
		n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
		for _, want := range identityNames {
			if n == want {
				out[n] = append(out[n], vs...)
			}
		}
	}
	return out
}

// stopRun runs the gateway's background work (Run) and stops it at once,
// as a reload or shutdown does: what Run writes when it stops (the open
// audit windows) is then written.
func (h *harness) stopRun(t *testing.T) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.gw.Run(ctx)
	}()
	stop()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
