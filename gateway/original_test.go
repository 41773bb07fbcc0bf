package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

// TestOriginal pins how both forward-auth endpoints read the request a
// front door asks about: what is refused as a misconfigured front door
// (401), what as an ambiguous path (bad_path), and what is read.
func TestOriginal(t *testing.T) {
	tests := []struct {
		proto, host, uri, method string
		wantErr                  error
		wantHost, wantPath, url  string
	}{
		{"https", "app.example.com", "/dashboard?tab=1", "", nil, "app.example.com", "/dashboard", "https://app.example.com/dashboard?tab=1"},
		{"http", "App.Example.COM:8080", "/c/", "get", nil, "app.example.com", "/c/", "http://App.Example.COM:8080/c/"},
		{"https", "app.example.com.", "/", "", nil, "app.example.com", "/", "https://app.example.com./"},
		{"https", "[::1]:8443", "/x", "", nil, "::1", "/x", "https://[::1]:8443/x"},
		{"https", "app.example.com", "/caf%C3%A9", "", nil, "app.example.com", "/café", "https://app.example.com/caf%C3%A9"},
		{"https", "app.example.com", "/ok?q=a\\b%", "", nil, "app.example.com", "/ok", "https://app.example.com/ok?q=a\\b%"},
		{"https", "app.example.com", "/a/../b", "", errBadPath, "", "", ""},
		{"https", "app.example.com", "/a//b", "", errBadPath, "", "", ""},
		{"https", "app.example.com", "/a%2Fb", "", errBadPath, "", "", ""},
		{"https", "app.example.com", "/a\\b", "", errBadPath, "", "", ""},
		{"https", "app.example.com", "/x#frag", "", errBadPath, "", "", ""},
		{"https", "app.example.com", "/bad%zz", "", errBadPath, "", "", ""},
		{"https", "app.example.com", "/\x00", "", errBadPath, "", "", ""},
		{"https", "app.example.com", "//evil.example.org/x", "", errBadPath, "", "", ""},
		{"https", "app.example.com", "dashboard", "", errBadPath, "", "", ""},
		{"ftp", "app.example.com", "/", "", errUnauthenticated, "", "", ""},
		{"", "app.example.com", "/", "", errUnauthenticated, "", "", ""},
		{"https", "", "/", "", errUnauthenticated, "", "", ""},
		{"https", "user@app.example.com", "/", "", errUnauthenticated, "", "", ""},
		{"https", "app example.com", "/", "", errUnauthenticated, "", "", ""},
		{"https", "app.example.com:8x", "/", "", errUnauthenticated, "", "", ""},
		{"https", ":8080", "/", "", errUnauthenticated, "", "", ""},
		{"https", "app.example.com", "/", "GET /x", errUnauthenticated, "", "", ""},
		{"https", "app.example.com", "", "", errUnauthenticated, "", "", ""},
		{"https", "app.example.com:99999", "/", "", errUnauthenticated, "", "", ""},
		{"https", "app.example.com:65536", "/", "", errUnauthenticated, "", "", ""},
		{"https", "app.example.com:65535", "/", "", nil, "app.example.com", "/", "https://app.example.com:65535/"},
	}
	for _, tt := range tests {
		r := &http.Request{Header: http.Header{
			"X-Forwarded-Proto": {tt.proto}, "X-Forwarded-Host": {tt.host}, "X-Forwarded-Uri": {tt.uri}, "X-Forwarded-Method": {tt.method},
		}}
		ngx := &http.Request{Header: http.Header{"X-Original-Url": {tt.proto + "://" + tt.host + tt.uri}, "X-Original-Method": {tt.method}}}
		for name, read := range map[string]func(*http.Request) (original, error){"forwarded": originalFromForwarded, "nginx": originalFromNginx} {
			req := r
			if name == "nginx" {
				req = ngx
				if tt.proto == "" || tt.host == "" || tt.uri == "" || tt.uri[0] != '/' {
					continue // not a URL nginx can describe this way
				}
			}
			got, err := read(req)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("%s %s %s %s: error %v, want %v", name, tt.proto, tt.host, tt.uri, err, tt.wantErr)
				continue
			}
			if err != nil {
				continue
			}
			if got.host != tt.wantHost || got.path.path != tt.wantPath || got.URL() != tt.url || got.method != "GET" {
				t.Errorf("%s %q %q %q: read %s %s %s %s", name, tt.proto, tt.host, tt.uri, got.method, got.host, got.path.path, got.URL())
			}
		}
	}
}

// TestValidAuthorityRemembered: remembering accepted authorities changes
// no answer, and the set holds only accepted ones, up to its bound.
func TestValidAuthorityRemembered(t *testing.T) {
	for _, a := range []string{
		"app.example.com", "app.example.com:8443", "[::1]:8080", "127.0.0.1",
		"app.example.com:port", "user@app.example.com", "app.example.com/x", "[::1", ":8080", "a b", "%zz",
	} {
		_, before := validAuthorities.m.Load(a)
		first, second := validAuthority("https", a), validAuthority("http", a)
		if first != second {
			t.Errorf("validAuthority(%q) = %v, then %v", a, first, second)
		}
		if _, in := validAuthorities.m.Load(a); in != (first || before) {
			t.Errorf("%q remembered: %v, valid: %v", a, in, first)
		}
	}
	var set authoritySet
	for i := range maxValidAuthorities + 10 {
		set.remember(fmt.Sprintf("host%d.example.com", i))
	}
	set.remember("host1.example.com")
	n := 0
	set.m.Range(func(any, any) bool { n++; return true })
	if n != maxValidAuthorities || set.n.Load() != maxValidAuthorities {
		t.Errorf("set holds %d (counted %d), want %d", n, set.n.Load(), maxValidAuthorities)
	}
}
