package frontdoor_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
)

// checkAbsoluteForm sends absolute-form request lines ("GET
// https://app.example.com/x HTTP/1.1") whose Host header names another
// host. A front door routes such a request by the request line's host
// (RFC 9112, section 3.2.2: the Host header is then ignored); Gatehouse
// must be asked about that same host, or a request routed to the
// protected app would be decided for another host: a bypassed one, the
// portal (whose pages are always allowed on public_url's host,
// docs/contract.md), or one no route covers.
func checkAbsoluteForm(t *testing.T, w *world, bobB *browser) {
	app := "https://app.example.com:" + w.port
	bobCookie := "Cookie: " + sessionCookie + "=" + bobB.cookie(w.appURL, sessionCookie)
	var got []string
	for _, tc := range []struct {
		name, target, host string
		lines              []string
		check              func(t *testing.T, a answer, reached []seen)
	}{
		{"anonymous, the portal's host in Host", app + "/_gatehouse/x", "auth.example.com:" + w.port,
			[]string{"Accept: application/json"}, refusedNotReached},
		{"anonymous, the portal's host in Host, a portal page", app + "/_gatehouse/login", "auth.example.com:" + w.port,
			[]string{"Accept: application/json"}, refusedNotReached},
		{"anonymous, a host no route covers in Host", app + "/deals", "www.example.com",
			[]string{"Accept: text/html"}, func(t *testing.T, a answer, reached []seen) {
				t.Helper()
				refusedNotReached(t, a, reached)
				// The login redirect names the page the decision was about.
				loc, err := url.Parse(a.header.Get("Location"))
				if err != nil || a.status != http.StatusFound {
					t.Fatalf("%d with Location %q, want 302 to the login page", a.status, a.header.Get("Location"))
				}
				rd, err := url.Parse(loc.Query().Get("rd"))
				if err != nil || rd.Hostname() != "app.example.com" || rd.Path != "/deals" {
					t.Errorf("the login page's rd is %q: Gatehouse decided about another page than app.example.com/deals", loc.Query().Get("rd"))
				}
			}},
		{"anonymous, a bypassed path, a host no route covers in Host", app + "/public/x", "www.example.com",
			[]string{"Accept: application/json"}, func(t *testing.T, a answer, reached []seen) {
				t.Helper()
				// Decided for app.example.com, where /public is bypassed.
				if a.status != http.StatusOK || len(reached) != 1 {
					t.Fatalf("%d, %d requests reached the app; want 200, decided for app.example.com/public/x (%.200q)", a.status, len(reached), a.body)
				}
				if h := hostname(reached[0].Host); h != "app.example.com" || reached[0].Path != "/public/x" {
					t.Errorf("the app got %s %s", reached[0].Host, reached[0].Path)
				}
			}},
		{"bob, an admin path, the portal's host in Host", app + "/admin/x", "auth.example.com:" + w.port,
			[]string{"Accept: application/json", bobCookie}, func(t *testing.T, a answer, reached []seen) {
				t.Helper()
				if a.status != http.StatusForbidden || len(reached) != 0 {
					t.Errorf("%d, %d requests reached the app; want 403 (bob is not an admin)", a.status, len(reached))
				}
			}},
		{"anonymous, a host nothing serves on the request line, the app's in Host", "https://www.example.com:" + w.port + "/deals", "app.example.com:" + w.port,
			[]string{"Accept: application/json"}, func(t *testing.T, a answer, reached []seen) {
				t.Helper()
				if len(reached) != 0 {
					t.Errorf("%d: the app got %s %s", a.status, reached[0].Host, reached[0].Path)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.app.count()
			a := w.rawGet(t, "app.example.com", tc.target, tc.host, tc.lines...)
			w.app.mu.Lock()
			reached := append([]seen(nil), w.app.reqs[before:]...)
			w.app.mu.Unlock()
			got = append(got, fmt.Sprintf("%s -> %d", tc.name, a.status))
			tc.check(t, a, reached)
		})
	}
	t.Logf("%s, absolute-form requests: %s", w.name, strings.Join(got, "; "))
}

// refusedNotReached checks a refusal that reached nothing: not 2xx, and
// no request at the app.
func refusedNotReached(t *testing.T, a answer, reached []seen) {
	t.Helper()
	if a.status/100 == 2 || len(reached) != 0 {
		t.Errorf("%d and %d requests reached the app; want a refusal (%.200q)", a.status, len(reached), a.body)
	}
}

// hostname is host without its port.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// TestForwardAuthUnknownHost asks Gatehouse directly, as a trusted front
// door, about hosts that neither a route nor public_url covers: both
// endpoints answer 403 no_route (docs/contract.md, "Forward-auth for a
// host/path no route covers"), also for paths under portal_prefix, which
// are only exempt on public_url's host.
func TestForwardAuthUnknownHost(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	gh := startGatehouse(t, gatehouseBinary(t), "https://auth.example.com", "http://"+a.addr())
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, host := range []string{"www.example.com", "example.com", "app.example.net", "auth.example.com.evil"} {
		for _, path := range []string{"/", "/public/x", "/_gatehouse/login", "/deals"} {
			for _, ep := range []struct {
				name   string
				header http.Header
			}{
				{"auth-request", http.Header{"X-Original-Url": {"https://" + host + path}, "X-Original-Method": {"GET"}}},
				{"forward-auth", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {host}, "X-Forwarded-Uri": {path}, "X-Forwarded-Method": {"GET"}}},
			} {
				req, err := http.NewRequest(http.MethodGet, "http://"+gh.addr+"/_gatehouse/authz/"+ep.name, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header = ep.header
				req.Header.Set("Accept", "text/html")
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s for https://%s%s: %d, want 403 (no route)", ep.name, host, path, resp.StatusCode)
				}
			}
		}
	}
	if a.count() != 0 {
		t.Errorf("%d requests reached the app", a.count())
	}
}

// versionOf returns the first line of a front door's version output.
func versionOf(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}
