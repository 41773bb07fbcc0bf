// Package browser tests the login portal in a real browser: Debian's
// Chromium, driven headless through the DevTools protocol by chromedp,
// against the built gatehouse binary with a demo-like configuration
// (memory store, console SMS written to a file the tests read codes from,
// accounts in the store with sign-up on, a Go upstream that verifies the
// signed assertion).
//
// The tests walk the flows people use: sign in through the proxy with a
// password and a texted code (a wrong code first), the resend countdown,
// sign-up with phone verification (the code arriving through WebOTP),
// passwordless phone login, password reset, the account page and sign-out,
// checking on every page what a screen reader needs (labels, errors tied
// to their fields, one heading) and that nothing breaks the page's
// Content-Security-Policy. Each page is captured at phone (390×844) and
// desktop (1280×800) sizes into $GATEHOUSE_ARTIFACTS/browser, or a
// temporary folder whose name the test logs.
//
// Without Chromium the tests skip, unless CI is set: then they fail.
// `make test` installs it.
package browser
