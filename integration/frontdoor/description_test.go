package frontdoor_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// checkClientsOwnDescription sends, through the front door, the headers
// that describe a request to Gatehouse (X-Forwarded-Proto/Host/Uri/Method,
// X-Original-URL/-Method), naming the bypass route /public/info, once and
// on two lines. The front door must replace every one of them with its own
// (docs/contract.md, "Forward-auth protocol"): Gatehouse decides on the
// real request, so an anonymous request for /deals stays refused (the
// client's own description decided on would let it through), and a
// signed-in one is still allowed (a client's line passed on beside the
// front door's is a repeated description, which Gatehouse refuses).
func checkClientsOwnDescription(t *testing.T, w *world, signedIn *browser) {
	app, err := url.Parse(w.appURL)
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]string{
		"X-Forwarded-Proto":  "https",
		"X-Forwarded-Host":   app.Host,
		"X-Forwarded-Uri":    "/public/info",
		"X-Forwarded-Method": "GET",
		"X-Original-Url":     w.appURL + "/public/info",
		"X-Original-Method":  "GET",
	}
	for _, lines := range []int{1, 2} {
		forged := http.Header{}
		for k, v := range described {
			for range lines {
				forged[k] = append(forged[k], v)
			}
		}
		anon := newBrowser(t, w.roots)
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			before := w.app.count()
			req, err := http.NewRequest(method, w.appURL+"/deals", strings.NewReader(""))
			if err != nil {
				t.Fatal(err)
			}
			req.Header = forged.Clone()
			req.Header.Set("Accept", "application/json")
			wantJSON401(t, anon.do(req))
			if n := w.app.count() - before; n != 0 {
				t.Errorf("anonymous %s /deals describing /public/info (%d lines each) reached the app", method, lines)
			}
		}
		before := w.app.count()
		signedIn.get(w.appURL+"/deals", forged).wantStatus(t, http.StatusOK)
		if w.app.count() != before+1 || w.app.last(t).Path != "/deals" {
			t.Errorf("signed in, /deals with the client's description (%d lines each) did not reach the app as /deals", lines)
		}
	}
}
