package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestSessionsOfEveryEarlierFormat: a session stored by each earlier
// version, in the encoding that version wrote (reconstructed from the
// history of auth/session.go: each row adds the fields its version
// added), is read after an upgrade as what it proved and no more
// (docs/contract.md, "Sessions end when credentials change"): a field
// it lacks never reads as a factor proved, a credential generation
// matched or a sign-in completed; what cannot be read is signed out,
// never a 5xx.
func TestSessionsOfEveryEarlierFormat(t *testing.T) {
	h := newHarness(t)
	keys := logKeys(t, h)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	live := keys.live(t, auth.SessionKeyPrefix)
	if len(live) != 1 {
		t.Fatalf("bob's sign-in left %d sessions, want 1", len(live))
	}
	key := live[0]
	raw, err := h.store.Get(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	var now struct {
		Gen    string `json:"g"`
		Handle string `json:"h"`
	}
	if err := json.Unmarshal(raw, &now); err != nil || now.Gen == "" || now.Handle == "" {
		t.Fatalf("the session as this version writes it: %s (%v)", raw, err)
	}
	at := h.clock.Now().Unix()
	created, expires := at-60, at+3600
	proofs := fmt.Sprintf(`[{"m":"pwd","t":%d},{"m":"sms","t":%d}]`, at-60, at-30)
	password := fmt.Sprintf(`[{"m":"pwd","t":%d}]`, at-60)
	pending := fmt.Sprintf(`{"u":"bob","c":"gone-challenge","k":"login","r":true,"ph":%q}`, bob.phone)

	tests := []struct {
		name     string
		stored   string
		crm, app int // two_factor and password routes
	}{
		{"first version: no credential generation, made before sessions recorded it",
			fmt.Sprintf(`{"u":"bob","p":%s,"c":%d,"e":%d,"ip":"203.0.113.7","ua":"Firefox"}`, proofs, created, expires),
			http.StatusUnauthorized, http.StatusUnauthorized},
		{"credential generation, no handle (before handles)",
			fmt.Sprintf(`{"u":"bob","p":%s,"c":%d,"e":%d,"ip":"203.0.113.7","ua":"Firefox","g":%q}`, proofs, created, expires, now.Gen),
			http.StatusOK, http.StatusOK},
		{"a password awaiting its code, remembered at the password step (before remember-me waited for the second factor)",
			fmt.Sprintf(`{"u":"bob","p":%s,"c":%d,"e":%d,"r":true,"pd":%s,"g":%q,"h":%q}`, password, created, expires, pending, now.Gen, now.Handle),
			http.StatusUnauthorized, http.StatusOK},
		{"a password awaiting its code, with remember-me asked",
			fmt.Sprintf(`{"u":"bob","p":%s,"c":%d,"e":%d,"ra":true,"pd":%s,"g":%q,"h":%q}`, password, created, expires, pending, now.Gen, now.Handle),
			http.StatusUnauthorized, http.StatusOK},
		{"a code's pending step without a password (a code-only sign-in started)",
			fmt.Sprintf(`{"c":%d,"e":%d,"pd":%s}`, created, expires, pending),
			http.StatusUnauthorized, http.StatusUnauthorized},
		{"a method this version does not know, in place of the code",
			fmt.Sprintf(`{"u":"bob","p":[{"m":"pwd","t":%d},{"m":"push","t":%d}],"c":%d,"e":%d,"g":%q,"h":%q}`, at-60, at-30, created, expires, now.Gen, now.Handle),
			http.StatusUnauthorized, http.StatusOK},
		{"a passkey proof without its user-verification flag: one factor, not the password",
			fmt.Sprintf(`{"u":"bob","p":[{"m":"hwk","t":%d}],"c":%d,"e":%d,"g":%q,"h":%q}`, at-30, created, expires, now.Gen, now.Handle),
			http.StatusUnauthorized, http.StatusUnauthorized},
		{"this version's own", string(raw), http.StatusOK, http.StatusOK},
		{"not JSON", `{"u":"bob","p":`, http.StatusUnauthorized, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := h.store.Set(t.Context(), key, []byte(tc.stored), time.Hour); err != nil {
				t.Fatal(err)
			}
			if r := c.get(crmHost, "/"); r.status != tc.crm {
				t.Errorf("two_factor route: %d %s, want %d", r.status, r.body, tc.crm)
			}
			if r := c.get(appHost, "/"); r.status != tc.app {
				t.Errorf("password route: %d %s, want %d", r.status, r.body, tc.app)
			}
		})
	}
}
