package gateway_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestPasskeyNamesShowWhatTheyHold: a passkey's name is the account
// holder's (or a thief's, with a session of the account) own text, shown
// on the account page, on the administrator's page of the account and in
// the audit trail (passkey_registered's key). Before, it kept every
// character but line breaks: a right-to-left override or isolate turned
// the text after it around on those pages (the key's dates, the next
// key), and a C1 control (CSI, U+009B), which JSON leaves as it is,
// reached the terminal of an operator reading `gatehouse audit tail`.
// Now such characters are dropped from the name, by the rule display
// names follow; scripts written right to left and emoji sequences keep
// what they need.
func TestPasskeyNamesShowWhatTheyHold(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	bobC := h.newClient(t)
	bobC.signIn(crmHost, bob)
	const bad = "\u202e\u2066\u202a\u2028\u0085\u009b\x1b\x00\x7f"
	for _, tt := range []struct{ name, want string }{
		{"Laptop \u202eyeK\u2069 old", "Laptop yeK old"},
		{"Key\u009b2J\x1b[31mred\x00", "Key2J[31mred"},
		{"Phone\u2028second line\u0085third", "Phone second line third"},
		{"\u202e\u2066", "Passkey 4"}, // nothing left: named as an empty name is
		{"מפתח \U0001F469\u200d\U0001F4BB", "מפתח \U0001F469\u200d\U0001F4BB"},
	} {
		registerPasskey(t, bobC, tt.name)
		var list struct {
			Passkeys []struct {
				Name string `json:"name"`
			} `json:"passkeys"`
		}
		r := bobC.get(authHost, prefix+"/api/passkeys")
		if err := json.Unmarshal(r.body, &list); err != nil || len(list.Passkeys) == 0 {
			t.Fatalf("passkeys: %s (%v)", r.body, err)
		}
		if got := list.Passkeys[len(list.Passkeys)-1].Name; got != tt.want {
			t.Errorf("a key named %+q is listed as %+q, want %+q", tt.name, got, tt.want)
		}
	}

	// What the administrator reads: the account's page, its methods in
	// the API, and the trail.
	page := admin.get(authHost, prefix+"/admin/users/bob")
	page.wantStatus(t, http.StatusOK)
	detail := consoleGet(admin, "users/bob")
	nd := admin.do(request{host: authHost, path: prefix + "/api/admin/audit?user=bob&event=passkey_registered", accept: "application/x-ndjson"})
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(nd.body))
	for sc.Scan() {
		var rec auth.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("NDJSON line %q: %v", sc.Text(), err)
		}
		keys = append(keys, rec.Attrs["key"])
	}
	if len(keys) != 5 {
		t.Fatalf("passkey_registered records: %q, want 5", keys)
	}
	for what, text := range map[string]string{"the account's page": string(page.body), "the API's methods": string(detail.body), "the trail": strings.Join(keys, "\n")} {
		if i := strings.IndexAny(text, bad); i >= 0 {
			t.Errorf("%s holds %+q from a passkey's name", what, []rune(text[i:])[0])
		}
	}
}
