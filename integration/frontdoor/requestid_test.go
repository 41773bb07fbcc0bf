package frontdoor_test

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// checkRequestID sends requests carrying a client's own X-Request-Id.
// Gatehouse keeps the request id a trusted proxy sends (docs/contract.md,
// "Logs"), so each front door must replace the client's: with its own id
// (frontDoorID returns the one it logged for a path; nginx), or by
// deleting it so that Gatehouse makes one (nil). Neither Gatehouse's logs
// nor the app may ever see the client's value.
func checkRequestID(t *testing.T, w *world, signedIn *browser, frontDoorID func(t *testing.T, path string) string) {
	const forged = "forged-by-the-client"
	anon := newBrowser(t, w.roots)
	for _, tc := range []struct {
		name       string
		b          *browser
		base, path string
		status     int
		logged     bool // Gatehouse logs it at info (refusals, portal pages)
		reachesApp bool
	}{
		{"allowed", signedIn, w.appURL, "/deals/request-id-allowed", http.StatusOK, false, true},
		{"refused", anon, w.appURL, "/deals/request-id-refused", http.StatusUnauthorized, true, false},
		{"the portal", anon, w.authURL, "/_gatehouse/request-id-portal", http.StatusNotFound, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.app.count()
			p := tc.b.get(tc.base+tc.path, http.Header{"Accept": {"application/json"}, "X-Request-Id": {forged}})
			p.wantStatus(t, tc.status)
			want := p.header.Get("X-Request-Id") // Gatehouse's answer, passed on by the front door
			if frontDoorID != nil {
				id := frontDoorID(t, tc.path)
				if want != "" && want != id {
					t.Errorf("the answer's X-Request-Id %q is not the front door's %q", want, id)
				}
				want = id
			}
			if want == forged {
				t.Fatalf("the request id is the client's")
			}
			if tc.reachesApp {
				if w.app.count() != before+1 {
					t.Fatal("the request did not reach the app")
				}
				got := w.app.last(t).Header.Values("X-Request-Id")
				if len(got) != 1 || got[0] == "" || got[0] == forged || want != "" && got[0] != want {
					t.Errorf("the app got X-Request-Id %q, want one id, not the client's (%q)", got, want)
				}
			}
			if !tc.logged {
				return
			}
			// Gatehouse writes the line once the answer is sent: wait for it.
			var log string
			for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				b, err := os.ReadFile(w.gh.proc.Log)
				if err != nil {
					t.Fatal(err)
				}
				if log = string(b); want != "" && strings.Contains(log, `"request_id":"`+want+`"`) || time.Now().After(deadline) {
					break
				}
			}
			if strings.Contains(log, forged) {
				t.Error("Gatehouse logged the client's request id")
			}
			if want == "" || !strings.Contains(log, `"request_id":"`+want+`"`) {
				t.Errorf("Gatehouse did not log the request with id %q", want)
			}
		})
	}
}
