package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestAdminEverySession: the console lists every live session across
// users (who, from where, when, with what), a page at a time, and ends
// one from the list.
func TestAdminEverySession(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	bobC := h.newClient(t)
	bobC.signIn(crmHost, bob)
	carolC := h.newClient(t)
	carolC.signIn(crmHost, carol)
	h.newClient(t).login(appHost, testUser{name: "bob", password: "wrong password"}) // no session

	r := consoleGet(admin, "sessions")
	r.wantStatus(t, http.StatusOK)
	var out struct {
		Sessions []struct {
			User, Handle, IP, Device string
			Methods                  []string
			SignedIn                 time.Time `json:"signed_in"`
			LastSeen                 time.Time `json:"last_seen"`
		}
		Next string
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	users := map[string]int{}
	bobHandle := ""
	for _, s := range out.Sessions {
		users[s.User]++
		if s.IP == "" || s.SignedIn.IsZero() || s.LastSeen.IsZero() || len(s.Methods) == 0 {
			t.Errorf("session %+v lacks a field", s)
		}
		if s.User == "bob" {
			bobHandle = s.Handle
		}
	}
	if users["alice"] != 1 || users["bob"] != 1 || users["carol"] != 1 || len(users) != 3 || out.Next != "" {
		t.Fatalf("sessions by user %v, next %q (%s)", users, out.Next, r.body)
	}
	if strings.Contains(string(r.body), bobC.cookie()) {
		t.Fatal("the list gives a session id away")
	}

	// The page, without JavaScript: end bob's session from the list.
	page := admin.browse(authHost, prefix+"/admin/sessions")
	if page.wantStatus(t, http.StatusOK); !strings.Contains(string(page.body), `id="live-sessions"`) || !strings.Contains(string(page.body), ">bob<") {
		t.Fatalf("sessions page:\n%s", page.body)
	}
	end := admin.form(authHost, "/admin/users/bob/revoke", url.Values{"session": {bobHandle}, "from": {"sessions"}})
	if end.status != http.StatusSeeOther || !leadsTo(end, prefix+"/admin/sessions", "done", "admin.revoked") {
		t.Fatalf("end from the list: %d %q", end.status, end.header.Get("Location"))
	}
	bobC.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	carolC.get(crmHost, "/").wantStatus(t, http.StatusOK)
	if r := consoleGet(admin, "sessions"); strings.Contains(string(r.body), `"user":"bob"`) {
		t.Fatalf("bob is still listed: %s", r.body)
	}
	h.newClient(t).signIn(crmHost, bob)
	consoleGet(h.newClient(t), "sessions").wantError(t, http.StatusUnauthorized, "unauthenticated")
}

// TestAdminBans: the console lists the bans by whom they hold (the
// account, the address) with the time left, and lifts one, by the list
// or by address; each lift is audited.
func TestAdminBans(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	for i := 0; i < h.cfg.Regulation.MaxFailures; i++ {
		h.newClient(t).login(appHost, testUser{name: "bob", password: "wrong password"})
	}
	h.newClient(t).login(appHost, bob).wantError(t, http.StatusTooManyRequests, "banned")
	var out struct {
		Bans []struct {
			Handle, Kind, Subject, Reason string
			Remaining                     int `json:"remaining_seconds"`
		}
	}
	r := consoleGet(admin, "bans")
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Bans) != 1 || out.Bans[0].Subject != "bob" || out.Bans[0].Kind != "account" || out.Bans[0].Reason != "banned" ||
		out.Bans[0].Remaining <= 0 || out.Bans[0].Remaining > int(h.cfg.Regulation.BanTime.Seconds()) {
		t.Fatalf("bans: %s", r.body)
	}
	page := admin.browse(authHost, prefix+"/admin/bans")
	if page.wantStatus(t, http.StatusOK); !strings.Contains(string(page.body), `href="/_gatehouse/admin/users/bob"`) {
		t.Fatalf("bans page:\n%s", page.body)
	}
	admin.formRaw(authHost, "/admin/bans/lift", url.Values{"handle": {out.Bans[0].Handle}}).wantStatus(t, http.StatusForbidden)
	h.newClient(t).login(appHost, bob).wantError(t, http.StatusTooManyRequests, "banned")
	lift := admin.form(authHost, "/admin/bans/lift", url.Values{"handle": {out.Bans[0].Handle}})
	if lift.status != http.StatusSeeOther || !leadsTo(lift, prefix+"/admin/bans", "done", "admin.ban_lifted") {
		t.Fatalf("lift: %d %q", lift.status, lift.header.Get("Location"))
	}
	h.newClient(t).login(appHost, bob).wantStatus(t, http.StatusOK)
	if r := admin.api(authHost, "admin/bans/lift", map[string]string{"handle": out.Bans[0].Handle}); r.jsonMap(t)["lifted"] != false {
		t.Fatalf("lifting it again: %s", r.body)
	}
	admin.api(authHost, "admin/bans/lift", map[string]string{"handle": "reg:../../x"}).wantError(t, http.StatusBadRequest, "invalid_input")
	admin.api(authHost, "admin/bans/lift", map[string]string{"ip": "not an address"}).wantError(t, http.StatusBadRequest, "invalid_input")
	if r := admin.api(authHost, "admin/bans/lift", map[string]string{"ip": "192.0.2.44"}); r.jsonMap(t)["lifted"] != false {
		t.Fatalf("lifting an address with no ban: %s", r.body)
	}
	recs, _, err := h.auditPage(t, "admin_ban_lifted")
	if err != nil || len(recs) != 2 || recs[len(recs)-1].User != "bob" || recs[len(recs)-1].Actor != "alice" {
		t.Fatalf("audit of the lifts: %+v, %v", recs, err)
	}
}

// TestAdminSMSReport: the texts sent and refused per day and country,
// with the cost admin.sms_prices estimates.
func TestAdminSMSReport(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
		cfg.OTP.AllowedCountries = []string{"US", "GB"}
		cfg.OTP.MaxSends.Count = 2
		cfg.Admin.SMSPrices = map[string]float64{"US": 0.01, "default": 0.05}
		cfg.Admin.SMSCurrency = "EUR"
	}})
	admin := h.newClient(t)
	admin.signIn(crmHost, alice) // one text to a US number
	for range 3 {                // bob's reset: two texts, then the number's quota refuses
		h.newClient(t).api(appHost, "reset", map[string]string{"username": "bob"})
	}
	r := consoleGet(admin, "sms")
	var out struct {
		Sends []struct {
			Day, Country  string
			Sent, Refused int
			Cost          *float64
		}
		Currency string
		Total    *float64 `json:"estimated_cost"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Sends) != 1 || out.Sends[0].Country != "US" || out.Sends[0].Sent != 3 || out.Sends[0].Refused != 1 ||
		out.Sends[0].Day != h.clock.Now().UTC().Format("2006-01-02") || out.Currency != "EUR" ||
		out.Total == nil || *out.Total < 0.0299 || *out.Total > 0.0301 {
		t.Fatalf("sms report: %s", r.body)
	}
	page := admin.browse(authHost, prefix+"/admin/sms")
	if page.wantStatus(t, http.StatusOK); !strings.Contains(string(page.body), "0.0300 EUR") {
		t.Fatalf("sms page:\n%s", page.body)
	}
}
