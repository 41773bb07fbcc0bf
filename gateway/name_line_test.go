package gateway_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestNamesStayOnOneLine: a display name is on one line and shows what
// it holds (docs/contract.md, "Names an app reads as one"): it is sent to
// every app (X-Auth-Name, the assertion's name) and shown in the admin
// console beside the account's email and phone. A name with a line or
// paragraph separator (U+2028, U+2029, NEL), which text viewers and
// JavaScript read as a new line, or with a bidi override, embedding or
// isolate, which turns the text after it around on the page (the
// console's row then shows its email and phone backwards, or "disabled"
// where the name ends), is refused by sign-up and the console's create:
// 400 invalid_input naming the name. Before, only ASCII controls were.
// Names written right to left, with the joiners their scripts and emoji
// need, are still taken.
func TestNamesStayOnOneLine(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	for i, tt := range []struct {
		name string
		ok   bool
	}{
		{"Eve\u2028Alice Example", false},        // line separator
		{"Eve\u2029Alice Example", false},        // paragraph separator
		{"Eve\u0085Alice Example", false},        // next line (NEL)
		{"Eve \u202edelbasid", false},            // right-to-left override
		{"Eve \u202bAlice", false},               // right-to-left embedding
		{"Eve \u2067Alice", false},               // right-to-left isolate
		{"Eve \u202cAlice", false},               // pop directional formatting
		{"Eve \u0090Alice", false},               // a C1 control
		{"مهسا\u200cرضایی", true},                // Persian, with the zero-width non-joiner it needs
		{"Zoë \U0001F469\u200d\U0001F4BB", true}, // an emoji sequence joined by ZWJ
		{"שרה כהן", true},                        // Hebrew
	} {
		t.Run(fmt.Sprintf("%+q", tt.name), func(t *testing.T) {
			want := http.StatusBadRequest
			if tt.ok {
				want = http.StatusCreated
			}
			r := h.newClient(t).api(crmHost, "signup", map[string]string{"username": fmt.Sprintf("mallory%d", i),
				"email": fmt.Sprintf("mallory%d@example.net", i), "password": "a long unusual passphrase",
				"phone": fmt.Sprintf("+1201555%04d", 170+i), "name": tt.name})
			if r.status != want || (!tt.ok && fields(t, r)["name"] == nil) {
				t.Errorf("sign-up with name %+q: %d %s; want %d", tt.name, r.status, r.body, want)
			}
			r = admin.api(authHost, "admin/users", map[string]any{"username": fmt.Sprintf("eve%d", i), "name": tt.name,
				"email": fmt.Sprintf("eve%d@example.net", i)})
			if r.status != want || (!tt.ok && fields(t, r)["name"] == nil) {
				t.Errorf("console create with name %+q: %d %s; want %d", tt.name, r.status, r.body, want)
			}
		})
	}
}
