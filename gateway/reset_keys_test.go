package gateway_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestResetLeavesNoTypedNameInRedis: a password reset asked for a name
// or number no account has is kept in Redis while its decoy code lives.
// It was kept under "reset:" and what was typed: anyone who can list the
// keys (a SCAN, a monitoring agent, a key-space dump) read the phone
// numbers strangers tried and the names people typed, a password typed
// in the name field included (the console never shows such a name, for
// that reason), and a name as long as the request body allows was a key
// of that size (and a decoy code holding it again). Key names carry
// HMACs, never the values (docs/contract.md, "Store keys").
// hmacRE matches a key name's part that is an HMAC (SHA-256, base64url):
// random to the eye, it may hold "bob" by chance (about one run in a
// hundred here), which is not the name typed.
var hmacRE = regexp.MustCompile(`:[A-Za-z0-9_-]{43}(:|$)`)

func TestResetLeavesNoTypedNameInRedis(t *testing.T) {
	t.Parallel()
	srv := testredis.NewServer(t)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	h := newHarness(t, redisSetup(srv.Addr), withAccounts, setup{key: key})
	long := strings.Repeat("x", 30_000)
	typed := []struct{ login, seen string }{
		{"+1 201 555 0199", "2015550199"},             // a number no account has
		{"Correct Horse Battery", "correct horse"},    // a password in the name field
		{long, strings.Repeat("x", 100)},              // as long as the body allows
		{"bob@example.com", "bob"},                    // an account, by its email
		{"  +1 201 555 0101 ", "2015550101"},          // an account, by its number
		{"unknown.person@example.com", "unknown.per"}, // an email no account has
	}
	for _, tt := range typed {
		h.newClient(t).api(appHost, "reset", map[string]string{"username": tt.login}).wantStatus(t, http.StatusOK)
	}

	raw := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = raw.Close() })
	ctx := t.Context()
	keys, err := raw.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	const maxBytes = 2048 // a key and its value; the longest are accounts, a few hundred bytes
	for _, k := range keys {
		// The accounts are kept by name, email and number (the redis
		// user backend); nothing else may be.
		for _, tt := range typed {
			if strings.HasPrefix(k, "gatehouse-attack:user:") {
				break
			}
			if strings.Contains(strings.ToLower(hmacRE.ReplaceAllString(k, ":")), tt.seen) {
				t.Errorf("Redis key %.80q… names what was typed (%.40q)", k, tt.login)
			}
		}
		if n, err := raw.MemoryUsage(ctx, k).Result(); err != nil || n > maxBytes {
			t.Errorf("Redis key %.80q… (%d bytes long) holds %d bytes, %v; want at most %d whatever was typed", k, len(k), n, err, maxBytes)
		}
	}
}
