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

// TestNamesMadeBeforeTheCheckReachAppsOnOneLine: an account made before
// display names were checked may hold what a name may no longer (a C1
// control such as NEL or CSI, a line or paragraph separator, a bidi
// override or isolate: docs/contract.md, "Names an app reads as one").
// X-Auth-Name and the assertion's name carry it without them, in proxy
// mode and in forward-auth answers alike. Before, only C0 and DEL were
// dropped: the rest reached apps, a new line where an app writes the name
// (NEL, U+2028) or the text after it turned around on its pages.
func TestNamesMadeBeforeTheCheckReachAppsOnOneLine(t *testing.T) {
	for _, tc := range []struct{ stored, want string }{
		{"Eve\u0085Alice Example", "EveAlice Example"},
		{"Eve\u2028admin=alice\u2029", "Eveadmin=alice"},
		{"Eve \u202edelbasid\u202c", "Eve delbasid"},
		{"Eve\u2066x\u2069\u009b31m", "Evex31m"},
		{"Zoë \u200fעברית\u200d", "Zoë \u200fעברית\u200d"}, // direction marks and joiners stay
	} {
		t.Run(tc.want, func(t *testing.T) {
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Users.Backend = "redis" }})
			erin := testUser{name: "erin", password: "erin-long-password-1"}
			hash, err := testHasher.Hash(context.Background(), erin.password)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.users.Add(context.Background(), &auth.User{Username: erin.name, DisplayName: tc.stored, PasswordHash: hash}); err != nil {
				t.Fatal(err)
			}
			c := h.newClient(t)
			c.signIn(appHost, erin)
			c.get(appHost, "/").wantStatus(t, http.StatusOK)
			seen := h.up.last(t).Header
			fa := h.newClient(t).do(request{host: authHost, path: prefix + "/authz/forward-auth", header: http.Header{
				"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {appHost}, "X-Forwarded-Uri": {"/"}, "X-Forwarded-Method": {"GET"},
				"Accept": {"application/json"}, "Cookie": {h.cfg.Session.CookieName + "=" + c.cookie()},
			}})
			fa.wantStatus(t, http.StatusOK)
			for where, hd := range map[string]http.Header{"proxied": seen, "forward-auth": fa.header} {
				if got := hd.Get("X-Auth-Name"); got != tc.want {
					t.Errorf("%s: X-Auth-Name = %q, want %q", where, got, tc.want)
				}
				if claims := h.verify(t, hd.Get("X-Auth-Assertion"), "app"); claims.Name != tc.want {
					t.Errorf("%s: the assertion names %q, want %q", where, claims.Name, tc.want)
				}
			}
		})
	}
}
