package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestReloadedCookieNameLeaksNoSession: an operator renames the session
// cookie (session.cookie_name) by a reload. Browsers keep the cookie
// they got under the old name, a session id the store still holds (a
// remembered one for 30 days), and send it with every request. Before,
// the configuration serving after the reload removed only its own names
// from the requests it forwarded: the old cookie reached every app (and
// its logs), where whoever read it signed in as its owner under the new
// name. The names of the configurations a reload replaced stay removed
// (docs/contract.md, "Proxy mode", "Reload").
func TestReloadedCookieNameLeaksNoSession(t *testing.T) {
	w := &wsWorld{hup: make(chan os.Signal, 1), logs: &syncBuffer{}}
	w.reloadWorld = newReloadWorldTo(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.WriteString(rw, strings.Join(r.Header["Cookie"], "; "))
	}))
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Minute)
	var err error
	if w.hash, err = h.Hash(context.Background(), wsPassword); err != nil {
		t.Fatal(err)
	}
	w.writeUsers(t, "ops")
	bypass := "    bypass_paths: [\"/public\"]\n"
	w.write(t, "password", bypass)
	w.serve(t)
	old := w.signIn(t)

	w.write(t, "password", bypass)
	text, err := os.ReadFile(w.path)
	if err != nil {
		t.Fatal(err)
	}
	text = []byte(strings.Replace(string(text), "session:\n", "session:\n  cookie_name: gh_session\n", 1))
	if err := os.WriteFile(w.path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	w.reload(t)

	req, err := http.NewRequest(http.MethodGet, w.base+"/public/page", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "term.test"
	req.Header.Set("Cookie", "app=1; "+old.Name+"="+old.Value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(got) != "app=1" {
		t.Errorf("after the reload renamed the cookie, the app got Cookie %q (%d), want app=1", got, resp.StatusCode)
	}
	// A front door asking forward-auth about the same request is told
	// the Cookie to pass on.
	req, err = http.NewRequest(http.MethodGet, w.base+"/_gatehouse/authz/forward-auth", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"X-Forwarded-Method": "GET", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "term.test", "X-Forwarded-Uri": "/public/page"} {
		req.Header.Set(k, v)
	}
	req.Header.Set("Cookie", "app=1; "+old.Name+"="+old.Value)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if kept := resp.Header["Cookie"]; resp.StatusCode != http.StatusOK || len(kept) != 1 || kept[0] != "app=1" {
		t.Errorf("after the reload renamed the cookie, forward-auth answered %d with Cookie %q, want 200 with app=1", resp.StatusCode, kept)
	}
	if strings.Contains(string(got), old.Value) {
		req, _ := http.NewRequest(http.MethodGet, w.base+"/_gatehouse/api/session", nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Cookie", "gh_session="+old.Value)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("the id the app got, sent under the new name: %d", resp.StatusCode)
		}
	}
}
