package gateway_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// TestAnAccountCannotPushHistoryOutFromManyNetworks: repeats are counted
// per client network, so whoever held an account and many networks (an
// IPv6 /64 each, or a botnet) signed it in from a new one each time,
// every sign-in a history record, and pushed the history (another
// account's takeover, the administrators' actions) out of its cap
// (audit.retain.events). Now an account's history past its share
// (audit.account_share) is counted, not recorded: one record a window
// with the count, the events, the networks, the first and last time.
func TestAnAccountCannotPushHistoryOutFromManyNetworks(t *testing.T) {
	t.Parallel()
	const keep = 150         // the history's cap
	const signIns = 2 * keep // bob's, each from a /64 of its own
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Audit.Retain.Events = keep }})
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	admin.api(authHost, "admin/users/bob/reveal-phone", map[string]string{}).wantStatus(t, http.StatusOK)

	c := h.newClient(t)
	for i := range signIns {
		ip := fmt.Sprintf("2001:db8:%x:%x::1", i/0x10000, i%0x10000)
		c.apiFrom(ip, appHost, "login", map[string]string{"username": bob.name, "password": bob.password}).wantStatus(t, http.StatusOK)
	}
	// The gateway stops: the open windows' records are written.
	h.stopRun(t)

	trail := readTrail(t, admin, "class=history")
	var reveals, bobs, counted int
	var sums []auth.AuditRecord
	for _, r := range trail {
		switch {
		case r.Event == "admin_phone_revealed":
			reveals++
		case r.Event == "login_succeeded" && r.User == bob.name:
			bobs++
		case r.User == bob.name && r.Attrs["events"] != "":
			sums = append(sums, r)
			n, _ := strconv.Atoi(r.Attrs["repeats"])
			counted += n
		}
	}
	if reveals != 1 {
		t.Errorf("the administrator's action was pushed out of the history by %d sign-ins of bob from as many networks (%d of bob's sign-ins kept, %d records in all)", signIns, bobs, len(trail))
	}
	if bobs+counted != signIns || len(sums) != 1 {
		t.Fatalf("bob's %d sign-ins: %d recorded, %d counted in %d records (%+v)", signIns, bobs, counted, len(sums), sums)
	}
	s := sums[0]
	if s.Attrs["events"] != "login_succeeded="+strconv.Itoa(counted) || s.Attrs["networks"] == "" || s.Attrs["first"] == "" || s.Attrs["last"] == "" {
		t.Errorf("the count of bob's sign-ins: %+v", s)
	}
}
