package browser

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// person returns an account of its own for a subtest (n from 10 to 89):
// bans and codes of one never touch another's.
func person(n int) account {
	name := fmt.Sprintf("user%02d", n)
	return account{name, name + "@example.com", "a long passphrase " + name, fmt.Sprintf("+120155501%02d", n), "User " + name}
}

// masked is how the portal shows a's phone number.
func masked(a account) string { return "+1 ••• ••• " + a.phone[len(a.phone)-4:] }

// back presses the browser's Back button and waits for the page, which
// may come from the browser's memory (no load) and reload itself.
func (tb *tab) back() {
	tb.t.Helper()
	tb.do(chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		res, err := cdp.Call(ctx, target, page.GetNavigationHistory, cdp.Empty{})
		if err != nil {
			return err
		}
		if res.CurrentIndex <= 0 {
			return errors.New("no page to go back to")
		}
		_, err = cdp.Call(ctx, target, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: res.Entries[res.CurrentIndex-1].ID})
		return err
	}))
	for range 2 {
		time.Sleep(400 * time.Millisecond)
		tb.waitJS("the page", "document.readyState === 'complete'", 10*time.Second)
	}
}

// passOffer goes on past the recovery codes offer, if it is shown.
func (tb *tab) passOffer() {
	tb.t.Helper()
	if strings.HasPrefix(tb.path(), "/_gatehouse/recovery-codes") {
		tb.click("main p.aside a")
	}
}

// focused is the id, else the text, of the element that has the focus.
func (tb *tab) focused() string {
	tb.t.Helper()
	return evalJS[string](tb, "document.activeElement.id || document.activeElement.textContent.trim()")
}

