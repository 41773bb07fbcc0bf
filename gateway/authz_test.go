package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
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

// TestAuthzMatchesReference holds the lean chain of the forward-auth
// targets (authz.go) to the gin chain they had before
// (authz_reference_test.go): for every outcome, the same status, headers,
// body, access and error log lines (request ids included, as each
// response's own) and metrics, at info and at debug level.
func TestAuthzMatchesReference(t *testing.T) {
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
		{name: "allowed", header: app(), cookie: alice},
		{name: "allowed, forged identity", header: app("X-Auth-User", "mallory", "X_Auth_Groups", "admins"), cookie: alice},
		{name: "allowed, nginx", path: ar, header: ngx("https://app.example.com/dashboard?tab=1"), cookie: alice},
		{name: "allowed, port and odd path", header: fwd("http", "App.Example.com:8443", "/a/../b//c/?x=%zz&y"), cookie: alice},
		{name: "allowed, nginx, uppercase scheme", path: ar, header: ngx("HTTPS://app.example.com/x"), cookie: alice},
		{name: "allowed, nginx, no path", path: ar, header: ngx("https://app.example.com?x=1"), cookie: alice},
		{name: "allowed, encoded path", header: fwd("https", "app.example.com", "/caf%C3%A9/x%20y"), cookie: alice},
		{name: "allowed, https peer", https: true, header: app(), cookie: alice},
		{name: "no session, browser", header: app(html...)},
		{name: "no session, browser, nginx", path: ar, header: ngx("https://app.example.com/dashboard?tab=1", html...)},
		{name: "no session, browser, non-plain URL", header: fwd("https", "app.example.com", "/d%C3%A9j%C3%A0?q=a b", html...)},
		{name: "no session, API", header: app()},
		{name: "no session, POST", header: app(append([]string{"X-Forwarded-Method", "POST"}, html...)...)},
		{name: "no session, https", https: true, header: app(html...)},
		{name: "forwarded https", header: app("X-Forwarded-Proto", "HTTPS")},
		{name: "pending session", header: app(html...), cookie: pending},
		{name: "step-up", header: app(html...), cookie: pwdOnly},
		{name: "step-up, nginx", path: ar, header: ngx("https://app.example.com/", html...), cookie: pwdOnly},
		{name: "password again", header: fwd("https", "crm.example.com", "/admin/users", html...), cookie: stale},
		{name: "forbidden by group", header: fwd("https", "crm.example.com", "/admin/"), cookie: bob},
		{name: "disabled user", header: app(html...), cookie: carol},
		{name: "deleted user", header: app(), cookie: gone},
		{name: "credentials changed", header: app(), cookie: changed},
		{name: "credentials changed, browser", header: app(html...), cookie: changed},
		{name: "user backend down", header: app(), cookie: broken},
		{name: "unknown session", header: app(), cookie: strings.Repeat("x", 43)},
		{name: "store down", header: app(), cookie: alice, fault: "down"},
		{name: "store down, browser", header: app(html...), cookie: alice, fault: "down"},
		{name: "corrupt session", header: app(), cookie: alice, fault: "corrupt"},
		{name: "panic", header: app(), cookie: alice, fault: "panic"},
		{name: "panic, https", https: true, header: app(), cookie: alice, fault: "panic"},
		{name: "abort", header: app(), cookie: alice, fault: "abort"},
		{name: "no route", header: fwd("https", "unknown.example.org", "/"), cookie: alice},
		{name: "bypass path", header: fwd("https", "crm.example.com", "/static/app.css")},
		{name: "bypass route", header: fwd("https", "anything.example.net", "/public/logo.png")},
		{name: "portal", header: fwd("https", "auth.example.com", prefix+"/login?rd=x")},
		{name: "untrusted peer", remote: "203.0.113.9:5000", header: app(), cookie: alice},
		{name: "untrusted peer, ipv6", remote: "[2001:db8::1]:5000", header: app(), cookie: alice},
		{name: "bad remote address", remote: "nonsense", header: app(), cookie: alice},
		{name: "no forwarded headers", cookie: alice},
		{name: "bad proto", header: fwd("ftp", "app.example.com", "/"), cookie: alice},
		{name: "relative uri", header: fwd("https", "app.example.com", "dashboard"), cookie: alice},
		{name: "encoded slash", header: fwd("https", "app.example.com", "/a%2Fb"), cookie: alice},
		{name: "backslash", header: fwd("https", "app.example.com", "/a\\b"), cookie: alice},
		{name: "bad host", header: fwd("https", "app example.com", "/"), cookie: alice},
		{name: "nginx, no URL", path: ar, cookie: alice},
		{name: "nginx, relative URL", path: ar, header: ngx("/dashboard"), cookie: alice},
		{name: "nginx, other scheme", path: ar, header: ngx("ftp://app.example.com/"), cookie: alice},
		{name: "request id kept from a trusted proxy", header: app("X-Request-Id", "front-door-id-1"), cookie: alice},
		{name: "request id kept on a refusal", header: app("X-Request-Id", "front-door-id-2")},
		{name: "request id from an untrusted peer", remote: "203.0.113.9:5000", header: app("X-Request-Id", "client-chosen")},
		{name: "request id too long", header: app("X-Request-Id", strings.Repeat("a", 129)), cookie: alice},
		{name: "request id with a space", header: app("X-Request-Id", "a b"), cookie: alice},
		{name: "HEAD", method: http.MethodHead, header: app(), cookie: alice},
		{name: "POST", method: http.MethodPost, header: app(), cookie: alice},
		{name: "trailing slash", path: prefix + "/authz/forward-auth/", header: app(), cookie: alice},
		{name: "query string", path: prefix + "/authz/forward-auth?x=1", header: app(), cookie: alice},
	}

	lean, ref := h.srv.Handler(), referenceEngine(h.srv)
	for _, lv := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		level.Set(lv)
		for _, tc := range cases {
			t.Run(lv.String()+"/"+tc.name, func(t *testing.T) {
				store.mode.Store(tc.fault)
				defer store.mode.Store("")
				want := serveAuthzCase(t, h.srv, ref, tc, &logs, reg)
				got := serveAuthzCase(t, h.srv, lean, tc, &logs, reg)
				compareAuthzReplies(t, tc, got, want)
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

// compareAuthzReplies checks that got (the lean chain's) is want (the
// reference's), but for the request ids each made up: those must be sane,
// the same in the response and every log line, and kept or replaced alike.
func compareAuthzReplies(t *testing.T, tc authzCase, got, want authzReply) {
	t.Helper()
	if got.panic != want.panic {
		t.Fatalf("panic %v, reference %v", got.panic, want.panic)
	}
	if want.panic != nil {
		return
	}
	incoming := tc.header.Get("X-Request-Id")
	for _, r := range []*authzReply{&got, &want} {
		id := r.header.Get("X-Request-Id")
		if id == "" {
			t.Fatalf("no X-Request-Id in %v", r.header)
		}
		if id != incoming && len(id) != 16 {
			t.Errorf("request id %q is neither the incoming one nor a new one", id)
		}
		for _, l := range r.logs {
			if l["request_id"] != id {
				t.Errorf("log line %v has not the response's request id %q", l, id)
			}
			delete(l, "request_id")
		}
	}
	if kept := got.header.Get("X-Request-Id") == incoming; kept != (want.header.Get("X-Request-Id") == incoming) {
		t.Errorf("incoming request id kept: %t, by the reference: %t", kept, !kept)
	}
	got.header.Del("X-Request-Id")
	want.header.Del("X-Request-Id")
	if got.status != want.status {
		t.Errorf("status %d, reference %d", got.status, want.status)
	}
	if !maps.EqualFunc(got.header, want.header, slices.Equal) {
		t.Errorf("headers\n%v\nreference\n%v", got.header, want.header)
	}
	if got.body != want.body {
		t.Errorf("body %q, reference %q", got.body, want.body)
	}
	if fmt.Sprint(got.logs) != fmt.Sprint(want.logs) {
		t.Errorf("logs\n%v\nreference\n%v", got.logs, want.logs)
	}
	if !maps.Equal(got.metrics, want.metrics) {
		t.Errorf("metrics %v, reference %v", got.metrics, want.metrics)
	}
}
