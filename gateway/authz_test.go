package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/prometheus/client_golang/prometheus"
)

// faultyStore is a store whose reads can be made to fail, panic or return
// a corrupt session.
type faultyStore struct {
	auth.Store
	mode atomic.Value // string: "", "down", "panic", "abort", "corrupt"
}

func (f *faultyStore) Get(ctx context.Context, k string) ([]byte, error) {
	switch mode, _ := f.mode.Load().(string); mode {
	case "down":
		return nil, fmt.Errorf("%w: connection refused", auth.ErrStoreUnavailable)
	case "panic":
		panic("store exploded")
	case "abort":
		panic(http.ErrAbortHandler)
	case "corrupt":
		return []byte("{not json"), nil
	}
	return f.Store.Get(ctx, k)
}

// brokenUsers fails every lookup of "broken".
type brokenUsers struct{ auth.UserBackend }

func (b brokenUsers) Lookup(ctx context.Context, login string) (*auth.User, error) {
	if login == "broken" {
		return nil, errors.New("user backend down")
	}
	return b.UserBackend.Lookup(ctx, login)
}

// authzCase is one request to a forward-auth target (or next to one).
type authzCase struct {
	name   string
	method string // of the request to Gatehouse; GET if empty
	path   string // the forward-auth target if empty
	remote string // 127.0.0.1:41000 (trusted) if empty
	https  bool
	header http.Header
	cookie string // session cookie value
	fault  string // faultyStore mode

	want     int    // status
	user     string // X-Auth-User of an allowed check
	location string // "login": Location is the portal's login page
	reqID    string // "kept": the incoming X-Request-Id is kept; "new": replaced
}

// authzReply is everything a client and an operator see of one request.
type authzReply struct {
	status  int
	header  http.Header
	body    string
	logs    []map[string]any
	metrics map[string]float64
	panic   any
}

