package browser

// TestBranding: the portal with another name, logo, colour and language,
// all from the configuration.

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// acmeLogo is a small SVG logo.
const acmeLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32"><circle cx="16" cy="16" r="15" fill="#c2410c"/><path d="M9 23l7-14 7 14h-4l-3-6-3 6z" fill="#fff"/></svg>`

// TestBranding runs the portal with another name, logo, colour and
// language (docs/messages/fr.yaml), all from the configuration.
func TestBranding(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	logo := filepath.Join(t.TempDir(), "acme.svg")
	if err := os.WriteFile(logo, []byte(acmeLogo), 0o644); err != nil {
		t.Fatal(err)
	}
	// The French translation shipped in docs/: a translation is a file.
	messages, err := filepath.Abs("../../docs/messages/fr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, options{portal: fmt.Sprintf("  app_name: \"Acme CRM\"\n  logo_file: %q\n  primary_color: \"#c2410c\"\n  messages_file: %q\n", logo, messages)})

	tb := b.newTab(t, g)
	tb.open("/")
	tb.wantPath("/_gatehouse/login")
	for what, c := range map[string]struct{ js, want string }{
		"language":      {"document.documentElement.lang", "fr"},
		"heading":       {"document.querySelector('h1').textContent", "Connexion"},
		"title":         {"document.title", "Connexion · Acme CRM"},
		"name":          {"document.querySelector('.brand-name').textContent", "Acme CRM"},
		"logo":          {"String(document.querySelector('img.logo').naturalWidth > 0)", "true"},
		"button colour": {"getComputedStyle(document.querySelector('button.btn')).backgroundColor", "rgb(194, 65, 12)"},
		"button text":   {"getComputedStyle(document.querySelector('button.btn')).color", "rgb(255, 255, 255)"},
	} {
		if got := evalJS[string](tb, c.js); got != c.want {
			t.Errorf("%s: %q, want %q", what, got, c.want)
		}
	}
	tb.wantText("Connectez-vous pour continuer vers Acme CRM.")
	tb.shot("login-branded")
	tb.colorScheme("dark")
	if got := evalJS[string](tb, "getComputedStyle(document.body).backgroundColor"); got != "rgb(13, 17, 23)" {
		t.Errorf("dark scheme: page background %s", got)
	}
	tb.shot("login-branded-dark")
	tb.colorScheme("light")
	tb.typeIn("#username", "nobody")
	tb.typeIn("#password", "wrong password")
	if st := tb.click("form[action$='/login'] button[type=submit]"); st != 401 {
		t.Errorf("wrong password: status %d, want 401", st)
	}
	tb.wantText("Identifiant ou mot de passe incorrect.")
}
