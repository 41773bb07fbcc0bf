package gateway_test

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/gateway"
)

var (
	phoneValue = regexp.MustCompile(`id="phone" [^>]*value="([^"]*)"`)
	assetRef   = regexp.MustCompile(`(?:src|href)="([^"]*)"`)
	version    = regexp.MustCompile(`/static/(style\.css|portal\.js|logo)\?v=([0-9a-f]+)`)
)

// TestPagesLoadNothingFromElsewhere checks every page's policy and
// references: scripts and styles from the portal only, no frames, and
// forms that may lead back only to the gateway's own hosts.
func TestPagesLoadNothingFromElsewhere(t *testing.T) {
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	for _, path := range []string{"/login", "/login?rd=" + url.QueryEscape("https://crm.example.com/x"), "/signup", "/reset", "/reset?u=alice", "/logout", "/nowhere"} {
		t.Run(path, func(t *testing.T) {
			r := c.browse(crmHost, prefix+path)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("status %d, Content-Type %q", r.status, ct)
			}
			csp := r.header.Get("Content-Security-Policy")
			if path == "/nowhere" {
				if r.status != http.StatusNotFound {
					t.Fatalf("unknown portal page: %d", r.status)
				}
				return
			}
			// Browsers apply form-action to the redirect after a form post:
			// a login must be able to send the browser to any route host.
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
				"form-action 'self' https://auth.example.com:* https://app.example.com:* https://crm.example.com:* https://dead.example.com:*"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows inline code: %q", csp)
			}
			if strings.Contains(string(r.body), "style=") || strings.Contains(string(r.body), "<script>") || regexp.MustCompile(`\son[a-z]+=`).Match(r.body) {
				t.Error("the page has inline style or script, which its CSP blocks")
			}
			for _, m := range assetRef.FindAllStringSubmatch(string(r.body), -1) {
				ref := m[1]
				if strings.HasPrefix(ref, "data:image/") {
					continue // inline (the icon): loads nothing, allowed by img-src data:
				}
				if !strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "//") {
					t.Errorf("page refers to %q, outside the gateway", ref)
				}
			}
			if !version.Match(r.body) {
				t.Error("the page does not load the versioned stylesheet and script")
			}
		})
	}
}

func TestStaticAssets(t *testing.T) {
	h := newHarness(t)
	c := h.newClient(t)
	page := c.browse(crmHost, prefix+"/login")
	refs := map[string]string{}
	for _, m := range version.FindAllStringSubmatch(string(page.body), -1) {
		refs[m[1]] = m[0]
	}
	for name, want := range map[string]struct{ ctype, contains string }{
		"style.css": {"text/css", "--primary:#0b5cad;"},
		"portal.js": {"text/javascript", "one-time-code"},
	} {
		t.Run(name, func(t *testing.T) {
			ref, ok := refs[name]
			if !ok {
				t.Fatalf("login page does not refer to %s", name)
			}
			r := c.get(crmHost, prefix+ref[strings.Index(ref, "/static"):])
			if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), want.ctype) {
				t.Fatalf("%s: %d %s", ref, r.status, r.header.Get("Content-Type"))
			}
			if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("versioned %s cached as %q, want immutable", name, cc)
			}
			if !strings.Contains(string(r.body), want.contains) && name == "style.css" {
				t.Errorf("%s lacks %q", name, want.contains)
			}
			again := c.do(request{host: crmHost, path: prefix + "/static/" + name, header: http.Header{"If-None-Match": {r.header.Get("ETag")}}})
			if again.status != http.StatusNotModified {
				t.Errorf("conditional GET of %s: %d, want 304", name, again.status)
			}
		})
	}
	if r := c.get(crmHost, prefix+"/static/logo"); r.status != http.StatusNotFound {
		t.Errorf("logo without portal.logo_file: %d, want 404", r.status)
	}
}

// frenchLogin translates the sign-in page and one error.
const frenchLogin = `lang: fr
login:
  title: "Connexion"
  lead: "Connectez-vous pour continuer vers {app}."
  submit: "Se connecter"
error.invalid_credentials: "Identifiant ou mot de passe incorrect."
`