// TestAuthzOutcomes sends both forward-auth endpoints every kind of
// request a front door (or an attacker next to one) can send, and checks
// what the front door and the operator see: the status, the identity of
// an allowed check, the login location, the request id, no-store, the
// browser security headers on refusals only, and the access log line (at
// debug for allowed checks, at info otherwise), at info and debug level.
func TestAuthzOutcomes(t *testing.T) {
	store := &faultyStore{Store: memstore.New(auth.SystemClock{})}
	var logs bytes.Buffer
	level := new(slog.LevelVar)
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: level})))
	reg := prometheus.NewRegistry()
	h := newHotServer(t, hotSetup{store: store, log: logger, reg: reg})
	h.srv.users = brokenUsers{h.srv.users}
	h.users["bob"] = &auth.User{Username: "bob", Email: "bob@example.com", Groups: []string{"staff"}}
	h.users["carol"] = &auth.User{Username: "carol", Disabled: true}
	h.users["broken"] = &auth.User{Username: "broken"}
	h.users["erin"] = &auth.User{Username: "erin", Email: "erin@example.com", Generation: "before-a-password-change"}
	now := time.Now().Unix()
	session := func(user string, proofs ...auth.Proof) string {
		sess, err := h.sessions.New()
		if err != nil {
			t.Fatal(err)
		}
		sess.User, sess.Proofs = user, proofs
		if u, ok := h.users[user]; ok {
			sess.Gen = u.Generation
		}
		if err := h.sessions.Save(context.Background(), sess); err != nil {
			t.Fatal(err)
		}
		return sess.ID
	}
	pwd, sms := auth.Proof{Method: auth.MethodPassword, At: now}, auth.Proof{Method: auth.MethodSMS, At: now}
	oldPwd, oldSMS := auth.Proof{Method: auth.MethodPassword, At: now - 3600}, auth.Proof{Method: auth.MethodSMS, At: now - 3600}
	alice, pwdOnly, stale := h.cookie, session("alice", pwd), session("alice", oldPwd, oldSMS)
	bob, carol, gone, broken, pending := session("bob", pwd, sms), session("carol", pwd, sms), session("dave", pwd, sms), session("broken", pwd, sms), session("")
	changed := session("erin", pwd, sms)
	h.users["erin"].Generation = "after-a-password-change"

	fwd := func(proto, host, uri string, more ...string) http.Header {
		hd := http.Header{"X-Forwarded-Proto": {proto}, "X-Forwarded-Host": {host}, "X-Forwarded-Uri": {uri}}
		for i := 0; i+1 < len(more); i += 2 {
			hd[http.CanonicalHeaderKey(more[i])] = []string{more[i+1]}
		}
		return hd
	}
	app := func(more ...string) http.Header { return fwd("https", "app.example.com", "/dashboard?tab=1", more...) }
	html := []string{"Accept", "text/html,application/xhtml+xml"}
	ngx := func(u string, more ...string) http.Header {
		hd := http.Header{"X-Original-Url": {u}}
		for i := 0; i+1 < len(more); i += 2 {
			hd[http.CanonicalHeaderKey(more[i])] = []string{more[i+1]}
		}
		return hd
	}
	prefix := h.srv.prefix
	ar := prefix + "/authz/auth-request"
	cases := []authzCase{
		{name: "allowed", header: app(), cookie: alice, want: 200, user: "alice"},
		{name: "allowed, forged identity", header: app("X-Auth-User", "mallory", "X_Auth_Groups", "admins"), cookie: alice, want: 200, user: "alice"},
		{name: "allowed, nginx", path: ar, header: ngx("https://app.example.com/dashboard?tab=1"), cookie: alice, want: 200, user: "alice"},
		{name: "allowed, port, odd query", header: fwd("http", "App.Example.com:8443", "/b/c/?x=%zz&y"), cookie: alice, want: 200, user: "alice"},
		{name: "dot and empty segments", header: fwd("http", "app.example.com", "/a/../b//c/"), cookie: alice, want: 400},
		{name: "dot segments, nginx", path: ar, header: ngx("https://app.example.com/public/..;/x"), want: 403},
		{name: "allowed, nginx, uppercase scheme", path: ar, header: ngx("HTTPS://app.example.com/x"), cookie: alice, want: 200, user: "alice"},
		{name: "allowed, nginx, no path", path: ar, header: ngx("https://app.example.com?x=1"), cookie: alice, want: 200, user: "alice"},
		{name: "allowed, encoded path", header: fwd("https", "app.example.com", "/caf%C3%A9/x%20y"), cookie: alice, want: 200, user: "alice"},
		{name: "allowed, https peer", https: true, header: app(), cookie: alice, want: 200, user: "alice"},
		{name: "no session, browser", header: app(html...), want: 302, location: "login"},
		{name: "no session, browser, nginx", path: ar, header: ngx("https://app.example.com/dashboard?tab=1", html...), want: 401, location: "login"},
		{name: "no session, browser, non-ASCII URL", header: fwd("https", "app.example.com", "/d%C3%A9j%C3%A0?q=a b", html...), want: 302, location: "login"},
		{name: "no session, API", header: app(), want: 401},
		{name: "no session, POST", header: app(append([]string{"X-Forwarded-Method", "POST"}, html...)...), want: 401},
		{name: "no session, https", https: true, header: app(html...), want: 302, location: "login"},
		{name: "forwarded https", header: app("X-Forwarded-Proto", "HTTPS"), want: 401},
		{name: "pending session", header: app(html...), cookie: pending, want: 302, location: "login"},
		{name: "step-up", header: app(html...), cookie: pwdOnly, want: 302, location: "login"},
		{name: "step-up, nginx", path: ar, header: ngx("https://app.example.com/", html...), cookie: pwdOnly, want: 401, location: "login"},
		{name: "password again", header: fwd("https", "crm.example.com", "/admin/users", html...), cookie: stale, want: 302, location: "login"},
		{name: "forbidden by group", header: fwd("https", "crm.example.com", "/admin/"), cookie: bob, want: 403},
		{name: "disabled user", header: app(html...), cookie: carol, want: 302, location: "login"},
		{name: "deleted user", header: app(), cookie: gone, want: 401},
		{name: "credentials changed", header: app(), cookie: changed, want: 401},
		{name: "credentials changed, browser", header: app(html...), cookie: changed, want: 302, location: "login"},
		{name: "user backend down", header: app(), cookie: broken, want: 500},
		{name: "unknown session", header: app(), cookie: strings.Repeat("x", 43), want: 401},
		{name: "store down", header: app(), cookie: alice, fault: "down", want: 503},
		{name: "store down, browser", header: app(html...), cookie: alice, fault: "down", want: 503},
		{name: "corrupt session", header: app(), cookie: alice, fault: "corrupt", want: 401},
		{name: "panic", header: app(), cookie: alice, fault: "panic", want: 500},
		{name: "panic, https", https: true, header: app(), cookie: alice, fault: "panic", want: 500},
		{name: "abort", header: app(), cookie: alice, fault: "abort"},
		{name: "no route", header: fwd("https", "unknown.example.org", "/"), cookie: alice, want: 403},
		{name: "bypass path", header: fwd("https", "crm.example.com", "/static/app.css"), want: 200},
		{name: "bypass route", header: fwd("https", "anything.example.net", "/public/logo.png"), want: 200},
		{name: "portal", header: fwd("https", "auth.example.com", prefix+"/login?rd=x"), want: 200},
		{name: "portal prefix then dot-dot", header: fwd("https", "auth.example.com", prefix+"/..;/admin/secret"), want: 400},
		{name: "portal prefix with a parameter", header: fwd("https", "auth.example.com", prefix+";x/admin"), want: 400},
		{name: "untrusted peer", remote: "203.0.113.9:5000", header: app(), cookie: alice, want: 401},
		{name: "untrusted peer, ipv6", remote: "[2001:db8::1]:5000", header: app(), cookie: alice, want: 401},
		{name: "bad remote address", remote: "nonsense", header: app(), cookie: alice, want: 401},
		{name: "no forwarded headers", cookie: alice, want: 401},
		{name: "bad proto", header: fwd("ftp", "app.example.com", "/"), cookie: alice, want: 401},
		{name: "relative uri", header: fwd("https", "app.example.com", "dashboard"), cookie: alice, want: 400},
		{name: "encoded slash", header: fwd("https", "app.example.com", "/a%2Fb"), cookie: alice, want: 400},
		{name: "backslash", header: fwd("https", "app.example.com", "/a\\b"), cookie: alice, want: 400},
		{name: "bad host", header: fwd("https", "app example.com", "/"), cookie: alice, want: 401},
		{name: "nginx, no URL", path: ar, cookie: alice, want: 401},
		{name: "nginx, relative URL", path: ar, header: ngx("/dashboard"), cookie: alice, want: 401},
		{name: "nginx, other scheme", path: ar, header: ngx("ftp://app.example.com/"), cookie: alice, want: 401},
		{name: "request id kept from a trusted proxy", header: app("X-Request-Id", "front-door-id-1"), cookie: alice, want: 200, user: "alice", reqID: "kept"},
		{name: "request id kept on a refusal", header: app("X-Request-Id", "front-door-id-2"), want: 401, reqID: "kept"},
		{name: "request id from an untrusted peer", remote: "203.0.113.9:5000", header: app("X-Request-Id", "client-chosen"), want: 401, reqID: "new"},
		{name: "request id too long", header: app("X-Request-Id", strings.Repeat("a", 129)), cookie: alice, want: 200, user: "alice", reqID: "new"},
		{name: "request id with a space", header: app("X-Request-Id", "a b"), cookie: alice, want: 200, user: "alice", reqID: "new"},
		{name: "HEAD", method: http.MethodHead, header: app(), cookie: alice, want: 405},
		{name: "POST", method: http.MethodPost, header: app(), cookie: alice, want: 405},
		{name: "trailing slash", path: prefix + "/authz/forward-auth/", header: app(), cookie: alice, want: 404},
		{name: "query string", path: prefix + "/authz/forward-auth?x=1", header: app(), cookie: alice, want: 200, user: "alice"},
	}

	handler := h.srv.Handler()
	for _, lv := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		level.Set(lv)
		for _, tc := range cases {
			t.Run(lv.String()+"/"+tc.name, func(t *testing.T) {
				store.mode.Store(tc.fault)
				defer store.mode.Store("")
				checkAuthzReply(t, h.srv, tc, lv, serveAuthzCase(t, h.srv, handler, tc, &logs, reg))
			})
		}
	}
}

