package frontdoor_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/pathcorpus"
)

// signInBoth signs p in through the front door with the JSON API, with
// both factors (password, then the SMS code: without rd a login asks for
// every factor the account uses), and returns the browser holding the
// session.
func signInBoth(t *testing.T, w *world, p person) *browser {
	t.Helper()
	b := newBrowser(t, w.roots)
	if status := apiLogin(t, b, w.authURL, p); status != "otp_required" {
		t.Fatalf("%s's API login: status %q, want otp_required (no rd: every factor)", p.name, status)
	}
	req, err := http.NewRequest(http.MethodPost, w.authURL+"/_gatehouse/api/otp", strings.NewReader(`{"code":"`+w.gh.code(t, p.phone)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	b.do(req).wantStatus(t, http.StatusOK)
	return b
}

// corpusOutcome is what happened to one target of the corpus, for one
// person: the front door's status, and the target the app received, if
// the request reached it.
type corpusOutcome struct {
	status   int
	code     string   // the contract's error code, when the answer carries one
	received []string // request targets as the app received them
}

func (o corpusOutcome) String() string {
	s := fmt.Sprint(o.status)
	if o.code != "" {
		s += " " + o.code
	}
	for _, r := range o.received {
		s += " -> app " + r
	}
	return s
}

// checkPathCorpus sends every target of the path corpus verbatim on the
// request line through the front door to the app's host, anonymously and
// as bob (signed in with both factors, not an admin). The property
// (docs/contract.md, "Request paths"): whatever the front door does with
// the target (refuse it, normalise it, pass it on), no request that
// reaches the app reaches a handler the person may not use, in any of
// the app's six routers. It logs what the front door did with each
// target.
func checkPathCorpus(t *testing.T, w *world, bobB *browser) {
	host := "app.example.com:" + w.port
	who := []struct {
		name    string
		lines   []string
		allowed []string
	}{
		{"anonymous", []string{"Accept: application/json"}, []string{pathcorpus.Public}},
		{"bob", []string{"Accept: application/json", "Cookie: " + sessionCookie + "=" + bobB.cookie(w.appURL, sessionCookie)},
			[]string{pathcorpus.Public, pathcorpus.App}},
	}
	var report strings.Builder
	reached := 0
	var selfRefused, rewritten []string
	for _, c := range pathcorpus.Cases {
		fmt.Fprintf(&report, "\n  %-40q", c.Target)
		for _, p := range who {
			w.app.corpus.Take()
			a := w.rawGet(t, "app.example.com", c.Target, host, p.lines...)
			o := corpusOutcome{status: a.status, code: a.errorCode()}
			for _, hit := range w.app.corpus.Take() {
				reached++
				o.received = append(o.received, hit.Target)
				if hit.Target != c.Target {
					rewritten = append(rewritten, fmt.Sprintf("%q -> %q", c.Target, hit.Target))
				}
				if bad := hit.Reached(p.allowed...); len(bad) > 0 {
					t.Errorf("%s, %s GET %q (%s): the app received %q and reached %v",
						w.name, p.name, c.Target, c.Why, hit.Target, bad)
				}
			}
			if a.status == http.StatusBadRequest && o.code == "" && p.name == "anonymous" {
				selfRefused = append(selfRefused, c.Target)
			}
			fmt.Fprintf(&report, " %s: %-28s", p.name, o)
		}
	}
	if reached == 0 {
		t.Fatal("no request of the corpus reached the app: the test checks nothing")
	}
	// Baselines: the world is the one the corpus assumes.
	for _, tc := range []struct {
		who    int
		target string
		ok     func(int) bool
		want   string
	}{
		{0, "/public/x", func(s int) bool { return s == http.StatusOK }, "200"},
		{0, "/admin/x", func(s int) bool { return s == http.StatusUnauthorized }, "401"},
		{1, "/deals", func(s int) bool { return s == http.StatusOK }, "200"},
		{1, "/admin/x", func(s int) bool { return s == http.StatusForbidden }, "403"},
	} {
		before := w.app.count()
		a := w.rawGet(t, "app.example.com", tc.target, host, who[tc.who].lines...)
		if !tc.ok(a.status) {
			t.Errorf("%s GET %s: %d, want %s (%.200q)", who[tc.who].name, tc.target, a.status, tc.want, a.body)
		}
		if got := w.app.count() - before; (a.status == http.StatusOK) != (got == 1) {
			t.Errorf("%s GET %s: %d, and %d requests reached the app", who[tc.who].name, tc.target, a.status, got)
		}
	}
	slices.Sort(rewritten)
	rewritten = slices.Compact(rewritten)
	t.Logf("%s and the path corpus (%d targets, %d requests reached the app):\n"+
		"refused by %s itself (400, not Gatehouse's bad_path): %d %q\nreached the app rewritten: %d %q\nper target:%s",
		w.name, len(pathcorpus.Cases), reached, w.name, len(selfRefused), selfRefused,
		len(rewritten), rewritten, report.String())
}
