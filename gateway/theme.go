package gateway

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The portal's colours: a fixed neutral palette for light and dark
// schemes, and the brand's primary colour with the colours derived from it
// so that every pair of text and background keeps WCAG AA contrast (4.5:1
// for text, 3:1 for borders and focus rings), whatever colour is
// configured.

// rgb is an sRGB colour.
type rgb struct{ r, g, b uint8 }

// parseHex reads "#rgb" or "#rrggbb" (config validation guarantees one).
func parseHex(s string) (rgb, error) {
	h := strings.TrimPrefix(s, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return rgb{}, fmt.Errorf("colour %q: want #rgb or #rrggbb", s)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return rgb{}, fmt.Errorf("colour %q: %w", s, err)
	}
	return rgb{uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil //nolint:gosec // G115: six hex digits, v < 1<<24; each conversion keeps one byte on purpose
}

func mustHex(s string) rgb {
	c, err := parseHex(s)
	if err != nil {
		panic(err)
	}
	return c
}

// String is the colour as #rrggbb.
func (c rgb) String() string { return fmt.Sprintf("#%02x%02x%02x", c.r, c.g, c.b) }

// luminance is the WCAG relative luminance.
func (c rgb) luminance() float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is the WCAG contrast ratio of two colours (1 to 21).
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// mix moves c towards target by t (0..1).
func mix(c, target rgb, t float64) rgb {
	m := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + (float64(b)-float64(a))*t)) }
	return rgb{m(c.r, target.r), m(c.g, target.g), m(c.b, target.b)}
}

var (
	white = rgb{255, 255, 255}
	black = rgb{0, 0, 0}
)

// towards returns c moved towards target in small steps until it has at
// least ratio contrast with every one of against (target itself always
// does for the palettes used here).
func towards(c, target rgb, ratio float64, against ...rgb) rgb {
	for i := 0; i <= 100; i++ {
		m := mix(c, target, float64(i)/100)
		ok := true
		for _, a := range against {
			if contrast(m, a) < ratio {
				ok = false
				break
			}
		}
		if ok {
			return m
		}
	}
	return target
}

// palette is one colour scheme: every colour the stylesheet uses.
type palette struct {
	Bg, Surface, Text, Muted, Border, Divider rgb
	ErrText, ErrBg, ErrBorder, OkBg, OkBorder rgb
	Primary, OnPrimary, PrimaryHover, Accent  rgb
	Focus                                     rgb
}

// Fixed neutrals of the light and dark schemes.
var (
	lightBase = palette{
		Bg: mustHex("#f3f4f6"), Surface: white, Text: mustHex("#1f2328"), Muted: mustHex("#57606a"),
		Border: mustHex("#6e7781"), Divider: mustHex("#d8dee4"),
		ErrText: mustHex("#b42318"), ErrBg: mustHex("#fef3f2"), ErrBorder: mustHex("#f1aeb5"),
		OkBg: mustHex("#ecfdf3"), OkBorder: mustHex("#75e0a7"),
	}
	darkBase = palette{
		Bg: mustHex("#0d1117"), Surface: mustHex("#161b22"), Text: mustHex("#e6edf3"), Muted: mustHex("#9ea7b3"),
		Border: mustHex("#7d8590"), Divider: mustHex("#30363d"),
		ErrText: mustHex("#ffa198"), ErrBg: mustHex("#2d1517"), ErrBorder: mustHex("#8e1519"),
		OkBg: mustHex("#0f2a1c"), OkBorder: mustHex("#2ea043"),
	}
)

// theme is the pair of palettes built from one primary colour.
type theme struct {
	Light, Dark palette
}

// newTheme derives the portal's colours from the brand's primary colour:
// buttons are the primary colour with white or near-black text, whichever
// reads better (the button is darkened until white text reaches 4.5:1 when
// neither does); links and focus rings are the primary colour darkened
// (light scheme) or lightened (dark scheme) until they reach 4.5:1 on the
// page and card backgrounds.
func newTheme(primary string) (theme, error) {
	p, err := parseHex(primary)
	if err != nil {
		return theme{}, err
	}
	ink := mustHex("#111111")
	button, on := p, white
	if contrast(ink, p) > contrast(white, p) {
		on = ink
	}
	if contrast(on, button) < 4.5 {
		on = white
		button = towards(p, black, 4.5, white)
	}
	hover := mix(button, black, 0.12)
	if on == ink {
		hover = mix(button, white, 0.18)
	}
	t := theme{Light: lightBase, Dark: darkBase}
	for _, pal := range []*palette{&t.Light, &t.Dark} {
		pal.Primary, pal.OnPrimary, pal.PrimaryHover = button, on, hover
		target := black
		if pal == &t.Dark {
			target = white
		}
		pal.Accent = towards(p, target, 4.5, pal.Surface, pal.Bg)
		pal.Focus = pal.Accent
	}
	return t, nil
}

// css writes the palettes as CSS custom properties, the light scheme by
// default and the dark one for browsers that prefer it.
func (t theme) css() string {
	var b strings.Builder
	vars := func(p palette) {
		for _, kv := range []struct {
			name string
			c    rgb
		}{
			{"bg", p.Bg}, {"surface", p.Surface}, {"text", p.Text}, {"muted", p.Muted},
			{"border", p.Border}, {"divider", p.Divider},
			{"err-text", p.ErrText}, {"err-bg", p.ErrBg}, {"err-border", p.ErrBorder},
			{"ok-bg", p.OkBg}, {"ok-border", p.OkBorder},
			{"primary", p.Primary}, {"on-primary", p.OnPrimary}, {"primary-hover", p.PrimaryHover},
			{"accent", p.Accent}, {"focus", p.Focus},
		} {
			fmt.Fprintf(&b, "--%s:%s;", kv.name, kv.c)
		}
	}
	b.WriteString(":root{color-scheme:light dark;")
	vars(t.Light)
	b.WriteString("}\n@media (prefers-color-scheme: dark){:root{")
	vars(t.Dark)
	b.WriteString("}}\n")
	return b.String()
}

// contrastPair is a foreground and background the stylesheet puts
// together, with the ratio WCAG AA asks of it.
type contrastPair struct {
	name   string
	fg, bg rgb
	min    float64
}

// pairs lists what the stylesheet draws on what.
func (p palette) pairs() []contrastPair {
	return []contrastPair{
		{"text on card", p.Text, p.Surface, 4.5},
		{"text on page", p.Text, p.Bg, 4.5},
		{"muted text on card", p.Muted, p.Surface, 4.5},
		{"muted text on page (footer)", p.Muted, p.Bg, 4.5},
		{"link on card", p.Accent, p.Surface, 4.5},
		{"link on page", p.Accent, p.Bg, 4.5},
		{"button text", p.OnPrimary, p.Primary, 4.5},
		{"button text on hover", p.OnPrimary, p.PrimaryHover, 4.5},
		{"error text on card", p.ErrText, p.Surface, 4.5},
		{"error text in error box", p.ErrText, p.ErrBg, 4.5},
		{"text in info box", p.Text, p.OkBg, 4.5},
		{"input border on card", p.Border, p.Surface, 3},
		{"focus ring on card", p.Focus, p.Surface, 3},
		{"invalid input border on card", p.ErrText, p.Surface, 3},
	}
}
