package gateway

import (
	"errors"
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/pathcorpus"
)

// corpusTable is the route table of the path corpus's world
// (internal/pathcorpus): "/" signed in, "/public" bypassed, "/admin"
// admins only.
func corpusTable(t testing.TB) *table {
	t.Helper()
	tab, err := compileRoutes([]config.Route{
		{Name: "app", Host: "app.example.com", PathPrefix: "/", Upstream: "http://127.0.0.1:1", Policy: PolicyTwoFactor},
		{Name: "app-public", Host: "app.example.com", PathPrefix: "/public", Upstream: "http://127.0.0.1:1", Policy: PolicyBypass},
		{Name: "app-admin", Host: "app.example.com", PathPrefix: "/admin", Upstream: "http://127.0.0.1:1", Policy: PolicyTwoFactor, Groups: []string{"admins"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// checkAgreement is the path property for one request target: when the
// gateway lets it through without a session (bypassed), no reader of the
// path reaches a protected handler; when it lets a non-admin through (the
// "app" route), no reader reaches the admins' handler. It checks what
// the upstream receives in forward-auth mode (the target as sent) and in
// proxy mode (the decoded path, re-encoded).
func checkAgreement(t *testing.T, tab *table, target string) {
	t.Helper()
	rp, err := readPath(rawRequestPath(target))
	if err != nil {
		if !errors.Is(err, errBadPath) {
			t.Fatalf("readPath(%q): %v", target, err)
		}
		return
	}
	rt, bypassed, err := tab.resolve("app.example.com", &rp, "GET")
	if err != nil || rt == nil {
		return
	}
	allowed := []string{pathcorpus.Public}
	switch {
	case bypassed:
	case rt.name == "app":
		allowed = append(allowed, pathcorpus.App)
	default:
		return // admins only: every handler is theirs
	}
	forwarded := (&url.URL{Path: rp.path}).EscapedPath()
	for _, seen := range []string{target, forwarded} {
		h := pathcorpus.Hit{Target: seen, Handlers: pathcorpus.Classify(seen)}
		if bad := h.Reached(allowed...); len(bad) > 0 {
			t.Fatalf("%q decided as route %s (bypassed %t), but the upstream receiving %q reaches %v", target, rt.name, bypassed, seen, bad)
		}
	}
}

func TestPathCorpusAgreement(t *testing.T) {
	tab := corpusTable(t)
	for _, c := range pathcorpus.Cases {
		checkAgreement(t, tab, c.Target)
	}
}

// FuzzReadPath feeds request targets to the one path reader and holds
// every accepted one to the path property (checkAgreement).
func FuzzReadPath(f *testing.F) {
	for _, c := range pathcorpus.Cases {
		f.Add(c.Target)
	}
	tab := corpusTable(f)
	f.Fuzz(func(t *testing.T, target string) {
		checkAgreement(t, tab, target)
	})
}
