package browser

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// noScript turns the page's scripts off in tb, as a browser without
// JavaScript.
func (tb *tab) noScript() {
	tb.t.Helper()
	tb.noJS = true
	tb.do(chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		_, err := cdp.Call(ctx, target, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// TestCodePageStates: without JavaScript the resend button says what it
// does and a press too early is told apart from a wrong code; with it,
// the end of the wait and of the code are announced (aria-live).
func TestCodePageStates(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	g := startGateway(t, options{})

	t.Run("without JavaScript", func(t *testing.T) {
		a := person(40)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.noScript()
		tb.open("/reports")
		before := g.sent(t)
		tb.typeIn("#username", a.username)
		tb.typeIn("#password", a.password)
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/otp")
		_, n := g.code(t, a.phone, before)
		if got := tb.text("#resend"); got != "Send a new code" {
			t.Errorf("resend button reads %q, want Send a new code (no countdown runs without JavaScript)", got)
		}
		if evalJS[bool](tb, "document.getElementById('resend').disabled") {
			t.Error("the resend button is disabled, and nothing would enable it")
		}
		tb.wantText("A new code can be sent 5 seconds after the last one.")
		tb.shot("otp-no-js")
		if st := tb.click("#resend"); st != 429 {
			t.Fatalf("resend too early: status %d, want 429", st)
		}
		if !regexp.MustCompile(`^Wait ([2-5] seconds|a second) before asking for a new code\.$`).MatchString(tb.text("#form-error")) {
			t.Errorf("resend too early says %q", tb.text("#form-error"))
		}
		if got := evalJS[string](tb, "String(document.getElementById('code').getAttribute('aria-invalid'))"); got == "true" {
			t.Error("a resend too early marks the code field wrong")
		}
		tb.shot("otp-resend-too-early")
		time.Sleep(5 * time.Second)
		tb.click("#resend")
		code, _ := g.code(t, a.phone, n)
		tb.wantText("We sent a new code to " + masked(a) + ".")
		tb.click("form[action$='/otp'] button[type=submit]") // empty
		if got := evalJS[string](tb, "document.getElementById('code').getAttribute('aria-invalid') + ' ' + document.getElementById('code').getAttribute('aria-describedby')"); !strings.HasPrefix(got, "true code-error") {
			t.Errorf("empty code: aria-invalid, aria-describedby = %q, want true and the field's error", got)
		}
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.passOffer()
		tb.wantPath("/reports")
	})

	t.Run("with JavaScript the end of the wait is announced", func(t *testing.T) {
		a := person(41)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.open("/reports")
		tb.typeIn("#username", a.username)
		tb.typeIn("#password", a.password)
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/otp")
		if got := evalJS[string](tb, "document.getElementById('code-hint').getAttribute('aria-live')"); got != "polite" {
			t.Errorf("the code's lifetime is not announced when it ends: aria-live=%q", got)
		}
		if evalJS[bool](tb, "!document.getElementById('resend-note').hidden") {
			t.Error("the note of the wait shows next to the countdown")
		}
		tb.waitJS("the announcement", "document.getElementById('otp-live').textContent === 'You can send a new code now.'", 10*time.Second)
		if got := evalJS[string](tb, "document.getElementById('otp-live').getAttribute('aria-live')"); got != "polite" {
			t.Errorf("#otp-live aria-live=%q", got)
		}
	})
}
