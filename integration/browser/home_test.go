package browser

import (
	"testing"
)

// homeRoutes are a forward-auth-like layout: the app under /app/, with a
// display_name, and nothing at / (the portal's host has no route).
const homeRoutes = `  - { name: app, display_name: "Demo App", host: "*", path_prefix: "/app/", upstream: UPSTREAM, policy: two_factor }
`

// TestPortalHome: without rd the portal leads to the account page (and
// asks for every factor), a 404's home button leads there too, the
// login page names the app it leads to, and the account page links back
// to it.
func TestPortalHome(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	g := startGateway(t, options{routes: homeRoutes})
	a := person(30)
	g.signUp(t, a)

	t.Run("Sign in to continue to the app by its name; the account page links back to it", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/app/reports")
		tb.wantText("Sign in to continue to Demo App.")
		tb.shot("login-app-name")
		tb.signIn(a)
		tb.passOffer()
		tb.wantPath("/app/reports")
		tb.click("a[href*='/_gatehouse/account']")
		tb.wantPath("/_gatehouse/account")
		tb.wantText("Back to Demo App")
		tb.shot("account-back-to-app")
		tb.click("a[href='/app/reports']")
		tb.wantPath("/app/reports")
	})

	t.Run("no rd: the home button of a 404 and a sign-in at the portal end on the account page, with both factors", func(t *testing.T) {
		tb := b.newTab(t, g)
		if st := tb.open("/"); st != 404 {
			t.Fatalf("/: status %d, want 404", st)
		}
		tb.shot("not-found-home")
		tb.click("a.btn")
		tb.wantPath("/_gatehouse/login")
		tb.shot("login-no-rd")
		before := g.sent(t)
		tb.typeIn("#username", a.username)
		tb.typeIn("#password", a.password)
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/otp")
		code, _ := g.code(t, a.phone, before)
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.passOffer()
		tb.wantPath("/_gatehouse/account")
		tb.wantText("Your account")
		// Signed in, the portal's login page goes on to the account page.
		tb.open("/_gatehouse/login")
		tb.wantPath("/_gatehouse/account")
	})

	t.Run("no rd, straight to the login page", func(t *testing.T) {
		tb := b.newTab(t, g)
		tb.open("/_gatehouse/login")
		before := g.sent(t)
		tb.typeIn("#username", a.username)
		tb.typeIn("#password", a.password)
		tb.click("form[action$='/login'] button[type=submit]")
		tb.wantPath("/_gatehouse/otp") // both factors, as the account page needs
		code, _ := g.code(t, a.phone, before)
		tb.typeIn("#code", code)
		tb.click("form[action$='/otp'] button[type=submit]")
		tb.passOffer()
		tb.wantPath("/_gatehouse/account")
	})
}
