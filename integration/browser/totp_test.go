package browser

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// appCode is what an authenticator app holding secret shows at t.
func appCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

var base32Key = regexp.MustCompile(`^[A-Z2-7]{32}$`)

// TestTOTPInBrowser: a person sets an authenticator app up on the account
// page (the key read off the page, codes computed as an app would), then
// signs in with it where only an app will do, and steps up to a page that
// only takes a text message.
func TestTOTPInBrowser(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	g := startGateway(t, options{totp: true})
	alice := account{"alice", "alice@example.com", "correct horse battery", "+12015550100", "Alice Example"}
	g.signUp(t, alice)

	var secret string
	t.Run("set up on the account page", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/_gatehouse/account")
		tb.signIn(alice)
		tb.wantPath("/_gatehouse/recovery-codes") // offered once, on the first sign-in
		tb.click("a[href='/_gatehouse/account']") // "Not now"
		tb.wantPath("/_gatehouse/account")
		tb.wantText("Authenticator app")
		tb.click("#totp-action")
		tb.wantText("Scan this QR code")
		if ok := evalJS[bool](tb, "(function(){var i=document.getElementById('totp-qr');return i.complete&&i.naturalWidth>0&&i.src.startsWith('data:image/png;base64,')})()"); !ok {
			t.Fatal("the QR code is not a loaded PNG data: image")
		}
		secret = strings.TrimSpace(tb.text("#totp-secret"))
		if !base32Key.MatchString(secret) {
			t.Fatalf("key on the page %q is not 32 base32 symbols", secret)
		}
		tb.shot("totp-enrol")
		tb.typeIn("#code", wrongCode(appCode(t, secret, time.Now())))
		if st := tb.click("form[action$='/account/totp/confirm'] button[type=submit]"); st != 401 {
			t.Errorf("wrong code: status %d, want 401", st)
		}
		if got := strings.TrimSpace(tb.text("#totp-secret")); got != secret {
			t.Fatalf("after a wrong code the page shows key %q, want the same %q", got, secret)
		}
		tb.wantText("That code is not right, or it was already used.")
		tb.shot("totp-enrol-wrong-code")
		tb.typeIn("#code", appCode(t, secret, time.Now()))
		tb.click("form[action$='/account/totp/confirm'] button[type=submit]")
		tb.wantPath("/_gatehouse/account")
		tb.wantText("Your authenticator app is set up.")
		tb.wantText("Remove the authenticator app")
		tb.shot("account-totp")
	})
	if secret == "" {
		t.FailNow()
	}

	t.Run("sign in with the app, step up to a text message", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/vault/keys")
		tb.wantPath("/_gatehouse/login")
		tb.typeIn("#username", alice.username)
		tb.typeIn("#password", alice.password)
		sent := g.sent(t)
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/totp")
		tb.wantText("Open your authenticator app")
		if g.sent(t) != sent {
			t.Error("a text was sent although the app's code was asked")
		}
		if evalJS[bool](tb, "document.getElementById('use-sms') !== null") {
			t.Error("the app-only page offers a text message")
		}
		tb.shot("totp-code")
		// The enrolment used the current step: the app's next code.
		tb.typeIn("#code", appCode(t, secret, time.Now().Add(30*time.Second)))
		tb.click("form[action$='/totp'] button[type=submit]")
		tb.wantPath("/vault/keys")
		tb.wantText("pwd,otp")

		// A page that takes only a text message steps up to one.
		before := g.sent(t)
		tb.open("/texts/inbox")
		tb.wantPath("/_gatehouse/login")
		tb.wantText("This page also needs a code from your phone.")
		tb.click("form[action$='/otp/resend'] button[type=submit]")
		tb.wantPath("/_gatehouse/otp")
		code, _ := g.code(t, alice.phone, before)
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.wantPath("/texts/inbox")
		tb.wantText("pwd,sms,otp")
	})

	t.Run("the password step of an any-factor page asks the app and offers a text instead", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/reports")
		tb.typeIn("#username", alice.username)
		tb.typeIn("#password", alice.password)
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/totp")
		before := g.sent(t)
		tb.click("#use-sms")
		tb.wantPath("/_gatehouse/otp")
		code, _ := g.code(t, alice.phone, before)
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.wantPath("/reports")
	})
}
