package frontdoor_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/pathcorpus"
)

// seen is a request as the app received it.
type seen struct {
	Method, Host, Path, RawQuery string
	RequestURI                   string // the request target as received
	Header                       http.Header
	BodyLen                      int64
	BodySum                      [sha256.Size]byte
	BodyErr                      error // reading the body failed (the front door gave up mid-body)
}

// app is the protected application: it records what reaches it, and
// reads every request with the path corpus's six routers
// (pathcorpus.Upstream), so that a test can tell which of the app's
// handlers a request reached (docs/contract.md, "Request paths").
type app struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []seen
	corpus pathcorpus.Upstream
}

func newApp(t *testing.T) *app {
	t.Helper()
	a := &app{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		s := seen{Method: r.Method, Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery, RequestURI: r.RequestURI,
			Header: r.Header.Clone(), BodyLen: n, BodyErr: err}
		h.Sum(s.BodySum[:0])
		a.mu.Lock()
		a.reqs = append(a.reqs, s)
		a.mu.Unlock()
		a.corpus.ServeHTTP(httptest.NewRecorder(), r)
		// A header injection in the app (checkAppRedirectsDecided): the
		// query's "inject-accel" becomes the answer's X-Accel-Redirect.
		if v := r.URL.Query().Get("inject-accel"); v != "" {
			w.Header().Set("X-Accel-Redirect", v)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "app: %s %s as %q", r.Method, r.URL.Path, r.Header.Get("X-Auth-User"))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// addr is the app's host:port.
func (a *app) addr() string { return a.srv.Listener.Addr().String() }

func (a *app) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.reqs)
}

func (a *app) last(t *testing.T) seen {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.reqs) == 0 {
		t.Fatal("no request reached the app")
	}
	return a.reqs[len(a.reqs)-1]
}