// serveAuthzCase sends tc to handler and collects what it answered,
// logged and counted.
func serveAuthzCase(t *testing.T, s *Server, handler http.Handler, tc authzCase, logs *bytes.Buffer, reg *prometheus.Registry) authzReply {
	t.Helper()
	method, path, scheme := tc.method, tc.path, "http"
	if method == "" {
		method = http.MethodGet
	}
	if path == "" {
		path = s.prefix + "/authz/forward-auth"
	}
	if tc.https {
		scheme = "https"
	}
	r := httptest.NewRequest(method, scheme+"://gatehouse:8080"+path, nil)
	r.RemoteAddr = "127.0.0.1:41000"
	if tc.remote != "" {
		r.RemoteAddr = tc.remote
	}
	for k, v := range tc.header {
		r.Header[k] = slices.Clone(v)
	}
	if tc.cookie != "" {
		r.AddCookie(&http.Cookie{Name: s.sessionCookieName(), Value: tc.cookie})
	}
	before := gatherCounts(t, reg)
	logs.Reset()
	w := httptest.NewRecorder()
	var out authzReply
	func() {
		defer func() { out.panic = recover() }()
		handler.ServeHTTP(w, r)
	}()
	res := w.Result()
	out.status, out.header, out.body = res.StatusCode, res.Header, w.Body.String()
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		delete(m, "time")
		if _, ok := m["duration"]; ok {
			m["duration"] = "(some)"
		}
		out.logs = append(out.logs, m)
	}
	out.metrics = gatherCounts(t, reg)
	for k, v := range before {
		out.metrics[k] -= v
		if out.metrics[k] == 0 {
			delete(out.metrics, k)
		}
	}
	return out
}

