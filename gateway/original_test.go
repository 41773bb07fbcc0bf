package gateway

import (
	"errors"
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
		{"https", "evil.example.net,app.example.com", "/", "", errUnauthenticated, "", "", ""},
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

// TestValidHost pins what is a host a connection could have
// (docs/contract.md, "A host that is no host name").
func TestValidHost(t *testing.T) {
	for h, want := range map[string]bool{
		"": true, "app.example.com": true, "App.Example.COM.": true, "app.example.com:8443": true,
		"app.example.com:": true, "app_1.internal": true, "127.0.0.1:80": true, "[::1]": true,
		"[2001:db8::1]:443": true, "app.example.com:65535": true,
		"app.example.com:65536": false, "app.example.com:8x": false, "app.example.com:443:443": false,
		":8080": false, "[::1": false, "[::1]x": false, "[127.0.0.1]": false, "[fe80::1%25eth0]": false,
		"::1": false, "a b": false, "user@app.example.com": false, "app.example.com/x": false,
		"evil.example.net,x.example.org": false, "evil.example.net;x.example.org": false,
		"evil.example.net%2cx.example.org": false, "caf\xc3\xa9.example.org": false, "app.example.com:0x1bb": false,
	} {
		if got := validHost(h); got != want {
			t.Errorf("validHost(%q) = %v, want %v", h, got, want)
		}
	}
}
