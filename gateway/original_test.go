package gateway

import (
	"net/http"
	"net/url"
	"testing"
)

// originalSeeds are front-door URLs, plain and not.
var originalSeeds = []struct{ proto, host, uri string }{
	{"https", "app.example.com", "/dashboard?tab=1"},
	{"http", "App.Example.COM:8080", "/a/../b//c/"},
	{"https", "app.example.com.", "/"},
	{"https", "app.example.com:", "/x?"},
	{"https", "app.example.com", "/x??y#frag"},
	{"https", "app.example.com", "/a%2Fb"},
	{"https", "app.example.com", "/a%2fb?c=%2F"},
	{"https", "app.example.com", "/caf%C3%A9"},
	{"https", "app.example.com", "/bad%zz"},
	{"https", "app.example.com", "/a\\b"},
	{"https", "app.example.com", "/a b"},
	{"https", "app.example.com", "/ok?q=a\\b%"},
	{"https", "app.example.com", "/\x00"},
	{"https", "app.example.com", "/é"},
	{"https", "user@app.example.com", "/"},
	{"https", "[::1]:8443", "/"},
	{"https", "app.example.com:99999", "/"},
	{"https", "app.example.com:8x", "/"},
	{"https", "app_1.example.com", "/;a=b/..;/c"},
	{"https", ":8080", "/"},
	{"https", "a b", "/"},
	{"https", "%41pp.example.com", "/"},
	{"https", "app.example.com", "//evil.example.org/x"},
}

func TestOriginalMatchesURLParse(t *testing.T) {
	for _, s := range originalSeeds {
		checkForwardedOriginal(t, s.proto, s.host, s.uri, "get")
		checkNginxOriginal(t, s.proto+"://"+s.host+s.uri, "")
	}
	for _, raw := range []string{"", "/x", "https://", "https://app.example.com", "https://app.example.com?x", "HTTPS://app.example.com/", "ftp://app.example.com/", "https:///x", "https:app.example.com/"} {
		checkNginxOriginal(t, raw, "POST")
	}
}

// FuzzPlainOriginal holds the originals read without url.Parse to those
// read through it (the reference, authz_reference_test.go).
func FuzzPlainOriginal(f *testing.F) {
	for _, s := range originalSeeds {
		f.Add(s.proto, s.host, s.uri)
	}
	f.Fuzz(func(t *testing.T, proto, host, uri string) {
		checkForwardedOriginal(t, proto, host, uri, "GET")
		checkNginxOriginal(t, proto+"://"+host+uri, "GET")
		if p, ok := plainURL(host, uri); ok {
			u, err := url.Parse("https://" + host + uri)
			if err != nil || u.Host != host || u.Path != p {
				t.Fatalf("plainURL(%q, %q) = %q, but url.Parse gives %v, %v", host, uri, p, u, err)
			}
		}
	})
}

func checkForwardedOriginal(t *testing.T, proto, host, uri, method string) {
	t.Helper()
	r := &http.Request{Header: http.Header{
		"X-Forwarded-Proto": {proto}, "X-Forwarded-Host": {host}, "X-Forwarded-Uri": {uri}, "X-Forwarded-Method": {method},
	}}
	got, ok := originalFromForwarded(r)
	want, wantOK := refOriginalFromForwarded(r)
	compareOriginals(t, proto+" "+host+" "+uri, got, ok, want, wantOK)
}

func checkNginxOriginal(t *testing.T, raw, method string) {
	t.Helper()
	r := &http.Request{Header: http.Header{"X-Original-Url": {raw}, "X-Original-Method": {method}}}
	got, ok := originalFromNginx(r)
	want, wantOK := refOriginalFromNginx(r)
	compareOriginals(t, raw, got, ok, want, wantOK)
}

func compareOriginals(t *testing.T, in string, got original, ok bool, want *refOriginal, wantOK bool) {
	t.Helper()
	if ok != wantOK {
		t.Fatalf("%q: accepted %t, through url.Parse %t", in, ok, wantOK)
	}
	if !ok {
		return
	}
	if got.method != want.method || got.host != want.host || got.path != want.path || got.URL().String() != want.url.String() {
		t.Fatalf("%q: %s %s %s %s; through url.Parse %s %s %s %s", in,
			got.method, got.host, got.path, got.URL(), want.method, want.host, want.path, want.url)
	}
}
