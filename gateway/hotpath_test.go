package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/internal/headername"
)

// countingStore counts the calls the gateway makes to its store.
type countingStore struct {
	auth.Store
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingStore) count(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

func (c *countingStore) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.calls))
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

func (c *countingStore) Get(ctx context.Context, k string) ([]byte, error) {
	c.count("get")
	return c.Store.Get(ctx, k)
}

func (c *countingStore) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	c.count("set")
	return c.Store.Set(ctx, k, v, ttl)
}

func (c *countingStore) SetNX(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	c.count("setnx")
	return c.Store.SetNX(ctx, k, v, ttl)
}

func (c *countingStore) SetIfExists(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	c.count("setxx")
	return c.Store.SetIfExists(ctx, k, v, ttl)
}

func (c *countingStore) Delete(ctx context.Context, k string) (bool, error) {
	c.count("delete")
	return c.Store.Delete(ctx, k)
}

func (c *countingStore) Expire(ctx context.Context, k string, ttl time.Duration) (bool, error) {
	c.count("expire")
	return c.Store.Expire(ctx, k, ttl)
}

func (c *countingStore) Incr(ctx context.Context, k string, w time.Duration) (int64, error) {
	c.count("incr")
	return c.Store.Incr(ctx, k, w)
}

func (c *countingStore) TTL(ctx context.Context, k string) (time.Duration, error) {
	c.count("ttl")
	return c.Store.TTL(ctx, k)
}

// TestHotPathReadsOnceAndWritesNothing pins the store traffic of a signed-in
// request: exactly one read (the session, every time: nothing is served
// from memory that the store might have deleted), no write, and the idle
// expiry slid at most once per idle_timeout/10.
func TestHotPathReadsOnceAndWritesNothing(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer up.Close()
	clock := storetest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	store := &countingStore{Store: memstore.New(clock), calls: map[string]int{}}
	h := newHotServer(t, hotSetup{clock: clock, store: store, upstream: up.URL})
	handler := h.srv.Handler()
	gw := httptest.NewServer(handler)
	defer gw.Close()

	check := func() {
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, forwardAuthRequest(h.srv, h.cookie))
		if w.Code != http.StatusOK {
			t.Fatalf("forward-auth: %d, want 200", w.Code)
		}
		r, _ := http.NewRequest(http.MethodGet, gw.URL+"/dashboard", nil)
		r.Host = "app.example.com"
		r.Header.Set("Cookie", h.srv.sessionCookieName()+"="+h.cookie)
		resp, err := gw.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("proxy: %d, want 200", resp.StatusCode)
		}
	}
	before := store.snapshot()
	const n = 50
	for range n {
		check()
	}
	got := store.snapshot()
	if reads := got["get"] - before["get"]; reads != 2*n {
		t.Errorf("%d requests read the store %d times, want once each", 2*n, reads)
	}
	for _, op := range []string{"set", "setnx", "setxx", "delete", "incr"} {
		if got[op] != before[op] {
			t.Errorf("signed-in requests wrote to the store: %d %s", got[op]-before[op], op)
		}
	}
	if e := got["expire"] - before["expire"]; e > 1 {
		t.Errorf("%d idle refreshes within idle_timeout/10, want at most 1", e)
	}

	clock.Advance(h.srv.cfg.Session.IdleTimeout/10 + time.Second)
	before = got
	for range n {
		check()
	}
	got = store.snapshot()
	if e := got["expire"] - before["expire"]; e != 1 {
		t.Errorf("%d idle refreshes after idle_timeout/10, want exactly 1", e)
	}
	if got["set"] != before["set"] || got["setxx"] != before["setxx"] {
		t.Error("the idle refresh rewrote the session instead of sliding its expiry")
	}

	// The store is asked every time: a session deleted elsewhere (logout
	// on another replica) is refused at once.
	if err := h.sessions.Delete(context.Background(), h.cookie); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, forwardAuthRequest(h.srv, h.cookie))
	if w.Code == http.StatusOK {
		t.Fatal("a deleted session still passes forward-auth")
	}
}