func TestBranding(t *testing.T) {
	dir := t.TempDir()
	logo := filepath.Join(dir, "acme.svg")
	messages := filepath.Join(dir, "fr.yaml")
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><script>alert(1)</script><rect width="8" height="8"/></svg>`
	if err := os.WriteFile(logo, []byte(svg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(messages, []byte(frenchLogin), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Portal = config.Portal{AppName: "Acme <CRM>", LogoFile: logo, PrimaryColor: "#c2410c", MessagesFile: messages}
	}})
	c := h.newClient(t)
	page := c.browse(crmHost, prefix+"/login")
	body := string(page.body)
	for _, want := range []string{`<html lang="fr"`, "<title>Connexion · Acme &lt;CRM&gt;</title>", "Connectez-vous pour continuer vers Acme &lt;CRM&gt;.", ">Se connecter<",
		// Texts the file leaves out stay English.
		">Password<"} {
		if !strings.Contains(body, want) {
			t.Errorf("login page lacks %q", want)
		}
	}
	m := version.FindStringSubmatch(body[strings.Index(body, "/static/logo"):])
	if m == nil {
		t.Fatal("login page shows no logo from portal.logo_file")
	}
	r := c.get(crmHost, prefix+"/static/logo?v="+m[2])
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/svg+xml" || string(r.body) != svg {
		t.Fatalf("logo: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("an SVG logo opened on its own could run its script: CSP %q", csp)
	}
	css := c.get(crmHost, prefix+"/static/style.css")
	if !strings.Contains(string(css.body), "--primary:#c2410c;") {
		t.Error("stylesheet does not use portal.primary_color")
	}

	// The page speaks French; the JSON API keeps its stable English.
	form := c.form(crmHost, "/login", url.Values{"username": {"alice"}, "password": {"wrong"}})
	if form.status != http.StatusUnauthorized || !strings.Contains(string(form.body), "Identifiant ou mot de passe incorrect.") {
		t.Errorf("wrong password page: %d, without the translated message", form.status)
	}
	api := c.api(crmHost, "login", map[string]string{"username": "alice", "password": "wrong"})
	if !strings.Contains(string(api.body), `"message":"Wrong username or password."`) {
		t.Errorf("JSON error changed with the page language: %s", api.body)
	}
}

func TestLogoURLIsAllowedByThePolicy(t *testing.T) {
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Portal.LogoURL = "https://cdn.example.net/brand/logo.svg"
	}})
	r := h.newClient(t).browse(crmHost, prefix+"/login")
	if !strings.Contains(string(r.body), `src="https://cdn.example.net/brand/logo.svg"`) {
		t.Error("login page does not show portal.logo_url")
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://cdn.example.net;") {
		t.Errorf("CSP %q does not allow the logo's origin", csp)
	}
}

func TestCheckPortal(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("login.titel: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	if got := gateway.CheckPortal(cfg); got != nil {
		t.Errorf("defaults: %v", got)
	}
	cfg.Portal.MessagesFile = bad
	cfg.Portal.LogoFile = filepath.Join(dir, "missing.png")
	got := gateway.CheckPortal(cfg)
	if err := got["portal.messages_file"]; err == nil || !strings.Contains(err.Error(), `bad.yaml:1: unknown message id "login.titel"`) {
		t.Errorf("messages_file problem: %v", err)
	}
	if got["portal.logo_file"] == nil {
		t.Error("a missing logo_file is not reported")
	}
}

// TestPhoneProblemsOnThePage checks that the phone form says what is
// wrong with a number, next to it, and keeps what was typed.
func TestPhoneProblemsOnThePage(t *testing.T) {
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.OTP.DefaultRegion = "US" }})
	c := h.newClient(t)
	for _, tt := range []struct{ typed, want string }{
		{"", "Enter your mobile number."},
		{"201 555 01", "That number is too short."},
		{"+1 201 555 0100 ext. 5", "An extension cannot receive text messages."},
		{"+1 201 555 0100 (mobile)", "Use only digits, spaces, dashes, dots and brackets"},
		{"+999 1234 5678", "That country code doesn't exist."},
	} {
		t.Run(tt.typed, func(t *testing.T) {
			r := c.form(smsHost, "/login", url.Values{"mode": {"phone"}, "phone": {tt.typed}})
			body := string(r.body)
			if r.status != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), tt.want) {
				t.Fatalf("%d, want 400 with %q:\n%s", r.status, tt.want, body)
			}
			if !strings.Contains(body, `id="phone-error"`) || !strings.Contains(body, `aria-describedby="phone-error phone-hint"`) || !strings.Contains(body, `aria-invalid="true"`) {
				t.Error("the problem is not tied to the phone field")
			}
			if m := phoneValue.FindStringSubmatch(body); m == nil || html.UnescapeString(m[1]) != tt.typed {
				t.Errorf("what was typed is gone: %v", m)
			}
		})
	}
	// National format with the default region: a code is sent.
	before := h.sms.count(t)
	r := c.form(smsHost, "/login", url.Values{"mode": {"phone"}, "phone": {"(201) 555-0100"}})
	if r.status != http.StatusSeeOther || h.sms.count(t) != before+1 {
		t.Errorf("national number: %d, %d SMS", r.status, h.sms.count(t)-before)
	}
}

func TestSignupProblemsAreSummarised(t *testing.T) {
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	r := c.form(crmHost, "/signup", url.Values{"username": {"x"}, "email": {"nope"}, "phone": {"555"}, "password": {"password"}, "name": {"Xavier"}})
	body := string(r.body)
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d", r.status)
	}
	// The summary links each problem to its field, in the form's order.
	links := regexp.MustCompile(`<li><a href="#([a-z]+)">`).FindAllStringSubmatch(body, -1)
	var order []string
	for _, l := range links {
		order = append(order, l[1])
	}
	if strings.Join(order, ",") != "username,email,phone,password" {
		t.Errorf("summary links %v, want username, email, phone, password", order)
	}
	for _, f := range []string{"username", "email", "phone", "password"} {
		if !strings.Contains(body, `id="`+f+`-error"`) {
			t.Errorf("no error next to %s", f)
		}
	}
	if !strings.Contains(body, `value="Xavier"`) {
		t.Error("the name typed is gone")
	}
	api := c.api(crmHost, "signup", map[string]string{"username": "x", "email": "nope", "phone": "555", "password": "password"})
	if api.status != http.StatusBadRequest || !strings.Contains(string(api.body), `"message":"Some fields need another look."`) {
		t.Errorf("JSON sign-up errors changed: %d %s", api.status, api.body)
	}
}
