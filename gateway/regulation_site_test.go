package gateway_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestIPv6SiteSharesTheClientBan: one holder of an IPv6 /48 (a tunnel
// broker gives one away; 65,536 /64s) types wrong passwords for names no
// account has, from a new /64 each. Before, the client's count and ban
// held each /64 alone, at IPFactor × max_failures, so the /48 had
// 65,536 of them: nothing refused it but the hashing slots, and each
// failure wrote a subject's count kept 24 hours (account_lock_time), a
// flood of millions of keys a day. The /64s of one /48 share
// auth.IPv6SiteShare clients' counts: past them every /64 of the site is
// banned, and its refused attempts write no count, ban or lock. A browser
// that signed in as an account before (a known device) still signs in
// to it from the site, another /48 and an IPv4 client are not held up
// (docs/contract.md, "Regulation").
func TestIPv6SiteSharesTheClientBan(t *testing.T) {
	t.Parallel()
	srv := testredis.NewServer(t)
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	h := newHarness(t, redisSetup(srv.Addr), setup{key: key, edit: func(cfg *config.Config, _ string) {
		cfg.Regulation.MaxFailures = 2
	}})
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = raw.Close() })
	regKeys := func() int {
		t.Helper()
		keys, err := raw.Keys(t.Context(), "*reg:*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return len(keys)
	}
	carols := knownBrowser(t, h, carol)

	perClient := auth.IPFactor * h.cfg.Regulation.MaxFailures
	// Each /64 stays under its own ban; together they reach the site's.
	perNet := perClient / 2
	nets := auth.IPv6SiteShare * perClient / perNet
	for i := range nets {
		for j := range perNet {
			ip := fmt.Sprintf("2001:db8:99:%x::%x", i, j+1)
			h.loginFrom(t, ip, fmt.Sprintf("nobody-%d-%d", i, j), "Winter2024!").wantError(t, http.StatusUnauthorized, "invalid_credentials")
		}
	}

	before := regKeys()
	for i, login := range []string{"nobody-more-1", "nobody-more-2", "nobody-more-3", "alice"} {
		ip := fmt.Sprintf("2001:db8:99:ff%02x::1", i)
		r := h.loginFrom(t, ip, login, "Winter2024!")
		if r.status != http.StatusTooManyRequests {
			t.Fatalf("a wrong password for %s from a new /64 (%s) of a /48 past its share: %d %s, want 429 banned", login, ip, r.status, r.body)
		}
		r.wantError(t, http.StatusTooManyRequests, "banned")
		if r.header.Get("Retry-After") == "" {
			t.Error("ban without Retry-After")
		}
	}
	if n := regKeys() - before; n != 0 {
		t.Errorf("the refused attempts of the banned site wrote %d regulation keys, want none", n)
	}
	h.loginFrom(t, "2001:db8:99:abcd:1:2:3:4", "alice", alice.password).wantError(t, http.StatusTooManyRequests, "banned")

	// Who signed in before from their browser still does, from the site.
	carols.apiFrom("2001:db8:99:cafe::1", appHost, "login", map[string]string{"username": carol.name, "password": carol.password}).wantStatus(t, http.StatusOK)
	// Another /48, and an IPv4 client, are not held up.
	h.loginFrom(t, "2001:db8:9a::1", "alice", alice.password).wantStatus(t, http.StatusOK)
	h.loginFrom(t, "198.51.100.99", "bob", bob.password).wantStatus(t, http.StatusOK)
}
