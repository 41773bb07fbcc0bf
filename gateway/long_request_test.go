package gateway_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

const streamHost = "stream.example.com" // password, to the streaming upstream

// newStreamingUpstream is an app whose /events streams one line every
// 100 ms for a minute (a server-sent event stream, a live log).
func newStreamingUpstream(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := 0; i < 600; i++ {
			if _, err := fmt.Fprintf(w, "data: %d\n\n", i); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestStreamEndsWithItsSession checks docs/contract.md, "Long requests":
// an answer streamed to a signed-in person (server-sent events, a long
// download) stops within about 5 seconds once the session is ended, and
// flows on while it lives, past the gateway's first look. Before, a thief
// whose session was revoked kept every stream already open for as long
// as the app sent it.
func TestStreamEndsWithItsSession(t *testing.T) {
	t.Parallel()
	up := newStreamingUpstream(t)
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "stream", Host: streamHost, PathPrefix: "/", Upstream: up.URL, Policy: "password"})
	}})
	c := h.newClient(t)
	c.signIn(streamHost, bob)

	body := c.stream(t, streamHost, "/events")

	// Past the gateway's first look at the session: still flowing.
	if n, ended := body.readFor(7 * time.Second); ended || n < 30 {
		t.Fatalf("a live session's stream: %d lines in 7 s, ended %t", n, ended)
	}
	c.api(streamHost, "logout", nil).wantStatus(t, http.StatusOK)
	if _, ended := body.readFor(12 * time.Second); !ended {
		t.Fatal("the stream still flows 12 s after its session was ended")
	}
}

// TestStreamOutlivesMaxAuthAge: a stream begun within its route's
// max_auth_age flows on when the proofs grow older than it on the way (a
// download begun a minute before the limit is not cut at the limit);
// only the session's end stops it.
func TestStreamOutlivesMaxAuthAge(t *testing.T) {
	t.Parallel()
	up := newStreamingUpstream(t)
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "stream", Host: streamHost, PathPrefix: "/", Upstream: up.URL, Policy: "password", MaxAuthAge: 5 * time.Minute})
	}})
	c := h.newClient(t)
	c.signIn(streamHost, bob)
	body := c.stream(t, streamHost, "/events")
	h.clock.Advance(6 * time.Minute) // the proofs are older than max_auth_age now
	if n, ended := body.readFor(7 * time.Second); ended || n < 30 {
		t.Fatalf("a stream past max_auth_age: %d lines in 7 s, ended %t", n, ended)
	}
}

// streamed is an answer being read a line at a time.
type streamed struct{ lines chan string }

// stream GETs path on host with the client's session cookie and reads
// the answer's non-empty lines as they come.
func (c *client) stream(t *testing.T, host, path string) streamed {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, c.h.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.AddCookie(&http.Cookie{Name: c.h.cfg.Session.CookieName, Value: c.cookie()})
	resp, err := http.DefaultClient.Do(req) //nolint:bodyclose // closed by the reader below, or by the test's context
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("stream answered %s", resp.Status)
	}
	s := streamed{lines: make(chan string)}
	go func() {
		defer resp.Body.Close()
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() == "" {
				continue
			}
			select {
			case s.lines <- sc.Text():
			case <-t.Context().Done():
				return
			}
		}
	}()
	return s
}

// readFor counts the lines that come within d, and says whether the
// answer ended meanwhile.
func (s streamed) readFor(d time.Duration) (n int, ended bool) {
	deadline := time.After(d)
	for {
		select {
		case _, ok := <-s.lines:
			if !ok {
				return n, true
			}
			n++
		case <-deadline:
			return n, false
		}
	}
}
