package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// TestSessionLimitIsOnTheTrail: a sign-in that ends other sessions of
// its account because it keeps at most auth.MaxUserSessions is on the
// audit trail, once per sign-in, as sessions_limited with how many it
// ended (sessions_revoked), the account and the client's address: the
// person signed out of a browser, and an administrator looking at the
// account's history, can see why. Before, the limit ended sessions and
// nothing said so (docs/contract.md, "Sessions per account").
func TestSessionLimitIsOnTheTrail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Audit.RepeatWindow = 0 }})
	signIn := func() {
		t.Helper()
		h.newClient(t).api(appHost, "login", map[string]any{"username": bob.name, "password": bob.password, "remember_me": true}).wantStatus(t, http.StatusOK)
		// A minute apart: an hour's 60 sign-ins stay within the
		// account's share of the history (audit.account_share).
		h.clock.Advance(time.Minute)
	}
	for range auth.MaxUserSessions {
		signIn()
	}
	records := func() []auth.AuditRecord {
		t.Helper()
		recs, _, err := h.auditPage(t, "sessions_limited")
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	if got := records(); len(got) != 0 {
		t.Fatalf("%d sessions_limited records with %d sessions, none ended: %+v", len(got), auth.MaxUserSessions, got)
	}
	for i := 1; i <= 2; i++ {
		signIn()
		got := records()
		if len(got) != i {
			t.Fatalf("after %d sign-ins past the limit: %d sessions_limited records, want %d: %+v", i, len(got), i, got)
		}
		r := got[0] // newest first
		if r.User != bob.name || r.IP == "" || r.Class != auth.AuditHistory || r.Attrs["sessions_revoked"] != "1" {
			t.Errorf("record %+v, want bob's, with the client's address, class history and sessions_revoked 1", r)
		}
	}
}
