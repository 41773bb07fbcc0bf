package gateway

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html templates/style.css templates/portal.js
var templateFS embed.FS

// maxLogoFile bounds portal.logo_file.
const maxLogoFile = 1 << 20

// logoTypes maps the extensions portal.logo_file may have to their type.
var logoTypes = map[string]string{
	".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
}

// asset is a static file of the portal, served from memory under a
// content-hashed URL so that browsers may cache it for good.
type asset struct {
	body    []byte
	ctype   string
	version string
}

func newAsset(body []byte, ctype string) *asset {
	sum := sha256.Sum256(body)
	return &asset{body: body, ctype: ctype, version: hex.EncodeToString(sum[:6])}
}

// brand is what every page shows of the configured portal.
type brand struct {
	AppName   string
	LogoURL   string // "" = the built-in mark
	StyleURL  string
	ScriptURL string
}

// portal is the rendering side of the login pages, built once per Server
// from the portal configuration: templates, message catalogue, theme and
// static files.
type portal struct {
	tmpl   *template.Template
	msg    *catalog
	css    *asset
	js     *asset
	logo   *asset // portal.logo_file, or nil
	brand  brand
	imgSrc string // CSP img-src
}

// newPortal loads the portal configuration's files (messages, logo) and
// builds the pages. Problems with those files are startup errors.
func newPortal(cfg *config.Config) (*portal, error) {
	pc := cfg.Portal
	prefix := cfg.Server.PortalPrefix
	msg, err := loadCatalog(pc.MessagesFile)
	if err != nil {
		return nil, err
	}
	th, err := newTheme(pc.PrimaryColor)
	if err != nil {
		return nil, fmt.Errorf("portal.primary_color: %w", err)
	}
	style, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		return nil, err
	}
	script, err := templateFS.ReadFile("templates/portal.js")
	if err != nil {
		return nil, err
	}
	p := &portal{
		msg:    msg,
		css:    newAsset(append([]byte(th.css()), style...), "text/css; charset=utf-8"),
		js:     newAsset(script, "text/javascript; charset=utf-8"),
		imgSrc: "'self' data:",
	}
	p.brand = brand{
		AppName:   pc.AppName,
		StyleURL:  prefix + "/static/style.css?v=" + p.css.version,
		ScriptURL: prefix + "/static/portal.js?v=" + p.js.version,
	}
	switch {
	case pc.LogoFile != "":
		if p.logo, err = loadLogo(pc.LogoFile); err != nil {
			return nil, err
		}
		p.brand.LogoURL = prefix + "/static/logo?v=" + p.logo.version
	case pc.LogoURL != "":
		p.brand.LogoURL = pc.LogoURL
		if u, err := url.Parse(pc.LogoURL); err == nil && u.Host != "" {
			p.imgSrc += " " + u.Scheme + "://" + u.Host
		}
	}
	if p.tmpl, err = parseTemplates(msg); err != nil {
		return nil, err
	}
	return p, nil
}

// loadLogo reads portal.logo_file.
func loadLogo(file string) (*asset, error) {
	ctype, ok := logoTypes[strings.ToLower(path.Ext(file))]
	if !ok {
		return nil, fmt.Errorf("portal.logo_file: %s is not an image file", file)
	}
	body, err := readLimited(file, maxLogoFile)
	if err != nil {
		return nil, fmt.Errorf("portal.logo_file: %w", err)
	}
	return newAsset(body, ctype), nil
}

