package gateway_test

// An assertion too large for the apps' verifiers (docs/contract.md,
// "Identity headers").

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// TestAnAssertionAppsRefuseForItsSizeIsLogged: an account in so many
// groups that its assertion is larger than auth.MaxAssertionSize (which
// auth.VerifyAssertion, the demo app, refuses unread; an app server
// taking 8 KB a header line refuses the request) still gets its headers,
// and the gateway logs an error naming the account, the route and the
// size. Before, it said nothing: every app refused the person, and
// nothing pointed at their groups (users.yaml puts no bound on them).
func TestAnAssertionAppsRefuseForItsSizeIsLogged(t *testing.T) {
	for _, tc := range []struct {
		groups int
		logged bool
	}{
		{300, true},
		{auth.MaxGroups, false},
	} {
		t.Run(fmt.Sprint(tc.groups, " groups"), func(t *testing.T) {
			logs := &lockedBuffer{}
			h := newHarness(t, setup{logger: slog.New(slog.NewJSONHandler(logs, nil)), edit: func(cfg *config.Config, _ string) { cfg.Users.Backend = "redis" }})
			gina := testUser{name: "gina", password: "gina-long-password-1"}
			hash, err := testHasher.Hash(context.Background(), gina.password)
			if err != nil {
				t.Fatal(err)
			}
			var groups []string
			for i := range tc.groups {
				groups = append(groups, fmt.Sprintf("GG-App-Finance-Reader-%03d", i))
			}
			if err := h.users.Add(context.Background(), &auth.User{Username: gina.name, PasswordHash: hash, Groups: groups}); err != nil {
				t.Fatal(err)
			}
			c := h.newClient(t)
			c.signIn(appHost, gina)
			c.get(appHost, "/").wantStatus(t, http.StatusOK)
			tok := h.up.last(t).Header.Get("X-Auth-Assertion")
			if tok == "" {
				t.Fatal("no assertion sent")
			}
			if over := len(tok) > auth.MaxAssertionSize; over != tc.logged {
				t.Fatalf("assertion of %d bytes, over %d: %v, want %v", len(tok), auth.MaxAssertionSize, over, tc.logged)
			}
			var line string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, `"msg":"assertion larger than verifiers take"`) {
					line = l
				}
			}
			if (line != "") != tc.logged {
				t.Fatalf("logged %q, want a line: %v\n%s", line, tc.logged, logs.String())
			}
			if tc.logged {
				for _, want := range []string{`"level":"ERROR"`, `"user":"gina"`, `"route":"app"`, fmt.Sprintf(`"bytes":%d`, len(tok)), fmt.Sprintf(`"groups":%d`, tc.groups)} {
					if !strings.Contains(line, want) {
						t.Errorf("the line lacks %s: %s", want, line)
					}
				}
				if strings.Contains(line, tok[:40]) {
					t.Error("the line holds the assertion")
				}
			}
		})
	}
}
