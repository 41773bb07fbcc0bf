package gateway_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/pathcorpus"
)

// corpusWorld is a gateway whose app.example.com routes are the path
// corpus's world ("/" two_factor, "/public" bypass, "/admin" admins only)
// in front of the corpus's upstream, which reads every request with three
// routers; bob (staff, not an admin) is signed in with both factors.
type corpusWorld struct {
	h   *harness
	up  *pathcorpus.Upstream
	bob string // bob's session cookie value
}

func newCorpusWorld(t *testing.T) *corpusWorld {
	t.Helper()
	w := &corpusWorld{up: &pathcorpus.Upstream{}}
	app := httptest.NewServer(w.up)
	t.Cleanup(app.Close)
	w.h = newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		var rs []config.Route
		for _, r := range cfg.Routes {
			if r.Host != appHost {
				rs = append(rs, r)
			}
		}
		cfg.Routes = append(rs,
			config.Route{Name: "app", Host: appHost, PathPrefix: "/", Upstream: app.URL, Policy: "two_factor"},
			config.Route{Name: "app-public", Host: appHost, PathPrefix: "/public", Upstream: app.URL, Policy: "bypass"},
			config.Route{Name: "app-admin", Host: appHost, PathPrefix: "/admin", Upstream: app.URL, Policy: "two_factor", Groups: []string{"admins"}},
		)
	}})
	c := w.h.newClient(t)
	c.signIn(appHost, bob)
	w.bob = c.cookie()
	return w
}

// rawGet sends target on the request line exactly as given (no cleaning,
// no re-encoding) to addr, and returns the status and body.
func rawGet(t *testing.T, addr, host, target string, header http.Header) (int, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	var b strings.Builder
	b.WriteString("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n")
	for k, vs := range header {
		for _, v := range vs {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %q: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// wantBadPath checks a refusal: 400, with the contract's bad_path code
// when the gateway (not net/http itself) answered.
func wantBadPath(t *testing.T, what string, status int, body []byte) {
	t.Helper()
	if status != http.StatusBadRequest {
		t.Errorf("%s: status %d, want 400 bad_path", what, status)
		return
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "bad_path" {
		t.Errorf("%s: error code %q, want bad_path", what, e.Error.Code)
	}
}

// TestPathCorpusProxyMode runs every path of the corpus through proxy
// mode, anonymously and as a signed-in non-admin: ambiguous paths are
// refused with 400 bad_path, and no request the gateway did not allow
// reaches a handler of a protected prefix in any of the three upstream
// routers (docs/contract.md, "Request paths").
func TestPathCorpusProxyMode(t *testing.T) {
	t.Parallel()
	w := newCorpusWorld(t)
	addr := w.h.srv.Listener.Addr().String()
	who := []struct {
		name    string
		header  http.Header
		allowed []string
	}{
		{"anonymous", http.Header{"Accept": {"application/json"}}, []string{pathcorpus.Public}},
		{"bob (not an admin)", http.Header{"Accept": {"application/json"}, "Cookie": {w.h.cfg.Session.CookieName + "=" + w.bob}}, []string{pathcorpus.Public, pathcorpus.App}},
	}
	reached := 0
	for _, c := range pathcorpus.Cases {
		for _, p := range who {
			w.up.Take()
			status, body := rawGet(t, addr, appHost, c.Target, p.header)
			hits := w.up.Take()
			if c.Refused {
				wantBadPath(t, p.name+" GET "+c.Target+" ("+c.Why+")", status, body)
			}
			for _, hit := range hits {
				reached++
				if bad := hit.Reached(p.allowed...); len(bad) > 0 {
					t.Errorf("%s GET %q (%s): the app received %q and reached %v", p.name, c.Target, c.Why, hit.Target, bad)
				}
			}
		}
	}
	if reached == 0 {
		t.Fatal("no request of the corpus reached the app: the test checks nothing")
	}
	// Baselines: the world is the one described.
	for _, tc := range []struct {
		who    int
		target string
		want   int
	}{
		{0, "/public/x", http.StatusOK}, {0, "/admin/x", http.StatusUnauthorized}, {0, "/deals", http.StatusUnauthorized},
		{1, "/deals", http.StatusOK}, {1, "/admin/x", http.StatusForbidden},
	} {
		if status, body := rawGet(t, addr, appHost, tc.target, who[tc.who].header); status != tc.want {
			t.Errorf("%s GET %s: %d %s, want %d", who[tc.who].name, tc.target, status, body, tc.want)
		}
	}
}

// TestPathCorpusForwardAuth asks both forward-auth endpoints about every
// path of the corpus, in the shape each front door sends, and sends what
// they allow on, as the front door would (the target unchanged), to the
// corpus's upstream: nothing they did not allow may reach a protected
// handler. Ambiguous paths are refused with bad_path (403 to nginx's
// auth_request, which turns a 400 into a 500; 400 to the others).
func TestPathCorpusForwardAuth(t *testing.T) {
	t.Parallel()
	w := newCorpusWorld(t)
	for _, fd := range frontDoors {
		for _, c := range pathcorpus.Cases {
			for _, p := range []struct {
				name, cookie string
				allowed      []string
			}{
				{"anonymous", "", []string{pathcorpus.Public}},
				{"bob (not an admin)", w.h.cfg.Session.CookieName + "=" + w.bob, []string{pathcorpus.Public, pathcorpus.App}},
			} {
				hd := http.Header{"Accept": {"application/json"}}
				if p.cookie != "" {
					hd.Set("Cookie", p.cookie)
				}
				req := fd.build(clientReq{method: http.MethodGet, proto: "https", host: appHost, uri: c.Target, header: hd})
				r := w.h.newClient(t).do(req)
				what := fd.name + ", " + p.name + ", " + c.Target + " (" + c.Why + ")"
				if c.Refused {
					want := http.StatusBadRequest
					if !fd.redirects {
						want = http.StatusForbidden
					}
					if r.status != want || r.errorCode(t) != "bad_path" {
						t.Errorf("%s: %d %s, want %d bad_path", what, r.status, r.body, want)
					}
				}
				if r.status/100 != 2 {
					continue
				}
				hit := pathcorpus.Hit{Target: c.Target, Handlers: pathcorpus.Classify(c.Target)}
				if bad := hit.Reached(p.allowed...); len(bad) > 0 {
					t.Errorf("%s: allowed (%d), and the app receiving it reaches %v", what, r.status, bad)
				}
			}
		}
	}
}
