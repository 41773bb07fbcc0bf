package frontdoor_test

import (
	"net/http"
	"strings"
	"testing"
)

// checkOtherOriginsPosts sends posts to a protected path with bob's
// session, as a browser sends them from a page of the app and of a
// sibling host: the front door passes Sec-Fetch-*, Origin and
// Content-Type on to the forward-auth check, so a post another origin's
// page sent without asking the app is refused (403) and never reaches the
// app, while the app's own form and a CORS request a preflight asked the
// app about (JSON) reach it as bob (docs/contract.md, "Proxy mode", posts
// from another origin's pages).
func checkOtherOriginsPosts(t *testing.T, w *world, bobB *browser) {
	sibling := "https://blog.example.com:" + w.port
	for _, tc := range []struct {
		name, ctype, site, mode, origin string
		want                            int
	}{
		{"a sibling host's form", "application/x-www-form-urlencoded", "same-site", "navigate", sibling, http.StatusForbidden},
		{"a sibling's text/plain beacon", "text/plain;charset=UTF-8", "same-site", "no-cors", sibling, http.StatusForbidden},
		{"an old browser's form from a sibling", "application/x-www-form-urlencoded", "", "", sibling, http.StatusForbidden},
		{"a sibling's JSON CORS post (preflighted)", "application/json", "same-site", "cors", sibling, http.StatusOK},
		{"the app's own form", "application/x-www-form-urlencoded", "same-origin", "navigate", w.appURL, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, w.appURL+"/deals/delete", strings.NewReader("id=7"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept", "*/*")
			req.Header.Set("Content-Type", tc.ctype)
			req.Header.Set("Origin", tc.origin)
			if tc.site != "" {
				req.Header.Set("Sec-Fetch-Site", tc.site)
				req.Header.Set("Sec-Fetch-Mode", tc.mode)
			}
			before := w.app.count()
			p := bobB.do(req)
			p.wantStatus(t, tc.want)
			reached := w.app.count() > before
			if reached != (tc.want == http.StatusOK) {
				t.Fatalf("answered %d, and the app reached: %v", p.status, reached)
			}
			if reached {
				if user := w.app.last(t).Header.Get("X-Auth-User"); user != "bob" {
					t.Fatalf("the app got X-Auth-User %q, want bob", user)
				}
			}
		})
	}
}
