// Package demoapp is the small upstream application of `gatehouse demo`:
// it shows the identity headers it received and whether the
// X-Auth-Assertion verified against the gateway's /jwks.json — exactly
// what a real upstream should do.
package demoapp

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// App is the demo upstream handler.
type App struct {
	jwksURL   string
	issuer    string
	audiences []string
	user      string // identity header names
	assertion string
	shown     []string
	client    *http.Client

	// now is the clock keys and assertions are judged by.
	now func() time.Time

	mu      sync.Mutex
	keys    map[string]ed25519.PublicKey
	fetched time.Time
}

// jwksMaxAge is how long the JWKS may be used without fetching it again:
// the max-age the gateway serves it with. A key the gateway stops
// publishing stops verifying after it.
const jwksMaxAge = 5 * time.Minute

// New returns the demo app. It verifies assertions with keys fetched from
// jwksURL, for issuer and any of audiences. shown lists the headers to
// display; userHeader and assertionHeader name the identity headers.
func New(jwksURL, issuer string, audiences []string, userHeader, assertionHeader string, shown []string) *App {
	return &App{
		jwksURL: jwksURL, issuer: issuer, audiences: audiences,
		user: userHeader, assertion: assertionHeader, shown: shown,
		client: &http.Client{Timeout: 5 * time.Second},
		now:    time.Now,
	}
}

// keySet returns the JWKS, fetched again once it is jwksMaxAge old (so a
// key the gateway stopped publishing stops verifying), and when a token
// names a kid we do not know (key rotation), then at most every 30 s.
func (a *App) keySet(ctx context.Context, kid string) (map[string]ed25519.PublicKey, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	age := a.now().Sub(a.fetched)
	if a.keys != nil && age < jwksMaxAge && (a.keys[kid] != nil || age < 30*time.Second) {
		return a.keys, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.jwksURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the limit below; a close error loses nothing
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read JWKS: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch JWKS: status %d", resp.StatusCode)
	}
	keys, err := auth.ParseJWKS(body)
	if err != nil {
		return nil, err
	}
	a.keys, a.fetched = keys, a.now()
	return keys, nil
}

// Verify checks a token against the gateway's published keys.
func (a *App) Verify(ctx context.Context, token string) (*auth.AssertionClaims, error) {
	if token == "" {
		return nil, errors.New("no assertion header: the request did not come through the gateway")
	}
	var lastErr error
	for _, aud := range a.audiences {
		keys, err := a.keySet(ctx, kidOf(token))
		if err != nil {
			return nil, err
		}
		claims, err := auth.VerifyAssertion(token, keys, a.issuer, aud, a.now)
		if err == nil {
			return claims, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// kidOf returns the token's kid, or "" (only used to decide on a refetch;
// verification itself checks everything).
func kidOf(token string) string {
	head, _, ok := strings.Cut(token, ".")
	if !ok || len(head) > 1024 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return ""
	}
	return h.Kid
}

type row struct{ Name, Value string }

type view struct {
	User     string
	Headers  []row
	Verified bool
	Error    string
	Claims   *auth.AssertionClaims
	Path     string
	Logout   string
	Account  string
}

var page = template.Must(template.New("demo").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo app behind Gatehouse</title>
<style>
body{font:1rem/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #d0d7de;padding:.4rem;text-align:left;vertical-align:top}
th{white-space:nowrap;font-size:.9rem}td{word-break:break-all}
@media (max-width:40rem){tr,th,td{display:block}th{border:0;padding-bottom:0}}
.ok{background:#e8f3ec;padding:.75rem;border-radius:8px}.bad{background:#fdecea;color:#b3261e;padding:.75rem;border-radius:8px}
code{font-size:.9em}button{padding:.5rem 1rem}
</style></head><body>
<h1>Hello{{if .User}}, {{.User}}{{end}}</h1>
<p>This is the demo application. Gatehouse let this request to <code>{{.Path}}</code> through and told the app who you are.</p>
{{if .Verified}}<p class="ok" id="verdict">✔ The X-Auth-Assertion verified against the gateway's /jwks.json (EdDSA): subject <strong>{{.Claims.Subject}}</strong>, audience <code>{{.Claims.Audience}}</code>, methods <code>{{range $i, $m := .Claims.AMR}}{{if $i}},{{end}}{{$m}}{{end}}</code>, expires {{.Claims.ExpiresAt.Format "15:04:05"}}.</p>
{{else}}<p class="bad" id="verdict">✘ Assertion not verified: {{.Error}}</p>{{end}}
<h2>Headers the app received</h2>
<table>{{range .Headers}}<tr><th>{{.Name}}</th><td><code>{{.Value}}</code></td></tr>{{end}}</table>
<p><a href="/admin/">Admin area</a> (group <code>admins</code>, fresh code within 10 minutes) · <a href="/public/">Public page</a> (no login)</p>
<p><a href="{{.Account}}">Your account</a> (sessions, password, phone) · <a href="{{.Logout}}">Sign out</a></p>
</body></html>`))

// ServeHTTP renders the identity the request carries.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := view{User: r.Header.Get(a.user), Path: r.URL.Path, Logout: "/_gatehouse/logout",
		// The account page links back here.
		Account: "/_gatehouse/account?rd=" + url.QueryEscape(r.URL.RequestURI())}
	for _, h := range a.shown {
		if val := r.Header.Get(h); val != "" || slices.Contains([]string{a.user}, h) {
			v.Headers = append(v.Headers, row{h, val})
		}
	}
	for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Request-Id"} {
		v.Headers = append(v.Headers, row{h, r.Header.Get(h)})
	}
	claims, err := a.Verify(r.Context(), r.Header.Get(a.assertion))
	if err != nil {
		v.Error = err.Error()
	} else {
		v.Verified, v.Claims = true, claims
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = page.Execute(w, v)
}
