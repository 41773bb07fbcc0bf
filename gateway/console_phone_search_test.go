package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPhoneSearchIsSeen: the console masks every phone number
// (+1 ••• ••• 0101) but in reveal-phone, which is audited so that an
// administrator's looking is seen. Its search matches four or more
// digits of a number, so an administrator (or a token) who saw the
// masked number learned the rest a digit at a time, ten searches a
// digit at most, and nothing on the trail said so. A search by phone
// digits is audited with the acting administrator, as a reveal is
// (docs/contract.md, "Admin console"); the search itself works as
// before.
func TestPhoneSearchIsSeen(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	search := func(q string) []map[string]any {
		t.Helper()
		// As a script of the console's page asks (TestCrossSitePhoneSearchWritesNothing).
		r := admin.do(request{host: authHost, path: prefix + "/api/admin/users?q=" + url.QueryEscape(q), accept: "application/json",
			header: http.Header{"Sec-Fetch-Site": {"same-origin"}}})
		r.wantStatus(t, http.StatusOK)
		var body struct {
			Users []map[string]any `json:"users"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		return body.Users
	}
	found := func(users []map[string]any) bool {
		for _, u := range users {
			if u["username"] == bob.name {
				return true
			}
		}
		return false
	}
	masked, _ := search(bob.name)[0]["phone"].(string)
	if strings.Contains(masked, "5550101") || !strings.HasSuffix(masked, "0101") {
		t.Fatalf("bob's phone as listed: %q, want it masked to its last four digits", masked)
	}
	known, searches := "0101", 0
	for len("+1"+known) < len(bob.phone) {
		before := known
		for d := '0'; d <= '9' && known == before; d++ {
			searches++
			if found(search(string(d) + known)) {
				known = string(d) + known
			}
		}
		if known == before {
			t.Fatalf("no digit before %s matched bob", known)
		}
	}
	if "+1"+known != bob.phone {
		t.Fatalf("the searches matched bob's phone as +1%s, want %s", known, bob.phone)
	}
	r := admin.get(authHost, prefix+"/api/admin/audit?event=admin_phone_searched&limit=1000")
	r.wantStatus(t, http.StatusOK)
	var trail struct {
		Events []struct {
			Actor string            `json:"actor"`
			Attrs map[string]string `json:"attrs"`
		} `json:"events"`
	}
	if err := json.Unmarshal(r.body, &trail); err != nil {
		t.Fatal(err)
	}
	if len(trail.Events) != searches {
		t.Fatalf("bob's whole number came out of %d searches by its digits, and the trail has %d admin_phone_searched records, want %d",
			searches, len(trail.Events), searches)
	}
	for _, e := range trail.Events {
		if e.Actor != alice.name {
			t.Errorf("admin_phone_searched with actor %q, want %q", e.Actor, alice.name)
		}
		for k, v := range e.Attrs {
			if strings.Contains(v, "0101") {
				t.Errorf("admin_phone_searched carries the digits searched (%s=%q)", k, v)
			}
		}
	}
}