func TestAssertionReuse(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	h := newHotServer(t, hotSetup{clock: clock})
	ctx := context.Background()
	load := func(id string) *auth.Session {
		t.Helper()
		s, err := h.sessions.Load(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	alice := func() *auth.User {
		u, _ := h.users.Lookup(ctx, "alice")
		return u
	}
	get := func(s *auth.Session, route string, u *auth.User) identity {
		t.Helper()
		id, err := h.srv.asserts.identity(s, route, u)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	verify := func(tok, aud string) *auth.AssertionClaims {
		t.Helper()
		c, err := auth.VerifyAssertion(tok, h.srv.signer.Keys(), "https://auth.example.com", aud, clock.Now)
		if err != nil {
			t.Fatalf("assertion does not verify: %v", err)
		}
		return c
	}
	sess := load(h.cookie)
	first := get(sess, "app", alice())
	verify(first.assertion, "app")
	if first.groups != "staff,admins" || first.methods != "pwd,sms" || first.user != "alice" {
		t.Fatalf("identity %+v", first)
	}

	t.Run("reused while fresh, by every session of the person", func(t *testing.T) {
		other := load(h.signIn(t, "alice"))
		if got := get(other, "app", alice()); got.assertion != first.assertion {
			t.Error("a second session of the same person signed a new assertion")
		}
		clock.Advance(h.srv.cfg.Identity.AssertionTTL / 2)
		if got := get(sess, "app", alice()); got.assertion != first.assertion {
			t.Error("assertion re-signed at half its lifetime")
		}
		if allocs := testing.AllocsPerRun(100, func() { get(sess, "app", alice()) }); allocs > 1 { // 1: the user copy
			t.Errorf("a cache hit allocates %.0f times", allocs)
		}
	})
	t.Run("renewed after three quarters of its lifetime", func(t *testing.T) {
		clock.Advance(h.srv.cfg.Identity.AssertionTTL/4 + time.Second)
		got := get(sess, "app", alice())
		if got.assertion == first.assertion {
			t.Fatal("assertion reused past three quarters of its lifetime")
		}
		verify(got.assertion, "app")
	})
	t.Run("a changed user gets a new assertion at once", func(t *testing.T) {
		before := get(sess, "app", alice())
		for _, change := range []func(u *auth.User){
			func(u *auth.User) { u.Groups = []string{"staff"} },
			func(u *auth.User) { u.Email = "alice@new.example.com" },
			func(u *auth.User) { u.DisplayName = "Alice Renamed" },
			func(u *auth.User) { u.Phone = "+12015550199" },
		} {
			u := alice()
			change(u)
			got := get(sess, "app", u)
			if got.assertion == before.assertion {
				t.Fatalf("user changed to %+v but the old assertion came back", u)
			}
			c := verify(got.assertion, "app")
			if c.Email != u.Email || c.Name != u.DisplayName || strings.Join(c.Groups, ",") != strings.Join(u.Groups, ",") {
				t.Fatalf("new assertion asserts %+v, user is %+v", c, u)
			}
			if got.phone != u.Phone {
				t.Fatalf("phone header %q, user has %q", got.phone, u.Phone)
			}
		}
	})
	t.Run("per route and per proved methods", func(t *testing.T) {
		u := alice()
		app := get(sess, "app", u)
		wiki := get(sess, "wiki", u)
		if wiki.assertion == app.assertion {
			t.Fatal("two routes share an assertion")
		}
		verify(wiki.assertion, "wiki")
		pwdOnly := *sess
		pwdOnly.Proofs = []auth.Proof{{Method: auth.MethodPassword, At: clock.Now().Unix()}}
		got := get(&pwdOnly, "app", u)
		if got.methods != "pwd" {
			t.Fatalf("methods header %q, want pwd", got.methods)
		}
		if c := verify(got.assertion, "app"); strings.Join(c.AMR, ",") != "pwd" {
			t.Fatalf("amr %v for a password-only session", c.AMR)
		}
	})
}

func TestIdentityHeaderVariantsStripped(t *testing.T) {
	h := newHotServer(t, hotSetup{})
	ih := h.srv.headers
	for name, want := range map[string]bool{
		"X-Auth-User": true, "x-auth-user": true, "X_AUTH_USER": true, "x_Auth-user": true,
		"X.Auth.User": true, "x~auth+user": true, "X!Auth*Groups": true, "XAuthUser": false,
		"X-Auth-Assertion": true, "X-Auth-Groups": true, "X-Auth-Methods": true,
		"X-Auth-Users": false, "X-Auth-Use": false, "X-Auth-User-Agent": false, "Cookie": false,
		"X-Forwarded-User": false, "": false,
	} {
		if got := ih.isIdentity(name); got != want {
			t.Errorf("isIdentity(%q) = %v, want %v", name, got, want)
		}
	}
}

func FuzzIdentityHeaderMatch(f *testing.F) {
	h := newHotServer(f, hotSetup{})
	ih := h.srv.headers
	want := map[string]bool{}
	for _, n := range append(ih.canon[:], defaultIdentityNames()...) {
		if n != "" {
			want[headername.Normal(n)] = true
		}
	}
	f.Add("X_AUTH_USER")
	f.Add("x-auth-assertion")
	f.Fuzz(func(t *testing.T, name string) {
		if got := ih.isIdentity(name); got != want[headername.Normal(name)] && isASCII(name) {
			t.Fatalf("isIdentity(%q) = %v; the normalised comparison says %v", name, got, !got)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestRequestIDs(t *testing.T) {
	form := regexp.MustCompile(`^[A-Za-z0-9_-]{16}$`)
	seen := map[string]bool{}
	for range 10000 {
		id := newRequestID()
		if !form.MatchString(id) {
			t.Fatalf("request id %q is not 16 base64url characters", id)
		}
		if seen[id] {
			t.Fatalf("request id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestRefusedLoginsAreSlowed(t *testing.T) {
	const delay = 300 * time.Millisecond
	h := newHotServer(t, hotSetup{refused: delay})
	gw := httptest.NewServer(h.srv.Handler())
	defer gw.Close()
	post := func(body string) (int, time.Duration) {
		t.Helper()
		start := time.Now()
		resp, err := gw.Client().Post(gw.URL+"/_gatehouse/api/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}
	for _, body := range []string{
		`{"username":"alice","password":"wrong"}`,
		`{"username":"nobody","password":"wrong"}`,
	} {
		code, took := post(body)
		if code != http.StatusUnauthorized {
			t.Fatalf("%s: %d, want 401", body, code)
		}
		if took < delay {
			t.Errorf("%s refused after %v, want at least %v", body, took, delay)
		}
	}
	if code, took := post(`{"username":`); code != http.StatusBadRequest || took >= delay {
		t.Errorf("a malformed request: %d after %v, want 400 at once", code, took)
	}
}

func TestAllowedCheckCarriesNoBrowserHeaders(t *testing.T) {
	h := newHotServer(t, hotSetup{})
	w := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(w, forwardAuthRequest(h.srv, h.cookie))
	if w.Code != http.StatusOK {
		t.Fatalf("forward-auth: %d", w.Code)
	}
	for _, k := range []string{"X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Strict-Transport-Security", "Pragma"} {
		if v := w.Header().Get(k); v != "" {
			t.Errorf("allowed check sends %s: %s", k, v)
		}
	}
	if w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("X-Auth-User") != "alice" {
		t.Errorf("allowed check headers %v", w.Header())
	}
	// A refusal may be shown to the browser: it keeps them.
	w = httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(w, forwardAuthRequest(h.srv, "not-a-session"))
	if w.Code == http.StatusOK {
		t.Fatal("forward-auth let an unknown session through")
	}
	for _, k := range []string{"X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Strict-Transport-Security"} {
		if w.Header().Get(k) == "" {
			t.Errorf("refusal without %s", k)
		}
	}
}

// TestSharedIdentityValuesStayIntact: allowed checks share their identity
// header values (identity.values); adding to one response's headers must
// not show in the next.
func TestSharedIdentityValuesStayIntact(t *testing.T) {
	h := newHotServer(t, hotSetup{})
	for range 3 {
		w := &discardWriter{h: http.Header{}}
		h.srv.Handler().ServeHTTP(w, forwardAuthRequest(h.srv, h.cookie))
		if got := w.h.Values("X-Auth-User"); w.code != http.StatusOK || len(got) != 1 || got[0] != "alice" {
			t.Fatalf("status %d, X-Auth-User %q; want 200, [alice]", w.code, got)
		}
		w.h.Add("X-Auth-User", "mallory")
		w.h.Add("X-Auth-Email", "mallory@example.com")
	}
}
