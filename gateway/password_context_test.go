package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestPasswordOfTheServicesNameIsRefused: catalogue requirement 7 (NIST SP
// 800-63B §5.1.1.2: context-specific words, "such as the name of the
// service"): a sign-up whose password is the portal's name (portal.app_name,
// Gatehouse here) or a word of public_url's host (example of
// auth.example.com), with only digits, punctuation, symbols or spaces
// added, is 400 invalid_input naming the password, and no code is sent.
// Before, each was taken and texted a code: a sprayer's first guesses on
// every account of a site are its own name and a year. A passphrase
// holding the name among other words stays allowed (docs/contract.md,
// "Password rules").
func TestPasswordOfTheServicesNameIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	for i, tt := range []struct {
		password string
		refused  bool
	}{
		{"Gatehouse2024!", true},
		{"gatehouse gatehouse", true},
		{"GATEHOUSE_01", true},
		{"Example.com 2024", true},
		{"example!example!", true},
		{"gatehouse keeps my secrets", false},
		{"an example of a passphrase", false},
	} {
		t.Run(tt.password, func(t *testing.T) {
			before := len(h.sms.messages(t))
			r := h.newClient(t).api(crmHost, "signup", map[string]string{"username": fmt.Sprintf("site%d", i), "email": fmt.Sprintf("site%d@mail.test", i),
				"password": tt.password, "phone": fmt.Sprintf("+1201555%04d", 400+i), "name": "Site"})
			sent := len(h.sms.messages(t)) - before
			if !tt.refused {
				if r.status != http.StatusCreated {
					t.Errorf("sign-up with %q: %d %s, want 201", tt.password, r.status, r.body)
				}
				return
			}
			if r.status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(fields(t, r)["password"]), "name of this service") {
				t.Errorf("sign-up with %q: %d %s, want 400 naming the password as the service's name (password.context)", tt.password, r.status, r.body)
			}
			if sent != 0 {
				t.Errorf("sign-up with %q sent %d SMS, want none", tt.password, sent)
			}
		})
	}
}
