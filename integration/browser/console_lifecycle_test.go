package browser

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestAdminConsoleLifecycle walks the rest of the console without
// JavaScript, as an administrator on the redis user backend: create an
// account (its person sets a password through the one-time link), change
// its groups, end its password, delete it; every session, the bans (one
// lifted) and the text messages, at phone and desktop sizes, in the dark
// scheme too (the accessibility audit runs on every page shot).
func TestAdminConsoleLifecycle(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	g := startGateway(t, options{redis: testredis.Start(t), admin: "  sms_prices: { US: 0.0079, default: 0.05 }\n"})
	ada := account{username: "ada", password: "ada has a long passphrase", phone: "+12015550110"}
	ben := account{username: "ben", password: "ben has a long passphrase", phone: "+12015550111"}
	g.addUser(t, ada, "admins")
	g.addUser(t, ben, "staff")

	benTab := b.newTab(t, g)
	benTab.open("/")
	benTab.signIn(ben)
	notNow(benTab)

	tb := b.newTab(t, g)
	tb.noScript()
	tb.open("/_gatehouse/admin/")
	tb.signIn(ada)
	notNow(tb)
	tb.wantPath("/_gatehouse/admin/")

	// Create erin: the link is shown once, on the answer.
	tb.typeIn("#new-username", "erin")
	tb.typeIn("#new-name", "Erin Example")
	tb.typeIn("#new-email", "erin@example.com")
	tb.typeIn("#new-groups", "staff")
	tb.click("#create")
	tb.wantText("The account erin is created.")
	link := tb.text("#set-password-link")
	if !strings.HasPrefix(link, g.base+"/_gatehouse/reset?token=") || strings.Contains(tb.location(), "token") {
		t.Fatalf("link %q on %s", link, tb.location())
	}
	tb.shot("admin-created")

	// erin opens it: the token leaves the address bar, she chooses a password.
	erin := b.newTab(t, g)
	erin.open(strings.TrimPrefix(link, g.base))
	erin.wantPath("/_gatehouse/reset")
	if strings.Contains(erin.location(), "token") {
		t.Errorf("the token stays in the address bar: %s", erin.location())
	}
	erin.wantText("Choose the password of erin")
	erin.shot("set-password")
	erin.typeIn("#password", "password")
	erin.click("form[action$='/reset'] button[type=submit]")
	erin.wantText("This password is among the most common ones")
	erin.typeIn("#password", "erin picks a long one")
	erin.click("form[action$='/reset'] button[type=submit]")
	erin.wantText("Your password has been changed")

	// Her account: groups, the end of her password, then the delete.
	tb.open("/_gatehouse/admin/users/erin")
	tb.typeIn("#groups", "staff, ops")
	tb.click("form[action$='/admin/users/erin/groups'] button")
	tb.wantText("The groups are changed.")
	tb.wantText("staff, ops")
	tb.shot("admin-user-edit")
	tb.click("#force-reset")
	tb.wantText("The password no longer works")
	if l := tb.text("#set-password-link"); !strings.Contains(l, "/_gatehouse/reset?token=") {
		t.Errorf("force-reset link %q", l)
	}
	tb.typeIn("#confirm", "erin")
	tb.click("#delete")
	tb.wantPath("/_gatehouse/admin/")
	tb.wantText("The account is deleted.")

	// Every session: ben's and ada's; end ben's from the list.
	tb.open("/_gatehouse/admin/sessions")
	tb.wantText("ben")
	tb.shot("admin-sessions")
	tb.click("form[action$='/admin/users/ben/revoke'] button")
	tb.wantPath("/_gatehouse/admin/sessions")
	tb.wantText("The sessions are ended.")
	if strings.Contains(tb.text("#live-sessions"), "ben") {
		t.Error("ben's session is still listed")
	}

	// Bans: ben banned by wrong passwords, then lifted from the list.
	for range 5 {
		resp, err := http.Post(g.base+"/_gatehouse/api/login", "application/json", bytes.NewReader([]byte(`{"username":"ben","password":"wrong"}`)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	tb.open("/_gatehouse/admin/bans")
	tb.wantText("banned: failures in a short time")
	tb.shot("admin-bans")
	tb.click("form[action$='/admin/bans/lift'] button.btn-small")
	tb.wantText("The ban is lifted.")
	tb.wantText("No ban now.")

	// Text messages: ada's and ben's sign-in codes, to the US.
	tb.open("/_gatehouse/admin/sms")
	tb.wantText("US")
	tb.wantText("0.0158 USD") // two texts at 0.0079
	tb.shot("admin-sms")
	tb.colorScheme("dark")
	tb.open("/_gatehouse/admin/sessions")
	tb.shot("admin-sessions-dark")
}