// TestNoDeadEnds walks into the places people got stuck in (issue 19),
// as they would, Back button included.
func TestNoDeadEnds(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	g := startGateway(t, options{})

	t.Run("Back after signing in goes on to the app, never offers to text a code", func(t *testing.T) {
		a := person(10)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.open("/reports/q3")
		tb.signIn(a)
		tb.passOffer()
		tb.wantPath("/reports/q3")
		sent := g.sent(t)
		for range 3 { // the offer, the code page, the login page
			tb.back()
			// A page from the browser's memory reloads itself: wait for
			// where the server sends it. The recovery codes offer may
			// come back; a sign-in page never.
			ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
			_, _ = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
				"location.pathname === '/reports/q3' || location.pathname.indexOf('/_gatehouse/recovery-codes') === 0",
				chromedp.WithPollingInterval(50*time.Millisecond)))
			cancel()
			tb.waitJS("the page", "document.readyState === 'complete'", 10*time.Second)
			if strings.Contains(tb.bodyText(), "Send the code") {
				t.Fatalf("Back after signing in: %s offers to text a code", tb.location())
			}
			if p := tb.path(); p != "/reports/q3" && !strings.HasPrefix(p, "/_gatehouse/recovery-codes") {
				t.Fatalf("Back after signing in: on %s, want the app (/reports/q3); it shows:\n%s", p, tb.bodyText())
			}
		}
		if g.sent(t) != sent {
			t.Error("going Back texted a code")
		}
	})

	t.Run("an empty code uses no attempt", func(t *testing.T) {
		a := person(11)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.open("/reports")
		before := g.sent(t)
		tb.typeIn("#username", a.username)
		tb.typeIn("#password", a.password)
		tb.click("form[action$='/login'] button[type=submit]")
		code, _ := g.code(t, a.phone, before)
		for range 6 {
			if st := tb.click("form[action$='/otp'] button[type=submit]"); st != 400 {
				t.Fatalf("empty code: status %d, want 400", st)
			}
			tb.wantText("Enter the 6-digit code")
		}
		tb.shot("otp-empty")
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.passOffer()
		tb.wantPath("/reports")
	})

	t.Run("Send a new code says it was sent, and where", func(t *testing.T) {
		a := person(12)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.open("/reports")
		before := g.sent(t)
		tb.typeIn("#username", a.username)
		tb.typeIn("#password", a.password)
		tb.click("form[action$='/login'] button[type=submit]")
		_, n := g.code(t, a.phone, before)
		tb.waitJS("the resend button", "!document.getElementById('resend').disabled", 10*time.Second)
		tb.click("#resend")
		code, _ := g.code(t, a.phone, n)
		want := "We sent a new code to " + masked(a) + "."
		if got := tb.text("[role=status]"); got != want {
			t.Errorf("after Send a new code, the status says %q, want %q", got, want)
		}
		tb.shot("otp-resent")
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.passOffer()
		tb.wantPath("/reports")
	})

	t.Run("wrong codes: a warning before the last try, then send a new code", func(t *testing.T) {
		a := person(13)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.open("/reports")
		before := g.sent(t)
		tb.typeIn("#username", a.username)
		tb.typeIn("#password", a.password)
		tb.click("form[action$='/login'] button[type=submit]")
		code, n := g.code(t, a.phone, before)
		for i := 1; i <= 4; i++ {
			tb.typeIn("#code", wrongCode(code))
			tb.click("form[action$='/otp'] button[type=submit]")
		}
		tb.wantText("You have one more try")
		tb.shot("otp-last-try")
		tb.typeIn("#code", wrongCode(code))
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.wantText("Too many wrong codes — send a new code.")
		if strings.Contains(tb.bodyText(), "expired") {
			t.Errorf("after the last wrong code the page speaks of expiry:\n%s", tb.bodyText())
		}
		if got := tb.focused(); got != "Send a new code" {
			t.Errorf("after the last wrong code the focus is on %q, want the Send a new code button", got)
		}
		if got := evalJS[string](tb, "document.querySelector('form[action$=\"/otp/resend\"] button').className"); got != "btn" {
			t.Errorf("the resend button is %q, want the primary button", got)
		}
		tb.shot("otp-attempts-used")
		tb.click("form[action$='/otp/resend'] button[type=submit]")
		code, _ = g.code(t, a.phone, n)
		tb.wantText("We sent a new code to " + masked(a) + ".")
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.passOffer()
		tb.wantPath("/reports")
	})

	t.Run("a lockout says how long, and offers to reset the password", func(t *testing.T) {
		a := person(14)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.open("/reports")
		wrong := func() {
			tb.typeIn("#username", a.username)
			tb.typeIn("#password", "not the password")
			tb.click("form[action$='/login'] button[type=submit]")
		}
		for range 4 {
			wrong()
		}
		tb.wantText("One more wrong try and signing in is blocked for 15 minutes.")
		tb.shot("login-last-try")
		wrong()
		wrong()
		tb.wantText("Too many failed attempts. Try again in 15 minutes.")
		tb.shot("login-locked")
		tb.click("#form-error a")
		tb.wantPath("/_gatehouse/reset")
	})

	t.Run("an extension in a phone number is named", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/status")
		tb.wantPath("/_gatehouse/login")
		tb.typeIn("#phone", "(201) 555-0142 ext. 7")
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantText("An extension cannot receive text messages. Enter a mobile number.")
		tb.shot("phone-extension")
	})

	t.Run("Show keeps the focus on the button, and Enter does not send the form", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/reports")
		tb.typeIn("#username", "someone")
		tb.typeIn("#password", "half a passw")
		tb.do(chromedp.Click(chromedp.CSS("button[data-reveal=password]")))
		if got := evalJS[string](tb, "document.activeElement.dataset.reveal || document.activeElement.id"); got != "password" || evalJS[string](tb, "document.activeElement.tagName") != "BUTTON" {
			t.Errorf("after Show the focus is on %q (%s), want the Show button", got, evalJS[string](tb, "document.activeElement.tagName"))
		}
		tb.shot("login-password-shown")
		tb.do(chromedp.Click(chromedp.CSS("button[data-reveal=password]")))
		tb.do(chromedp.Click(chromedp.CSS("button[data-reveal=password]")))
		tb.do(chromedp.KeyEvent("\r"))
		time.Sleep(300 * time.Millisecond)
		tb.wantPath("/_gatehouse/login")
		if strings.Contains(tb.bodyText(), "Wrong username") {
			t.Error("Enter after Show sent the form")
		}
	})

	t.Run("the 403 page says who is signed in; error titles start with Error:", func(t *testing.T) {
		a := person(15)
		g.signUp(t, a)
		tb := b.newTab(t, g)
		tb.open("/reports")
		tb.signIn(a)
		tb.passOffer()
		if st := tb.open("/admin/users"); st != 403 {
			t.Fatalf("admin area: status %d, want 403", st)
		}
		tb.wantText("You are signed in as " + a.username + ".")
		if title := evalJS[string](tb, "document.title"); !strings.HasPrefix(title, "Error: ") {
			t.Errorf("403 page title %q, want it to start with Error: ", title)
		}
		if icon := evalJS[string](tb, "document.querySelector('link[rel=icon]').getAttribute('href')"); !strings.HasPrefix(icon, "data:") {
			t.Errorf("the icon is %q, want one in the page (a data: URI)", icon)
		}
		tb.shot("forbidden-signed-in")
		tb.open("/_gatehouse/account")
		if got := evalJS[string](tb, "document.getElementById('phone').getAttribute('autocomplete')"); got != "off" {
			t.Errorf("new mobile number autocomplete=%q, want off", got)
		}
	})

	t.Run("the error summary wraps at 320 px with text at 200 %", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/_gatehouse/signup")
		tb.typeIn("#username", "-")
		tb.typeIn("#email", "not-an-email-address-at-all-with-a-long-long-name")
		tb.typeIn("#phone", "12")
		tb.typeIn("#password", "short")
		tb.click("form[action$='/signup'] button[type=submit]")
		tb.do(chromedp.EmulateViewport(320, 640, chromedp.EmulateMobile))
		tb.do(js("document.documentElement.style.fontSize = '200%'"))
		overflow := evalJS[string](tb, `(function () {
  var out = [], w = document.documentElement.clientWidth;
  document.querySelectorAll('#form-error, #form-error *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > w + 1 || r.left < -1) out.push(e.tagName + ' ' + e.textContent.slice(0, 30) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  });
  if (document.documentElement.scrollWidth > w + 1) {
    out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + w);
    var walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      var rg = document.createRange();
      rg.selectNodeContents(walk.currentNode);
      var r = rg.getBoundingClientRect();
      if (r.right > w + 1) out.push('"' + walk.currentNode.textContent.trim().slice(0, 40) + '" in ' + walk.currentNode.parentNode.tagName + '.' + walk.currentNode.parentNode.className + ' reaches ' + Math.round(r.right));
    }
  }
  return out.join('; ');
})()`)
		if overflow != "" {
			t.Errorf("at 320 px and 200 %% text: %s", overflow)
		}
	})
}
