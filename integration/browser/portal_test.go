package browser

// TestPortal: every page a person meets on the portal, walked in a real
// browser.

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Tokyo without the system's zone files

	"github.com/chromedp/chromedp"
)

// TestPortal walks every page a person meets, in a real browser.
func TestPortal(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	g := startGateway(t, options{})
	alice := account{"alice", "alice@example.com", "correct horse battery", "+12015550100", "Alice Example"}
	zoe := account{"zoe", "zoe@example.com", "zoe has a long passphrase", "+12015550199", "Zoe Example"}
	g.signUp(t, alice)
	var zoeCodes []string // zoe's recovery codes, made when she signs up

	t.Run("sign in through the proxy: wrong code, then the right one pasted, back on the page first asked for", func(t *testing.T) {
		tb := b.newTab(t, g)
		const target = "/reports/q3?year=2026#totals"
		if st := tb.open(target); st != 200 {
			t.Fatalf("login page: status %d", st)
		}
		tb.wantPath("/_gatehouse/login")
		if u, _ := url.Parse(tb.location()); u.Query().Get("rd") != "/reports/q3?year=2026" {
			t.Errorf("login page rd = %q, want the page asked for", u.Query().Get("rd"))
		}
		tb.wantText("Sign in to continue to Gatehouse.")
		if got := evalJS[string](tb, "document.activeElement.id"); got != "username" {
			t.Errorf("focus starts on %q, want the username", got)
		}
		tb.shot("login")

		tb.typeIn("#username", alice.username)
		tb.typeIn("#password", alice.password)
		tb.do(chromedp.Click(chromedp.CSS("button[data-reveal=password]")))
		if typ := evalJS[string](tb, "document.getElementById('password').type"); typ != "text" {
			t.Errorf("Show: password input type %q, want text", typ)
		}
		tb.do(chromedp.Click(chromedp.CSS("button[data-reveal=password]")))
		tb.do(chromedp.Click(chromedp.CSS("#remember_me")))
		before := g.sent(t)
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/otp")
		code, n := g.code(t, alice.phone, before)
		tb.wantText("We texted a 6-digit code to +1 ••• ••• 0100.")
		for attr, want := range map[string]string{"autocomplete": "one-time-code", "inputmode": "numeric"} {
			if got := evalJS[string](tb, "document.getElementById('code').getAttribute('"+attr+"')"); got != want {
				t.Errorf("code input %s=%q, want %q", attr, got, want)
			}
		}
		tb.shot("otp")

		tb.typeIn("#code", wrongCode(code))
		if st := tb.click("form[action$='/otp'] button[type=submit]"); st != 401 {
			t.Errorf("wrong code: status %d, want 401", st)
		}
		tb.wantText("That code did not work. Check the SMS and try again.")
		if got := evalJS[string](tb, "document.getElementById('code').getAttribute('aria-invalid') + ' ' + document.getElementById('code').getAttribute('aria-describedby')"); !strings.HasPrefix(got, "true form-error") {
			t.Errorf("code input after a wrong code: aria-invalid, aria-describedby = %q, want true and the error", got)
		}
		tb.shot("otp-wrong-code")

		// The whole SMS is pasted: the code is picked out and sent at once.
		sms := g.messages(t)[n-1].Body
		tb.navigate(paste("code", sms))
		// alice's first two-factor sign-in: recovery codes are offered
		// once, and "Not now" goes on to the page first asked for.
		tb.wantPath("/_gatehouse/recovery-codes")
		tb.wantText("If you lose your phone, a recovery code gets you in")
		tb.shot("recovery-offer")
		tb.click("a[href*='/reports/q3']")
		if got := tb.location(); got != g.base+target {
			t.Fatalf("after the offer: %s, want exactly %s", got, g.base+target)
		}
		tb.wantText("Hello, alice")
		tb.wantText("✔ The X-Auth-Assertion verified")
		if ck := tb.cookie("gatehouse_session"); ck == nil || ck.Session {
			t.Errorf("\"Keep me signed in\" ticked, but the session cookie is %+v (want one that outlives the browser)", ck)
		}
		tb.shot("app")

		// Not an admin: the admin area says so, on a page of its own.
		if st := tb.open("/admin/"); st != 403 {
			t.Errorf("/admin/ for a non-admin: status %d, want 403", st)
		}
		tb.wantText("You do not have access to this page.")
		tb.shot("error-403")
	})

	t.Run("resend: the button counts the cooldown down, then sends a new code", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/")
		tb.typeIn("#username", alice.username)
		tb.typeIn("#password", alice.password)
		before := g.sent(t)
		tb.click("form[action$='/login'] button[type=submit]")
		_, n := g.code(t, alice.phone, before)
		label := tb.text("#resend")
		m := regexp.MustCompile(`^Send a new code in 0:0([1-5])$`).FindStringSubmatch(label)
		if m == nil || !evalJS[bool](tb, "document.getElementById('resend').disabled") {
			t.Fatalf("resend button %q (disabled %v), want a disabled countdown from the 5 s cooldown", label, evalJS[bool](tb, "document.getElementById('resend').disabled"))
		}
		tb.waitJS("the countdown to tick", "document.getElementById('resend').textContent !== "+jsString(label), 3*time.Second)
		tb.shot("otp-countdown")
		tb.waitJS("the resend button", "!document.getElementById('resend').disabled", 7*time.Second)
		if got := tb.text("#resend"); got != "Send a new code" {
			t.Errorf("after the cooldown the button says %q", got)
		}
		tb.click("#resend")
		tb.wantPath("/_gatehouse/otp")
		code, _ := g.code(t, alice.phone, n)
		if !evalJS[bool](tb, "document.getElementById('resend').disabled") {
			t.Error("the countdown did not start again after a resend")
		}
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.wantPath("/")
		tb.wantText("Hello, alice")
	})

	t.Run("sign up with phone verification, the code arriving through WebOTP", func(t *testing.T) {
		tb := b.newTab(t, g, webOTPStub)
		tb.open("/")
		tb.click("a[href*='/signup']")
		tb.wantPath("/_gatehouse/signup")
		tb.shot("signup")

		tb.typeIn("#name", zoe.name)
		tb.typeIn("#username", "z")
		tb.typeIn("#email", "zoe@")
		tb.typeIn("#phone", "555")
		tb.typeIn("#password", "password")
		if st := tb.click("form[action$='/signup'] button[type=submit]"); st != 400 {
			t.Errorf("bad sign-up: status %d, want 400", st)
		}
		tb.wantText("Some fields need another look.")
		for _, f := range []string{"username", "email", "phone", "password"} {
			if got := evalJS[string](tb, "document.getElementById('"+f+"').getAttribute('aria-invalid')"); got != "true" {
				t.Errorf("field %s not marked invalid", f)
			}
		}
		if got := evalJS[string](tb, "document.activeElement.id"); got != "form-error" {
			t.Errorf("focus on %q after errors, want the error summary", got)
		}
		if got := evalJS[string](tb, "document.getElementById('name').value"); got != zoe.name {
			t.Errorf("the name typed is gone: %q", got)
		}
		tb.shot("signup-errors")

		tb.typeIn("#username", zoe.username)
		tb.typeIn("#email", zoe.email)
		tb.typeIn("#phone", "(201) 555-0199") // national format: default_region US
		tb.typeIn("#password", zoe.password)
		before := g.sent(t)
		tb.click("form[action$='/signup'] button[type=submit]")
		tb.wantPath("/_gatehouse/otp")
		tb.wantText("Confirm your phone number")
		code, n := g.code(t, zoe.phone, before)
		if body := g.messages(t)[n-1].Body; !strings.HasSuffix(body, "@127.0.0.1 #"+code) {
			t.Errorf("SMS %q lacks the WebOTP line", body)
		}
		if got := evalJS[string](tb, "window.__otpRequest || ''"); got != `{"transport":["sms"],"signal":true}` {
			t.Errorf("WebOTP request %q, want transport sms with an abort signal", got)
		}
		tb.shot("signup-code")
		tb.navigate(js("window.__deliverOTP(" + jsString(code) + ")"))
		// zoe takes the offer of recovery codes and keeps them.
		tb.wantPath("/_gatehouse/recovery-codes")
		tb.click("form[action$='/recovery-codes'] button[type=submit]")
		tb.wantText("Save them now: they will not be shown again.")
		zoeCodes = evalJS[[]string](tb, "Array.from(document.querySelectorAll('#recovery-codes code')).map(function (c) { return c.textContent })")
		if len(zoeCodes) != 10 {
			t.Fatalf("%d recovery codes shown, want 10: %v", len(zoeCodes), zoeCodes)
		}
		tb.shot("recovery-codes")
		tb.click("a.btn")
		tb.wantPath("/")
		tb.wantText("Hello, zoe")
	})
	if len(zoeCodes) != 10 {
		t.Fatal("zoe has no recovery codes: the tests below need them")
	}

	t.Run("passwordless phone login: what people type, and what is wrong with it", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/status/")
		tb.wantPath("/_gatehouse/login")
		tb.wantText("Sign in with your phone")
		tb.wantText("(201)\u00a0555\u20110123") // the example in the region's own format, on one line
		tb.shot("phone-login")
		tb.typeIn("#phone", "201 555 01")
		if st := tb.click("form[action$='/login'] button[type=submit]"); st != 400 {
			t.Errorf("short number: status %d, want 400", st)
		}
		tb.wantText("That number is too short.")
		if got := evalJS[string](tb, "document.getElementById('phone').value"); got != "201 555 01" {
			t.Errorf("the number typed is gone: %q", got)
		}
		tb.shot("phone-login-error")
		tb.typeIn("#phone", "201-555-0100")
		before := g.sent(t)
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/otp")
		code, _ := g.code(t, alice.phone, before)
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.wantPath("/status/")
		tb.wantText("Hello, alice")
	})

	t.Run("password reset, then sign in with the new password", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/")
		tb.click("a[href*='/reset']")
		tb.wantPath("/_gatehouse/reset")
		tb.shot("reset")
		tb.typeIn("#username", zoe.username)
		before := g.sent(t)
		tb.click("form[action$='/reset'] button[type=submit]")
		tb.wantText("If zoe has an account with a phone number, we texted it a code.")
		code, _ := g.code(t, zoe.phone, before)
		tb.typeIn("#code", code)
		tb.typeIn("#password", "password1")
		tb.shot("reset-code")
		if st := tb.click("form[action$='/reset'] button.btn"); st != 400 {
			t.Errorf("common password: status %d, want 400", st)
		}
		tb.wantText("among the most common")
		if got := evalJS[string](tb, "document.getElementById('code').value"); got != code {
			t.Errorf("the code was not kept for the next try: %q", got)
		}
		tb.typeIn("#password", "a brand new passphrase")
		// zoe signs in with two factors: the SMS code alone does not reset
		// her password, and the code is kept while she finds a recovery code.
		if st := tb.click("form[action$='/reset'] button.btn"); st != 400 {
			t.Errorf("reset by the SMS code alone: status %d, want 400", st)
		}
		tb.wantText("enter one of your recovery codes too")
		if got := evalJS[string](tb, "document.getElementById('code').value"); got != code {
			t.Errorf("the code was not kept for the next try: %q", got)
		}
		tb.shot("reset-needs-recovery")
		tb.typeIn("#recovery_code", zoeCodes[0])
		tb.typeIn("#password", "a brand new passphrase")
		if st := tb.click("form[action$='/reset'] button.btn"); st != 200 {
			t.Errorf("reset: status %d", st)
		}
		tb.wantText("Password changed")
		tb.shot("reset-done")
		tb.click("a.btn")
		tb.signIn(account{username: zoe.username, password: "a brand new passphrase", phone: zoe.phone})
		tb.wantPath("/")
		tb.wantText("Hello, zoe")
	})

	t.Run("phone lost: a recovery code instead of the text, then the account page to bind a new one", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/")
		tb.typeIn("#username", zoe.username)
		tb.typeIn("#password", "a brand new passphrase")
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/otp")
		tb.wantText("Lost your phone?")
		tb.click("a[href*='/recovery']")
		tb.wantPath("/_gatehouse/recovery")
		tb.waitJS("focus on the recovery code field", "document.activeElement && document.activeElement.id === 'recovery_code'", 2*time.Second)
		tb.shot("recovery")
		tb.typeIn("#recovery_code", zoeCodes[0]) // spent by the reset
		if st := tb.click("form[action$='/recovery'] button[type=submit]"); st != 401 {
			t.Errorf("a spent recovery code: status %d, want 401", st)
		}
		tb.wantText("That recovery code is not right, or it was already used.")
		tb.shot("recovery-wrong")
		tb.typeIn("#recovery_code", strings.ToUpper(zoeCodes[1])) // as read off paper
		tb.click("form[action$='/recovery'] button[type=submit]")
		tb.wantPath("/_gatehouse/account")
		tb.wantText("You signed in with a recovery code.")
		tb.wantText("You have 8 of 10 recovery codes left.")
		tb.shot("account-recovered")
		tb.click("a[href='/']")
		tb.wantPath("/")
		tb.wantText("Hello, zoe")
	})

	t.Run("account page, then sign out everywhere", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.timezone("Asia/Tokyo")
		tb.open("/_gatehouse/account")
		tb.signIn(alice)
		tb.wantPath("/_gatehouse/account")
		tb.wantText("(this browser)")
		tb.wantText("Chrome (headless) on Linux")
		tb.shot("account")

		// Session times are sent in UTC and shown in the reader's zone.
		stamp := evalJS[[]string](tb, `(function () { var e = document.querySelector('time[datetime]'); return e ? [e.getAttribute('datetime'), e.textContent, e.title] : []; })()`)
		if len(stamp) != 3 {
			t.Fatal("the account page shows no <time> for its sessions")
		}
		at, err := time.Parse(time.RFC3339, stamp[0])
		if err != nil {
			t.Fatalf("datetime %q: %v", stamp[0], err)
		}
		tokyo, err := time.LoadLocation("Asia/Tokyo")
		if err != nil {
			t.Fatal(err)
		}
		if want := at.In(tokyo).Format("3:04 PM"); !strings.Contains(stamp[1], want) {
			t.Errorf("a session time reads %q in Tokyo; want the local %s (UTC: %q)", stamp[1], want, stamp[2])
		}
		if !strings.HasSuffix(stamp[2], "UTC") {
			t.Errorf("the UTC time is not kept as the tooltip: %q", stamp[2])
		}

		// A new phone number, proved by a code sent to it.
		tb.typeIn("#phone", "201 555 0150")
		before := g.sent(t)
		tb.click("form[action$='/account/phone'] button[type=submit]")
		tb.wantText("We texted a code to the new number.")
		code, _ := g.code(t, "+12015550150", before)
		tb.typeIn("#code", code)
		tb.click("form[action$='/account/phone/verify'] button[type=submit]")
		tb.wantText("Your phone number has been changed.")
		tb.wantText("+1 ••• ••• 0150")
		if msgs := g.messages(t); !strings.Contains(msgs[len(msgs)-1].Body, "changed") || msgs[len(msgs)-1].To != alice.phone {
			t.Errorf("the old number was not told: %+v", msgs[len(msgs)-1])
		}
		alice.phone = "+12015550150" // for the tests that follow

		tb.open("/_gatehouse/logout")
		tb.shot("logout")
		tb.click("form[action$='/logout'] button[type=submit]")
		tb.wantText("You are signed out.")
		tb.shot("logout-done")
		if ck := tb.cookie("gatehouse_session"); ck != nil {
			t.Errorf("session cookie still set after sign-out: %+v", ck)
		}
		tb.open("/")
		tb.wantPath("/_gatehouse/login")
	})

	t.Run("after login, the browser may go to another host of the gateway (form-action allows the redirect)", func(t *testing.T) {
		tb := b.newTab(t, g)
		rd := fmt.Sprintf("http://localhost:%d/welcome", g.port)
		tb.open("/_gatehouse/login?rd=" + url.QueryEscape(rd))
		tb.typeIn("#username", alice.username)
		tb.typeIn("#password", alice.password)
		tb.click("form[action$='/login'] button[type=submit]")
		// The session cookie belongs to 127.0.0.1, so localhost asks for a
		// login of its own: what matters is that the browser got there.
		if u, err := url.Parse(tb.location()); err != nil || u.Hostname() != "localhost" {
			t.Fatalf("after login the browser is at %s, want host localhost (rd %s)", tb.location(), rd)
		}

		// That login proved the password only: a two-factor page asks for
		// the missing code alone.
		tb.open("/")
		tb.wantPath("/_gatehouse/login")
		tb.wantText("Confirm it's you")
		tb.wantText("code from your phone. We'll text one to +1 ••• ••• " + alice.phone[len(alice.phone)-4:] + ".")
		tb.shot("step-up")
		before := g.sent(t)
		tb.click("form[action$='/otp/resend'] button[type=submit]")
		code, _ := g.code(t, alice.phone, before)
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.wantPath("/")
		tb.wantText("Hello, alice")
	})
}
