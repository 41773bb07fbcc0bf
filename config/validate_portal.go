package config

// Checks of the portal section, the branding of the login pages: name,
// logo and colour.

import (
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// hexColor is the syntax of portal.primary_color.
var hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// logoTypes are the image file extensions portal.logo_file may have.
var logoTypes = []string{".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico"}

// maxAppName bounds portal.app_name, which heads every page.
const maxAppName = 60

func (v *validator) portal() {
	p := v.c.Portal
	switch {
	case strings.TrimSpace(p.AppName) == "":
		v.add("portal.app_name", `required: the name people see on the login pages, e.g. "Acme CRM"`)
	case utf8.RuneCountInString(p.AppName) > maxAppName:
		v.add("portal.app_name", "must be at most %d characters", maxAppName)
	case strings.ContainsFunc(p.AppName, unicode.IsControl):
		v.add("portal.app_name", "must not contain control characters or line breaks")
	default:
		v.appNameTexted()
	}
	if p.LogoURL != "" && p.LogoFile != "" {
		v.add("portal.logo_url", "set either logo_url or logo_file, not both")
	}
	if u := p.LogoURL; u != "" {
		if strings.HasPrefix(u, "/") {
			if strings.HasPrefix(u, "//") || strings.ContainsAny(u, "\\ \t\n\"'<>") {
				v.add("portal.logo_url", "%q must be an https:// URL or a plain path such as \"/static/logo.svg\"", u)
			}
		} else if pu, ok := v.httpURL("portal.logo_url", u); ok && pu.Scheme != "https" && !browserLoopback(pu.Hostname()) {
			v.add("portal.logo_url", "must be https:// (browsers block http images on https pages)")
		}
	}
	if f := p.LogoFile; f != "" && !slices.Contains(logoTypes, strings.ToLower(path.Ext(f))) {
		v.add("portal.logo_file", "%q must be an image file ending in one of %s", f, strings.Join(logoTypes, ", "))
	}
	if !hexColor.MatchString(p.PrimaryColor) {
		v.add("portal.primary_color", "%q is not a colour such as \"#0b5cad\" (# and 3 or 6 hexadecimal digits)", p.PrimaryColor)
	}
}

// appNameTexted warns of a portal.app_name that codes and notices do not
// carry as written (auth.TextName), saying what they carry instead; a
// provider that sends only its own codes texts no name
// (docs/contract.md, "SMS delivery").
func (v *validator) appNameTexted() {
	app := strings.TrimSpace(v.c.Portal.AppName)
	if name := auth.TextName(app, v.c.Server.PublicURL); name != app && !ownCodesOnly(v.c.SMS.Provider) {
		v.warn("portal.app_name", "%q is not texted as written: codes and notices name the gateway %q instead, so that each stays one text message (a name is texted as written when it has at most 30 characters, all of GSM 7-bit's basic set: no curly quotes, emoji, [ ] { } ~ | \\ ^ or €); the pages keep the name", app, name)
	}
}
