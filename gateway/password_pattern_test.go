package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestRepeatedAndSequentialPasswordsAreRefused: catalogue requirement 7
// (NIST SP 800-63B §5.1.1.2: the blocklist holds "repetitive or
// sequential characters (e.g. 'aaaaaa', '1234abcd')"). A sign-up whose
// password is one character over and over, a short unit repeated, or
// runs of the alphabet, the digits or a keyboard row (with spaces or
// symbols between them) is 400 invalid_input naming the password, and
// sends no code: these are the masks a sprayer tries right after the
// common list, and none of them is on it once longer than 8. Before,
// each was taken and texted a code. Passwords that only hold such a run
// among other text stay allowed (docs/contract.md, "Password rules").
func TestRepeatedAndSequentialPasswordsAreRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	for i, tt := range []struct {
		password string
		refused  bool
	}{
		{"aaaaaaaaaaaa", true},
		{"zzzzzzzzz", true},
		{"!!!!!!!!!!", true},
		{"abababababab", true},
		{"121212121212", true},
		{"abcabcabcabc", true},
		{"abcdefghijkl", true},
		{"123456789012", true},
		{"987654321098", true},
		{"zyxwvutsrq", true},
		{"qwertyuiopas", true},
		{"asdfghjkl;", true},
		{"qwerty12345678", true},
		{"aaaa1111bbbb", true},
		{"ABCD-1234-abcd", true},
		{"abc123abc123!", true},
		{"a long unusual passphrase", false},
		{"aaaa9173xk", false},
		{"qwerty is my cat", false},
		{"Tr0ub4dor&3x", false},
	} {
		t.Run(tt.password, func(t *testing.T) {
			phone := fmt.Sprintf("+1201555%04d", 300+i)
			before := len(h.sms.messages(t))
			r := h.newClient(t).api(crmHost, "signup", map[string]string{"username": fmt.Sprintf("pat%d", i), "email": fmt.Sprintf("pat%d@example.com", i),
				"password": tt.password, "phone": phone, "name": "Pat"})
			sent := len(h.sms.messages(t)) - before
			if !tt.refused {
				if r.status != http.StatusCreated {
					t.Errorf("sign-up with %q: %d %s, want 201", tt.password, r.status, r.body)
				}
				return
			}
			if r.status != http.StatusBadRequest || fields(t, r)["password"] == nil {
				t.Errorf("sign-up with %q: %d %s, want 400 naming the password", tt.password, r.status, r.body)
			} else if !strings.Contains(fmt.Sprint(fields(t, r)["password"]), "repeated characters") {
				t.Errorf("sign-up with %q: %s, want the problem of repeated or sequential characters (password.pattern)", tt.password, r.body)
			}
			if sent != 0 {
				t.Errorf("sign-up with %q sent %d SMS, want none", tt.password, sent)
			}
		})
	}
}
