package frontdoor_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const htmlAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// browser is a browser-like client: it keeps cookies per host as a browser
// does, sends Accept and Origin like one, and does not follow redirects on
// its own so that each step can be checked. Every *.example.com name
// resolves to 127.0.0.1 (the port is kept), without touching /etc/hosts.
type browser struct {
	t   *testing.T
	hc  *http.Client
	jar *cookiejar.Jar
}

func newBrowser(t *testing.T, roots *x509.CertPool) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTransport(roots)
	t.Cleanup(tr.CloseIdleConnections)
	return &browser{t: t, jar: jar, hc: &http.Client{
		Jar:           jar,
		Transport:     tr,
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// newTransport dials every *.example.com name at 127.0.0.1 (keeping the
// port) and trusts roots for TLS.
func newTransport(roots *x509.CertPool) *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if host == "example.com" || strings.HasSuffix(host, ".example.com") {
				addr = net.JoinHostPort("127.0.0.1", port)
			}
			return dialer.DialContext(ctx, network, addr)
		},
		TLSClientConfig:     &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 5 * time.Second,
	}
}

// newBrowserQuiet is a plain client with the same name resolution, for
// readiness polls.
func newBrowserQuiet(roots *x509.CertPool) *http.Client {
	tr := newTransport(roots)
	tr.DisableKeepAlives = true
	return &http.Client{Transport: tr, Timeout: 2 * time.Second}
}

// page is one response.
type page struct {
	url    *url.URL
	status int
	header http.Header
	body   string
}

// get loads rawURL as a page (Accept: text/html), with extra headers sent
// exactly as named (not canonicalised, so X_Auth_User goes out as is).
func (b *browser) get(rawURL string, extra http.Header) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", htmlAccept)
	for k, vs := range extra {
		req.Header[k] = vs
	}
	return b.do(req)
}

// do sends req.
func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "Mozilla/5.0 (gatehouse front door test)")
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return page{url: req.URL, status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// post sends a form as a browser submits one: urlencoded, with the Origin
// of the page it came from.
func (b *browser) post(rawURL, origin string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", htmlAccept)
	req.Header.Set("Origin", origin)
	return b.do(req)
}

var (
	formRE   = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	actionRE = regexp.MustCompile(`\baction="([^"]*)"`)
	inputRE  = regexp.MustCompile(`<input\b[^>]*>`)
	attrRE   = regexp.MustCompile(`\b(type|name|value)="([^"]*)"`)
)

// submit fills the page's form whose action is path: its hidden fields
// (CSRF token, rd) as the page set them, then fields, and posts it.
func (b *browser) submit(p page, path string, fields url.Values) page {
	b.t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(p.body, -1) {
		a := actionRE.FindStringSubmatch(m[1])
		if a == nil || html.UnescapeString(a[1]) != path {
			continue
		}
		form := url.Values{}
		for _, in := range inputRE.FindAllString(m[2], -1) {
			attrs := map[string]string{}
			for _, kv := range attrRE.FindAllStringSubmatch(in, -1) {
				attrs[kv[1]] = html.UnescapeString(kv[2])
			}
			if attrs["type"] == "hidden" && attrs["name"] != "" {
				form.Set(attrs["name"], attrs["value"])
			}
		}
		for k, vs := range fields {
			form[k] = vs
		}
		target := p.url.ResolveReference(&url.URL{Path: path})
		origin := p.url.Scheme + "://" + p.url.Host
		return b.post(target.String(), origin, form)
	}
	b.t.Fatalf("%s has no form posting to %s (status %d):\n%.2000s", p.url, path, p.status, p.body)
	return page{}
}

// location is the page's redirect target, resolved against its URL.
func (p page) location(t *testing.T) *url.URL {
	t.Helper()
	loc := p.header.Get("Location")
	if loc == "" {
		t.Fatalf("%s: %d without Location (body %.300q)", p.url, p.status, p.body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("%s: bad Location %q: %v", p.url, loc, err)
	}
	return p.url.ResolveReference(u)
}

func (p page) wantStatus(t *testing.T, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d (Location %q, body %.400q)", p.url, p.status, status, p.header.Get("Location"), p.body)
	}
}

// cookie returns the value of the cookie named name that the browser
// would send to rawURL ("" if none).
func (b *browser) cookie(rawURL, name string) string {
	b.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}
