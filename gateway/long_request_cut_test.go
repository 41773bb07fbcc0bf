package gateway_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/gateway"
)

// TestCutBeforeItsAnswerIs502 checks docs/contract.md, "Long requests": a
// long poll the upstream holds, or a slow upload it reads to the end
// before answering, whose session ends is answered 502 once the gateway
// cuts it, the upload's upstream request is broken off (the app never
// reads a complete-looking body), and the access log says 502. Before,
// the client got 499 and the log read "client went away": the operator
// was told the client had hung up.
func TestCutBeforeItsAnswerIs502(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method string
		body         func() io.Reader
	}{
		{"long poll", http.MethodGet, func() io.Reader { return nil }},
		{"upload", http.MethodPut, slowBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			read := make(chan error, 1)
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, err := io.Copy(io.Discard, r.Body)
				read <- err
				select {
				case <-r.Context().Done():
				case <-time.After(25 * time.Second):
					fmt.Fprint(w, "late answer")
				}
			}))
			t.Cleanup(up.Close)
			logs := &lockedBuffer{}
			h := newHarness(t, setup{logger: slog.New(gateway.NewLogHandler(slog.NewJSONHandler(logs, nil))), edit: withStreamRoute(up.URL)})
			c := h.newClient(t)
			c.signIn(streamHost, bob)
			req := c.streamRequest(t, tc.method, h.srv.URL, "/long", tc.body())
			go func() {
				time.Sleep(time.Second)
				c.api(streamHost, "logout", nil)
			}()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadGateway {
				t.Fatalf("a long request cut by its session's end answered %s, want 502", resp.Status)
			}
			if tc.method == http.MethodPut {
				if err := <-read; err == nil {
					t.Fatal("the app read the whole of an upload cut by its session's end")
				}
			}
			if line := accessLine(t, logs, "/long"); !strings.Contains(line, `"status":502`) {
				t.Fatalf("access log line of the cut request: %s", line)
			}
			if out := logs.String(); strings.Contains(out, "client went away") {
				t.Fatalf("the cut was logged as the client going away:\n%s", out)
			}
		})
	}
}

// TestCutStreamIsLogged checks docs/contract.md, "Long requests": an
// answer cut off mid-stream by its session's end, over HTTP/1.1 or
// HTTP/2, ends with an error at the client (never a complete-looking
// answer) and has its access log line, marked incomplete. Before, a cut
// stream (or one the client closed) had no access log line at all.
func TestCutStreamIsLogged(t *testing.T) {
	t.Parallel()
	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2=%t", h2), func(t *testing.T) {
			t.Parallel()
			up := newStreamingUpstream(t)
			logs := &lockedBuffer{}
			h := newHarness(t, setup{logger: slog.New(gateway.NewLogHandler(slog.NewJSONHandler(logs, nil))), edit: withStreamRoute(up.URL)})
			c := h.newClient(t)
			c.signIn(streamHost, bob)
			base, cl := h.srv.URL, http.DefaultClient
			if h2 {
				srv := httptest.NewUnstartedServer(h.gw.Handler())
				srv.EnableHTTP2 = true
				srv.StartTLS()
				t.Cleanup(srv.Close)
				tr := srv.Client().Transport.(*http.Transport).Clone()
				tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test server's own certificate
				tr.ForceAttemptHTTP2 = true
				base, cl = srv.URL, &http.Client{Transport: tr}
			}
			resp, err := cl.Do(c.streamRequest(t, http.MethodGet, base, "/events", nil))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if h2 != (resp.ProtoMajor == 2) {
				t.Fatalf("answered over %s", resp.Proto)
			}
			go func() {
				time.Sleep(6 * time.Second)
				c.api(streamHost, "logout", nil)
			}()
			done := make(chan error, 1)
			go func() {
				_, err := io.Copy(io.Discard, resp.Body)
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Fatal("the cut stream ended as a complete answer")
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the stream still flows 14 s after its session was ended")
			}
			if line := accessLine(t, logs, "/events"); !strings.Contains(line, `"status":200`) || !strings.Contains(line, `"incomplete":true`) {
				t.Fatalf("access log line of the cut stream: %s", line)
			}
		})
	}
}

// withStreamRoute adds the route "stream" on streamHost to upstream, for
// signed-in people.
func withStreamRoute(upstream string) func(*config.Config, string) {
	return func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "stream", Host: streamHost, PathPrefix: "/", Upstream: upstream, Policy: "password"})
	}
}

// streamRequest is a request of path on streamHost, sent to base with c's
// session cookie.
func (c *client) streamRequest(t *testing.T, method, base, path string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = streamHost
	req.AddCookie(&http.Cookie{Name: c.h.cfg.Session.CookieName, Value: c.cookie()})
	return req
}

// slowBody is an upload of ten bytes every 100 ms for 30 s.
func slowBody() io.Reader {
	pr, pw := io.Pipe()
	go func() {
		for range 300 {
			if _, err := pw.Write([]byte("0123456789")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		pw.CloseWithError(errors.New("the test is over"))
	}()
	return pr
}

// accessLine waits for the access log line of path and returns it.
func accessLine(t *testing.T, logs *lockedBuffer, path string) string {
	t.Helper()
	out := logs.waitFor(`"path":"`+path+`"`, 2*time.Second)
	for l := range strings.SplitSeq(out, "\n") {
		if strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"path":"`+path+`"`) {
			return l
		}
	}
	t.Fatalf("no access log line for %s:\n%s", path, out)
	return ""
}

// TestLongRequestLeavesNoWatcher: a long request's session watcher ends
// with the request (here the client closing a stream past the first
// look): no goroutine is left looking at a session for a request gone.
// Not parallel, so that no other test's stream is being watched.
func TestLongRequestLeavesNoWatcher(t *testing.T) {
	up := newStreamingUpstream(t)
	h := newHarness(t, setup{edit: withStreamRoute(up.URL)})
	c := h.newClient(t)
	c.signIn(streamHost, bob)
	ctx, cancel := context.WithCancel(t.Context())
	resp, err := http.DefaultClient.Do(c.streamRequest(t, http.MethodGet, h.srv.URL, "/events", nil).WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	time.Sleep(upgradeRecheckForTests + time.Second)
	if !watching() {
		t.Fatal("no watcher while the stream flows: this test would prove nothing")
	}
	cancel()
	for deadline := time.Now().Add(3 * time.Second); watching(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a session watcher outlived its request by 3 s")
		}
	}
}

// upgradeRecheckForTests is the gateway's 5 s between looks at a long
// request's session.
const upgradeRecheckForTests = 5 * time.Second

// watching reports whether a goroutine is in a session watcher.
func watching() bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), ".watchSession(")
}