// gatherCounts returns every counter's value and every histogram's
// sample count in reg, by series.
func gatherCounts(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			key := mf.GetName() + "{" + strings.Join(labels, ",") + "}"
			if c := m.GetCounter(); c != nil {
				out[key] = c.GetValue()
			}
			if hg := m.GetHistogram(); hg != nil {
				out[key+"count"] = float64(hg.GetSampleCount())
			}
		}
	}
	return out
}

// checkAuthzReply checks what the front door and the operator see of
// one forward-auth answer against tc's expectations, logged at level lv.
func checkAuthzReply(t *testing.T, s *Server, tc authzCase, lv slog.Level, got authzReply) {
	t.Helper()
	if tc.fault == "abort" {
		if got.panic != http.ErrAbortHandler { //nolint:errorlint // net/http matches the recovered value by identity, so the test does too
			t.Fatalf("panic %v, want http.ErrAbortHandler passed on to net/http", got.panic)
		}
		return
	}
	if got.panic != nil {
		t.Fatalf("panic %v escaped the handler", got.panic)
	}
	if got.status != tc.want {
		t.Fatalf("status %d, want %d (body %q)", got.status, tc.want, got.body)
	}
	h := got.header
	if got.status == http.StatusMethodNotAllowed && h.Get("Allow") != "GET" {
		t.Errorf("Allow %q, want GET", h.Get("Allow"))
	}
	if got.status != http.StatusNotFound && h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", h.Get("Cache-Control"))
	}
	allowed := got.status == http.StatusOK
	if user := h.Get("X-Auth-User"); allowed && user != tc.user {
		t.Errorf("X-Auth-User %q, want %q", user, tc.user)
	}
	if allowed {
		if _, ok := h["X-Auth-User"]; !ok {
			t.Error("an allowed check must carry every identity header, empty if unknown")
		}
		if h.Get("X-Frame-Options") != "" || h.Get("Content-Security-Policy") != "" {
			t.Errorf("an allowed check carries browser headers: %v", h)
		}
	} else if got.status != http.StatusNotFound {
		if h.Get("X-Auth-User") != "" {
			t.Errorf("a refusal names a user: %v", h)
		}
		if h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("a refusal, which the front door may show to the browser, lacks the browser security headers: %v", h)
		}
	}
	switch loc := h.Get("Location"); {
	case tc.location == "login":
		if !strings.HasPrefix(loc, s.publicURL.String()+s.prefix+"/login?rd=") {
			t.Errorf("Location %q, want the portal's login page", loc)
		}
	case loc != "":
		t.Errorf("Location %q on an answer that is not a login", loc)
	}
	id := h.Get("X-Request-Id")
	incoming := tc.header.Get("X-Request-Id")
	switch {
	case id == "":
		t.Error("no X-Request-Id")
	case tc.reqID == "kept" && id != incoming:
		t.Errorf("X-Request-Id %q, want the trusted front door's %q", id, incoming)
	case tc.reqID == "new" && (id == incoming || len(id) != 16):
		t.Errorf("X-Request-Id %q, want a new one instead of %q", id, incoming)
	}
	var access []map[string]any
	for _, l := range got.logs {
		if l["request_id"] != id {
			t.Errorf("log line %v has not the response's request id %q", l, id)
		}
		if l["msg"] == "request" {
			access = append(access, l)
		}
	}
	wantLevel := "INFO"
	if allowed {
		wantLevel = "DEBUG"
	}
	switch {
	case wantLevel == "DEBUG" && lv > slog.LevelDebug:
		if len(access) != 0 {
			t.Errorf("an allowed check logged %v at info level", access)
		}
	case len(access) != 1:
		t.Errorf("access lines %v, want one", access)
	case access[0]["level"] != wantLevel || access[0]["status"] != float64(got.status):
		t.Errorf("access line %v, want level %s and status %d", access[0], wantLevel, got.status)
	}
}
