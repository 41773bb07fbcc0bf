package browser

// Steps the portal tests take in the browser: a wrong code, scripts,
// a pasted SMS, the stand-in for WebOTP, and signing in through the pages.

import (
	"context"

	"github.com/chromedp/chromedp"
)

// wrongCode returns a code of the same length that is not code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string { return jsQuote(s) }

// js is an action running a script, for steps that lead to a new page.
func js(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool]("(function(){"+script+";return true})()")(ctx, t)
		return err
	})
}

// paste fires a paste of text into the input with id, as a person
// pasting from the SMS app would.
func paste(id, text string) chromedp.Action[chromedp.Void] {
	return js(`var i = document.getElementById(` + jsString(id) + `); i.focus();
var dt = new DataTransfer(); dt.setData('text/plain', ` + jsString(text) + `);
i.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}))`)
}

// webOTPStub stands in for a phone's WebOTP: the page's request is
// recorded, and the test hands the code over with __deliverOTP(code).
const webOTPStub = `
window.OTPCredential = window.OTPCredential || function OTPCredential() {};
(function () {
  var deliver;
  var got = new Promise(function (resolve) { deliver = resolve; });
  window.__deliverOTP = function (code) { deliver({ type: 'otp', id: '', code: code }); };
  Object.defineProperty(navigator, 'credentials', { configurable: true, value: {
    get: function (opts) {
      window.__otpRequest = JSON.stringify({ transport: opts.otp && opts.otp.transport, signal: !!opts.signal });
      return got;
    }
  }});
})();
`

// signIn signs a in through the pages: password, then the texted code.
func (tb *tab) signIn(a account) {
	tb.t.Helper()
	tb.wantPath("/_gatehouse/login")
	tb.typeIn("#username", a.username)
	tb.typeIn("#password", a.password)
	before := tb.g.sent(tb.t)
	tb.click("form[action$='/login'] button[type=submit]")
	tb.wantPath("/_gatehouse/otp")
	code, _ := tb.g.code(tb.t, a.phone, before)
	tb.typeIn("#code", code)
	tb.click("form[action$='/otp'] button[type=submit]")
}
