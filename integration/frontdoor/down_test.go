package frontdoor_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// checkGatehouseDown stops Gatehouse and asks the front door for the
// app, anonymously and signed in: with nobody to ask, the front door must
// fail closed, answering an error and sending nothing to the app
// (docs/integrations.md records what each answers). Gatehouse stays
// down: this is the world's last check.
func checkGatehouseDown(t *testing.T, w *world, signedIn *browser) {
	w.gh.proc.Stop(os.Interrupt, 10*time.Second)
	if !w.gh.proc.Exited() {
		t.Fatal("gatehouse did not stop")
	}
	anon := newBrowser(t, w.roots)
	before := w.app.count()
	var got []string
	for _, tc := range []struct {
		name   string
		b      *browser
		url    string
		accept string
	}{
		{"anonymous browser GET", anon, w.appURL + "/deals", htmlAccept},
		{"anonymous GET of a bypassed path", anon, w.appURL + "/public/x", htmlAccept},
		{"signed-in browser GET", signedIn, w.appURL + "/deals", htmlAccept},
		{"signed-in API GET", signedIn, w.appURL + "/deals", "application/json"},
		{"the portal", anon, w.authURL + "/_gatehouse/login", htmlAccept},
	} {
		p := tc.b.get(tc.url, http.Header{"Accept": {tc.accept}})
		got = append(got, fmt.Sprintf("%s: %d", tc.name, p.status))
		if p.status < 400 {
			t.Errorf("%s with Gatehouse down: %d (Location %q), want an error", tc.name, p.status, p.header.Get("Location"))
		}
	}
	if n := w.app.count() - before; n != 0 {
		t.Errorf("%d requests reached the app with Gatehouse down", n)
	}
	t.Logf("%s with Gatehouse down answers: %s", w.name, strings.Join(got, ", "))
}

// checkAfterLogin runs the checks every front door shares once the login
// scenario (exercise) has passed, with bob signed in with both factors
// (signInBoth); the last one stops Gatehouse. frontDoorID is
// checkRequestID's.
func checkAfterLogin(t *testing.T, w *world, bobB *browser, frontDoorID func(t *testing.T, path string) string) {
	t.Run("request ids are the front door's or Gatehouse's, never the client's", func(t *testing.T) { checkRequestID(t, w, bobB, frontDoorID) })
	t.Run("the gateway's cookies never reach the app", func(t *testing.T) { checkGatewayCookies(t, w, bobB) })
	t.Run("the path corpus reaches no handler it may not", func(t *testing.T) { checkPathCorpus(t, w, bobB) })
	t.Run("chunk-size lines ending in a bare LF never split a request", func(t *testing.T) { checkBareLFChunks(t, w) })
	t.Run("absolute-form request lines are decided for the host routed to", func(t *testing.T) { checkAbsoluteForm(t, w, bobB) })
	t.Run("WebSockets open only from the app's own pages", func(t *testing.T) { checkSocketOrigins(t, w, bobB) })
	t.Run("posts from other origins' pages never reach the app", func(t *testing.T) { checkOtherOriginsPosts(t, w, bobB) })
	t.Run("an app's X-Accel-Redirect leads nowhere undecided", func(t *testing.T) { checkAppRedirectsDecided(t, w, bobB) })
	t.Run("with Gatehouse down the front door fails closed", func(t *testing.T) { checkGatehouseDown(t, w, bobB) })
}
