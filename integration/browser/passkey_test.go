package browser

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// virtualAuthenticator gives tb a platform authenticator (DevTools
// WebAuthn domain: CTAP2, internal transport, resident keys, user
// verification that succeeds), as a laptop with a fingerprint reader,
// and returns its id.
func (tb *tab) virtualAuthenticator() webauthn.AuthenticatorID {
	tb.t.Helper()
	var id webauthn.AuthenticatorID
	tb.do(chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		if _, err := cdp.Call(ctx, target, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		res, err := cdp.Call(ctx, target, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		id = res.AuthenticatorID
		return err
	}))
	return id
}

// credentials are the keys the authenticator id holds.
func (tb *tab) credentials(id webauthn.AuthenticatorID) []*webauthn.Credential {
	tb.t.Helper()
	var out []*webauthn.Credential
	tb.do(chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
		res, err := cdp.Call(ctx, target, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
		out = res.Credentials
		return err
	}))
	return out
}

// signOut ends the tab's session from the account page's button.
func (tb *tab) signOut() {
	tb.t.Helper()
	tb.open("/_gatehouse/logout")
	tb.click("form[action$='/logout'] button[type=submit]")
}

// TestPasskeysInBrowser: a person adds a passkey on the account page
// (Chromium's virtual authenticator), signs in with it alone ("Sign in
// with a passkey") where only a passkey will do, steps up to it from a
// text-message sign-in, and chooses a text message instead of it.
func TestPasskeysInBrowser(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	g := startGateway(t, options{totp: true, passkeys: true})
	alice := account{"alice", "alice@example.com", "correct horse battery", "+12015550100", "Alice Example"}
	g.signUp(t, alice)

	tb := b.newTab(t, g)
	auth := tb.virtualAuthenticator()

	t.Run("add a passkey on the account page", func(t *testing.T) {
		tb.t = t
		tb.open("/_gatehouse/account")
		tb.signIn(alice)
		notNow(tb)
		tb.wantPath("/_gatehouse/account")
		tb.wantText("Passkeys and security keys")
		if evalJS[bool](tb, "document.getElementById('passkey-add').hidden || !document.getElementById('passkey-needs-js').hidden") {
			t.Fatal("with the script, the add form is hidden or the no-script note shown")
		}
		tb.typeIn("#passkey-name", "This laptop")
		tb.click("#passkey-add-button")
		tb.wantPath("/_gatehouse/account")
		tb.wantText("Your passkey was added.")
		tb.wantText("This laptop")
		tb.wantText("never used")
		tb.shot("account-passkeys")
		creds := tb.credentials(auth)
		if len(creds) != 1 || !creds[0].IsResidentCredential || creds[0].RpID != "localhost" {
			t.Fatalf("the authenticator holds %d keys (%+v), want one discoverable key for localhost", len(creds), creds)
		}
	})

	t.Run("sign in with a passkey alone where only a passkey will do", func(t *testing.T) {
		tb.t = t
		tb.signOut()
		tb.open("/strong/vault")
		tb.wantPath("/_gatehouse/login")
		tb.waitJS("the passkey button", "!document.getElementById('passkey-signin').hidden", 5*time.Second)
		tb.shot("login-passkey")
		sent := tb.g.sent(t)
		tb.click("#passkey-use")
		tb.wantPath("/strong/vault")
		tb.wantText("hwk")
		if tb.g.sent(t) != sent {
			t.Error("a text was sent for a passkey sign-in")
		}
		// Two factors in one: the phishing-resistant page lets it in too.
		tb.open("/keys/doc")
		tb.wantPath("/keys/doc")
	})

	t.Run("step up from a text message to the passkey", func(t *testing.T) {
		tb.t = t
		tb.signOut()
		tb.open("/texts/inbox")
		tb.signIn(alice)
		tb.wantPath("/texts/inbox")
		tb.open("/keys/doc")
		tb.wantPath("/_gatehouse/passkey")
		tb.wantText("Use your passkey")
		if evalJS[bool](tb, "document.getElementById('use-sms') !== null") {
			t.Error("the phishing-resistant page offers a text message")
		}
		tb.click("#passkey-use")
		tb.wantPath("/keys/doc")
		tb.wantText("pwd,sms,hwk")
	})

	t.Run("the strongest factor is asked first, a text message on request", func(t *testing.T) {
		tb.t = t
		tb.signOut()
		tb.open("/reports")
		tb.typeIn("#username", alice.username)
		tb.typeIn("#password", alice.password)
		before := tb.g.sent(t)
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/passkey")
		if tb.g.sent(t) != before {
			t.Error("a text was sent although the passkey was asked")
		}
		tb.shot("passkey-step")
		tb.click("#use-sms")
		tb.wantPath("/_gatehouse/otp")
		if !evalJS[bool](tb, "document.getElementById('use-passkey') !== null") {
			t.Error("the text-code page does not offer the passkey back")
		}
		code, _ := tb.g.code(t, alice.phone, before)
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.wantPath("/reports")
	})

	t.Run("without JavaScript the passkey page offers the other ways", func(t *testing.T) {
		nj := b.newTab(t, g)
		nj.noScript()
		nj.open("/reports")
		nj.typeIn("#username", alice.username)
		nj.typeIn("#password", alice.password)
		before := nj.g.sent(t)
		nj.click("form[action$='/login'] button[type=submit]")
		nj.wantPath("/_gatehouse/passkey")
		nj.wantText("Passkeys need JavaScript and a recent browser.")
		if evalJS[bool](nj, "document.getElementById('passkey-use').offsetParent !== null") {
			t.Error("without the script the page shows a passkey button that cannot work")
		}
		nj.shot("passkey-step-nojs")
		nj.click("#use-sms")
		nj.wantPath("/_gatehouse/otp")
		code, _ := nj.g.code(t, alice.phone, before)
		nj.typeIn("#code", code)
		nj.click("form[action$='/otp'] button[type=submit]")
		nj.wantPath("/reports")
	})

	t.Run("remove the passkey", func(t *testing.T) {
		tb.t = t
		tb.open("/_gatehouse/account")
		tb.click("form[action$='/account/passkeys/remove'] button[type=submit]")
		// Removing needs every factor fresh, the key's too: it is asked.
		tb.wantPath("/_gatehouse/passkey")
		tb.click("#passkey-use")
		tb.wantPath("/_gatehouse/account")
		tb.click("form[action$='/account/passkeys/remove'] button[type=submit]")
		tb.wantText("The passkey was removed.")
		tb.wantText("A passkey signs you in")
	})
}

// TestPasskeyPagesWithoutJavaScript: without the script there is no
// passkey button to press, and the passkey page offers the other ways.
func TestPasskeyPagesWithoutJavaScript(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	g := startGateway(t, options{totp: true, passkeys: true})
	tb := b.newTab(t, g)
	tb.noScript()
	tb.open("/reports")
	tb.wantPath("/_gatehouse/login")
	if evalJS[bool](tb, "(function(){var e=document.getElementById('passkey-signin');return e!==null&&e.offsetParent!==null})()") {
		t.Fatal("without the script the login page shows a passkey button that cannot work")
	}
}