// CheckPortal loads the files the portal configuration names as the
// gateway would at startup and returns their problems by configuration key
// (portal.messages_file, portal.logo_file); nil when there are none.
// check-config calls it.
func CheckPortal(cfg *config.Config) map[string]error {
	problems := map[string]error{}
	if _, err := loadCatalog(cfg.Portal.MessagesFile); err != nil {
		problems["portal.messages_file"] = err
	}
	if cfg.Portal.LogoFile != "" {
		if _, err := loadLogo(cfg.Portal.LogoFile); err != nil {
			problems["portal.logo_file"] = err
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return problems
}

// parseTemplates parses the page templates with the catalogue's texts.
func parseTemplates(msg *catalog) (*template.Template, error) {
	return template.New("").Funcs(template.FuncMap{
		// t is a message: {{t "login.title"}}, {{t "login.lead" "app" .Brand.AppName}}.
		"t": msg.text,
		// th is a message with its arguments in bold.
		"th": msg.html,
		// field gives the aria attributes of an input: invalid and
		// described by its error (and any hints given).
		"field": func(fields map[string]string, name string, hints ...string) template.HTMLAttr {
			ids := append([]string(nil), hints...)
			invalid := fields[name] != ""
			if invalid {
				ids = append([]string{name + "-error"}, ids...)
			}
			var b strings.Builder
			if invalid {
				b.WriteString(`aria-invalid="true" `)
			}
			if len(ids) > 0 {
				b.WriteString(`aria-describedby="` + template.HTMLEscapeString(strings.Join(ids, " ")) + `"`)
			}
			return template.HTMLAttr(b.String()) //nolint:gosec // G203: literal attributes around escaped ids
		},
		// ferr is the error paragraph of a field, if it has a problem.
		"ferr": func(fields map[string]string, name string) template.HTML {
			msg := fields[name]
			if msg == "" {
				return ""
			}
			return template.HTML(`<p class="field-error" id="` + template.HTMLEscapeString(name) + `-error">` + //nolint:gosec // G203: literal markup around escaped name and message
				template.HTMLEscapeString(msg) + `</p>`)
		},
		// invalid is " invalid" when a field has a problem (a class).
		"invalid": func(fields map[string]string, name string) string {
			if fields[name] != "" {
				return " invalid"
			}
			return ""
		},
		// reveal is the show/hide button of a password input.
		"reveal": func(id string) template.HTML {
			e := template.HTMLEscapeString
			return template.HTML(`<button type="button" class="reveal" data-reveal="` + e(id) + `" aria-controls="` + e(id) + //nolint:gosec // G203: literal markup around escaped id and messages
				`" data-show="` + e(msg.text("login.show_password")) + `" data-hide="` + e(msg.text("login.hide_password")) +
				`" data-show-label="` + e(msg.text("login.show_password_label")) + `" data-hide-label="` + e(msg.text("login.hide_password_label")) +
				`" aria-label="` + e(msg.text("login.show_password_label")) + `" hidden>` + e(msg.text("login.show_password")) + `</button>`)
		},
		// clock formats seconds as m:ss.
		"clock": func(sec int) string { return fmt.Sprintf("%d:%02d", sec/60, sec%60) },
		// minutes rounds seconds up to whole minutes.
		"minutes": func(sec int) int { return (sec + 59) / 60 },
		"hoursOf": func(sec int) int { return sec / 3600 },
		// money is an estimated cost: cents, or tenths of a cent below 1.
		"money": func(v *float64) string {
			if *v < 1 {
				return strconv.FormatFloat(*v, 'f', 4, 64)
			}
			return strconv.FormatFloat(*v, 'f', 2, 64)
		},
		"minutesOf": func(d time.Duration) int { return int((d + time.Minute - 1) / time.Minute) },
		// datetime formats a time for people, in UTC; as an argument of
		// th it becomes a <time> element, which the page's script shows
		// in the reader's own time zone.
		"datetime": func(t time.Time) stamp {
			return stamp{iso: t.UTC().Format(time.RFC3339), text: t.UTC().Format(msg.text("datetime"))}
		},
	}).ParseFS(templateFS, "templates/*.html")
}

// csp is the Content-Security-Policy of the portal's pages: nothing from
// other sites (but a configured logo), scripts and styles from the portal
// itself, forms posted only to the portal. Browsers also apply form-action
// to the redirect that follows a form post, so it allows the hosts a login
// may send the browser back to (the same ones safeRedirect accepts).
// With passkeys on, the script may call the portal's own API
// (connect-src 'self'), where the ceremonies run.
func (s *core) csp() string {
	var b strings.Builder
	b.WriteString("default-src 'none'; script-src 'self'; ")
	if s.cfg.Passkeys.Enabled {
		b.WriteString("connect-src 'self'; ")
	}
	b.WriteString("style-src 'self'; img-src ")
	b.WriteString(s.portal.imgSrc)
	b.WriteString("; form-action 'self'")
	scheme := s.publicURL.Scheme
	hosts := []string{normalizeHost(s.publicURL.Host)}
	for _, r := range s.routes().routes {
		switch {
		case r.hostExact != "":
			hosts = append(hosts, r.hostExact)
		case r.hostSuffix != "":
			hosts = append(hosts, "*"+r.hostSuffix)
		}
	}
	slices.Sort(hosts[1:])
	seen := map[string]bool{}
	for _, h := range hosts {
		// CSP sources cannot name IPv6 addresses; 'self' covers the host
		// the page came from.
		if h == "" || seen[h] || strings.Contains(h, ":") {
			continue
		}
		seen[h] = true
		b.WriteString(" " + scheme + "://" + h + ":*")
	}
	b.WriteString("; frame-ancestors 'none'; base-uri 'none'")
	return b.String()
}

// serveAsset writes a static file of the portal. A request naming the
// current version may be cached for a year; others for an hour.
func serveAsset(c *gin.Context, a *asset) {
	if a == nil {
		c.AbortWithStatus(http.StatusNotFound)
		return
	}
	if c.Query("v") == a.version {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=3600")
	}
	c.Header("ETag", `"`+a.version+`"`)
	if c.GetHeader("If-None-Match") == `"`+a.version+`"` {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, a.ctype, a.body)
}

// styleCSS serves the portal's stylesheet (theme colours included).
func (s *pagesSurface) styleCSS(c *gin.Context) { serveAsset(c, s.portal.css) }

// portalJS serves the portal's script.
func (s *pagesSurface) portalJS(c *gin.Context) { serveAsset(c, s.portal.js) }

// logoFile serves portal.logo_file. An SVG opened on its own could run
// scripts on the portal's origin, so it is sandboxed.
func (s *pagesSurface) logoFile(c *gin.Context) {
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	serveAsset(c, s.portal.logo)
}
