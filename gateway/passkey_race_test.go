package gateway_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
)

// TestPasskeyCloneRacingTheKeyGetsNoSession: a cloned key answering at
// the same moment as the original, with the same signature counter, signs
// in at most once (before: both answers read the stored counter before
// either wrote it, and both signed in; the clone went unnoticed).
func TestPasskeyCloneRacingTheKeyGetsNoSession(t *testing.T) {
	t.Parallel()
	for round := range 8 {
		h := newHarness(t, withPasskeys)
		c := h.newClient(t)
		c.signIn(crmHost, bob)
		key := registerPasskey(t, c, "Key")
		clone := key.Clone()

		var answers [2]json.RawMessage
		var clients [2]*client
		for i, k := range []interface{ Get([]byte) ([]byte, error) }{key, clone} {
			clients[i] = h.newClient(t)
			r := clients[i].api(crmHost, "passkey/login/start", map[string]bool{"passwordless": true})
			r.wantStatus(t, http.StatusOK)
			a, err := k.Get(r.body)
			if err != nil {
				t.Fatal(err)
			}
			answers[i] = a
		}
		var wg sync.WaitGroup
		var statuses [2]int
		for i := range 2 {
			wg.Go(func() {
				statuses[i] = clients[i].api(crmHost, "passkey/login", map[string]any{"passwordless": true, "credential": answers[i]}).status
			})
		}
		wg.Wait()
		if statuses[0] == http.StatusOK && statuses[1] == http.StatusOK {
			t.Fatalf("round %d: the key and its clone both signed in", round)
		}
	}
}
