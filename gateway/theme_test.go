package gateway

import (
	"strings"
	"testing"
)

// TestThemeContrast checks every colour pair the stylesheet uses against
// WCAG AA, in both schemes, for brand colours from dark to glaring.
func TestThemeContrast(t *testing.T) {
	for _, primary := range []string{"#0b5cad", "#ffcc00", "#888888", "#ffffff", "#000000", "#e11d48", "#0f0", "#7c3aed", "#14b8a6", "#c2410c"} {
		t.Run(primary, func(t *testing.T) {
			th, err := newTheme(primary)
			if err != nil {
				t.Fatal(err)
			}
			for scheme, p := range map[string]palette{"light": th.Light, "dark": th.Dark} {
				for _, pr := range p.pairs() {
					if got := contrast(pr.fg, pr.bg); got < pr.min {
						t.Errorf("%s scheme: %s is %s on %s, contrast %.2f:1, want at least %.1f:1", scheme, pr.name, pr.fg, pr.bg, got, pr.min)
					}
				}
			}
		})
	}
}

func TestThemeKeepsAReadableBrandColour(t *testing.T) {
	th, err := newTheme("#0b5cad")
	if err != nil {
		t.Fatal(err)
	}
	// A colour that already reads well is used as it is.
	if got := th.Light.Primary.String(); got != "#0b5cad" {
		t.Errorf("button colour %s, want the configured #0b5cad", got)
	}
	if got := th.Light.OnPrimary; got != white {
		t.Errorf("button text %s on a dark blue, want white", got)
	}
	yellow, _ := newTheme("#ffcc00")
	if yellow.Light.Primary.String() != "#ffcc00" || yellow.Light.OnPrimary == white {
		t.Errorf("yellow button: %s with %s text, want the yellow with dark text", yellow.Light.Primary, yellow.Light.OnPrimary)
	}
	css := th.css()
	for _, want := range []string{"--primary:#0b5cad;", "--on-primary:#ffffff;", "prefers-color-scheme: dark"} {
		if !strings.Contains(css, want) {
			t.Errorf("theme CSS lacks %q:\n%s", want, css)
		}
	}
}

func TestContrastRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#767676", "#ffffff", 4.54}, // the classic lightest AA grey on white
	} {
		if got := contrast(mustHex(tc.a), mustHex(tc.b)); got < tc.want-0.01 || got > tc.want+0.01 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}
