package browser

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// reload presses Reload and returns the page's status. After a form's
// POST this would ask to send the form again (and hang here), so it
// also proves the page came by a redirect.
func (tb *tab) reload() int {
	tb.t.Helper()
	return tb.navigate(chromedp.Reload())
}

// wantNumber fails unless the page shows the phone number, however its
// spaces and hyphens are kept from breaking.
func (tb *tab) wantNumber(number string) {
	tb.t.Helper()
	body := strings.NewReplacer("\u00a0", " ", "\u2011", "-").Replace(tb.bodyText())
	if !strings.Contains(body, number) {
		tb.t.Fatalf("%s does not show %q; it shows:\n%s", tb.location(), number, body)
	}
}

// scrollY is how far down the page is scrolled.
func (tb *tab) scrollY() int {
	tb.t.Helper()
	return evalJS[int](tb, "Math.round(window.scrollY)")
}

// TestFormsBehaveLikeForms: results of changes come by a redirect
// (Reload and Back never send a form again), one problem is summed up
// like several, a phone change can be corrected, sent again or
// cancelled, and the reset keeps the name typed out of the address.
func TestFormsBehaveLikeForms(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	g := startGateway(t, options{})

	t.Run("sign-up with one bad field: summary, focus, and Enter your password again", func(t *testing.T) {
		a := person(20)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		tb.open("/_gatehouse/signup")
		tb.typeIn("#username", a.username) // taken
		tb.typeIn("#email", "new20@example.com")
		tb.typeIn("#phone", "(201) 555-0170")
		tb.typeIn("#password", "a good long passphrase")
		if st := tb.click("form[action$='/signup'] button[type=submit]"); st != 409 {
			t.Fatalf("taken username: status %d, want 409", st)
		}
		if got := tb.text("#form-error li"); !strings.Contains(got, "That username is taken") {
			t.Errorf("error summary lists %q, want the username", got)
		}
		if got := tb.focused(); got != "form-error" {
			t.Errorf("focus on %q, want the error summary", got)
		}
		tb.wantText("Enter your password again.")
		tb.shot("signup-one-error")
		tb.typeIn("#username", "new20")
		tb.click("form[action$='/signup'] button[type=submit]")
		if got := tb.text("#password-error"); got != "Enter your password again." {
			t.Errorf("the emptied password: %q, want Enter your password again.", got)
		}
		if strings.Contains(tb.bodyText(), "Use at least") {
			t.Error("the emptied password is said to be too short")
		}
	})

	t.Run("phone change: the whole number, corrected, sent again, cancelled, at the top of the page", func(t *testing.T) {
		a := person(21)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		tb.open("/_gatehouse/account")
		tb.signIn(a)
		tb.passOffer()
		tb.wantPath("/_gatehouse/account")
		tb.typeIn("#phone", "(201) 555-0177") // a typo for 0171
		before := g.sent(t)
		tb.click("form[action$='/account/phone'] button[type=submit]")
		if st := tb.reload(); st != 200 {
			t.Fatalf("reload after sending the code: status %d", st)
		}
		_, n := g.code(t, "+12015550177", before)
		tb.wantText("We texted a code to the new number.")
		tb.wantNumber("+1 201-555-0177")
		if y := tb.scrollY(); y != 0 {
			t.Errorf("the page opens scrolled down by %d px, want the top", y)
		}
		tb.shot("account-phone-pending")
		tb.click("form[action$='/account/phone/cancel'] input[name=edit] ~ button")
		if got := evalJS[string](tb, "document.getElementById('phone').value"); got != "+1 201-555-0177" {
			t.Errorf("Change number: the field holds %q, want the number to correct", got)
		}
		tb.shot("account-phone-correct")
		tb.typeIn("#phone", "(201) 555-0171")
		tb.click("form[action$='/account/phone'] button[type=submit]")
		_, n = g.code(t, "+12015550171", n)
		tb.wantNumber("+1 201-555-0171")
		time.Sleep(5 * time.Second) // otp.resend_cooldown
		tb.click("form[action$='/account/phone'] button[type=submit]")
		g.code(t, "+12015550171", n) // sent again
		tb.wantText("We texted a code to the new number.")
		tb.click("form[action$='/account/phone/cancel']:not(:has(input[name=edit])) button")
		tb.wantText("The change was cancelled: your phone number is unchanged.")
		tb.shot("account-phone-cancelled")
		tb.wantText(masked(a))
		if st := tb.reload(); st != 200 {
			t.Fatalf("reload after cancelling: status %d", st)
		}
		tb.typeIn("#phone", "(201) 555-0171")
		before = g.sent(t)
		tb.click("form[action$='/account/phone'] button[type=submit]")
		code, _ := g.code(t, "+12015550171", before)
		tb.typeIn("#code", code)
		tb.click("form[action$='/account/phone/verify'] button[type=submit]")
		tb.wantText("Your phone number has been changed.")
		if st := tb.reload(); st != 200 {
			t.Fatalf("reload after the change: status %d", st)
		}
		tb.back()
		tb.wantPath("/_gatehouse/account")
	})

	t.Run("password change: Reload does not send it again", func(t *testing.T) {
		a := person(22)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.open("/_gatehouse/account")
		tb.signIn(a)
		tb.passOffer()
		tb.typeIn("#current", a.password)
		tb.typeIn("#password", "another long passphrase")
		tb.click("form[action$='/account/password'] button[type=submit]")
		tb.wantText("Password changed.")
		tb.shot("account-password-done")
		if st := tb.reload(); st != 200 {
			t.Fatalf("reload after the change: status %d", st)
		}
		tb.wantPath("/_gatehouse/account")
	})

	t.Run("reset: the name typed stays out of the address; password managers learn who", func(t *testing.T) {
		a := person(23)
		g.signUp(t, a)
		// a signs in with two factors: the reset needs a recovery code,
		// made at the first sign-in's offer.
		first := b.newTab(t, g)
		first.open("/reports")
		first.signIn(a)
		first.wantPath("/_gatehouse/recovery-codes")
		first.click("form[action$='/recovery-codes'] button[type=submit]")
		codes := evalJS[[]string](first, "Array.from(document.querySelectorAll('#recovery-codes code')).map(function (c) { return c.textContent })")
		if len(codes) == 0 {
			t.Fatal("no recovery codes made")
		}
		tb := b.newTab(t, g)
		tb.open("/_gatehouse/reset")
		// The username: an email typed at sign-up names no account until
		// an administrator vouches for it (docs/contract.md, "Sign-up").
		tb.typeIn("#username", a.username)
		before := g.sent(t)
		tb.click("form[action$='/reset'] button[type=submit]")
		if loc, _ := url.QueryUnescape(tb.location()); strings.Contains(loc, a.email) || strings.Contains(loc, "user23") {
			t.Errorf("the reset page's address %s holds the name typed", loc)
		}
		tb.shot("reset-code-no-name-in-url")
		if got := evalJS[string](tb, "(function(){var u = document.querySelector('form input[autocomplete=username]'); return u ? u.value + ' ' + u.hidden : 'none'})()"); got != a.username+" true" {
			t.Errorf("the new-password form's username field: %q, want a hidden one with %s", got, a.username)
		}
		code, _ := g.code(t, a.phone, before)
		tb.typeIn("#code", code)
		tb.typeIn("#recovery_code", codes[0])
		tb.typeIn("#password", "a brand new passphrase 23")
		tb.click("form[action$='/reset'] button.btn")
		tb.wantText("Password changed")
		if st := tb.reload(); st != 200 {
			t.Fatalf("reload after the reset: status %d", st)
		}
		tb.wantText("Password changed")
		if loc, _ := url.QueryUnescape(tb.location()); strings.Contains(loc, a.username) {
			t.Errorf("the reset page's address %s holds the name typed", loc)
		}
	})
}
