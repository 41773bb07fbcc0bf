package gateway_test

import (
	"context"
	"net/http"
	"testing"
)

// TestGroupChangeCutOffHalfWayIsOnTheTrail: an administrator's session
// or token in a thief's hands gives an account admin.group (or takes it
// away), and the request is cut off right after the account's record is
// written (the client hangs up, which ends the request's context, or the
// store fails over) while the group's index is updated. Before, the
// change was audited only after the index: the account was an
// administrator (or no longer one), yet the console's history of it
// showed no admin_groups_changed. Now a group change is on the trail
// once its record is written (docs/contract.md, "Audit trail").
func TestGroupChangeCutOffHalfWayIsOnTheTrail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		before  []string
		groups  []string
		console int // bob's answer from the console afterwards
	}{
		{"made an administrator", []string{"staff"}, []string{"staff", "admins"}, http.StatusOK},
		{"no longer an administrator", []string{"staff", "admins"}, []string{"staff"}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			if err := h.users.SetGroups(context.Background(), "bob", tc.before); err != nil {
				t.Fatal(err)
			}
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)

			cutAfterRecordWrite(h, "bob")
			admin.api(authHost, "admin/users/bob/groups", map[string]any{"groups": tc.groups})
			h.store.down.Store(false)

			bobC := h.newClient(t)
			bobC.signIn(crmHost, bob)
			if r := consoleGet(bobC, "users"); r.status != tc.console {
				t.Fatalf("bob's console answer %d, want %d: the change was not made, nothing to audit", r.status, tc.console)
			}
			for _, rec := range readTrail(t, admin, "user=bob&class=history") {
				if rec.Event == "admin_groups_changed" {
					return
				}
			}
			t.Errorf("bob's groups were changed, yet the console's history of bob has no admin_groups_changed")
		})
	}
}
