package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestAdminConsole walks the admin console as an administrator would:
// sign in with both factors, find an account, end its sessions, issue a
// one-time recovery code, at phone and desktop sizes (the accessibility
// audit runs on every page shot).
func TestAdminConsole(t *testing.T) {
	needChromium(t)
	b := startBrowser(t)
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 1, 0)
	var yaml strings.Builder
	yaml.WriteString("users:\n")
	for _, u := range []struct{ name, phone, groups string }{
		{"ada", "+12015550110", "[admins]"}, {"ben", "+12015550111", "[staff]"},
	} {
		hash, err := h.Hash(context.Background(), u.name+" has a long passphrase")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&yaml, "  %s:\n    display_name: %q\n    email: %q\n    phone: %q\n    groups: %s\n    password: %q\n",
			u.name, strings.ToUpper(u.name[:1])+u.name[1:], u.name+"@example.com", u.phone, u.groups, hash)
	}
	users := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(users, []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	g := startGateway(t, options{usersFile: users})
	ada := account{username: "ada", password: "ada has a long passphrase", phone: "+12015550110"}
	ben := account{username: "ben", password: "ben has a long passphrase", phone: "+12015550111"}

	benTab := b.newTab(t, g)
	benTab.open("/")
	benTab.signIn(ben)
	notNow(benTab)
	benTab.wantText("Hello, ben")

	tb := b.newTab(t, g)
	tb.open("/_gatehouse/admin/")
	tb.signIn(ada)
	notNow(tb)
	tb.wantPath("/_gatehouse/admin/")
	tb.wantText("Admin console")
	tb.shot("admin-home")

	tb.typeIn("#q", "ben")
	tb.click("form[role=search] button[type=submit]")
	tb.wantText("ben@example.com")
	tb.click("a[href$='/admin/users/ben']")
	tb.wantPath("/_gatehouse/admin/users/ben")
	tb.wantText("+1 ••• ••• 0111")
	tb.shot("admin-user")

	tb.click("form[action$='/admin/users/ben/revoke'] button.btn")
	tb.wantText("The sessions are ended.")
	tb.wantText("No session.")
	if st := benTab.open("/"); st != 200 || !strings.HasSuffix(benTab.path(), "/_gatehouse/login?rd=%2F") && !strings.Contains(benTab.path(), "/_gatehouse/login") {
		t.Errorf("ben after the administrator ended his sessions: %d %s", st, benTab.path())
	}

	tb.click("form[action$='/admin/users/ben/recovery'] button")
	code := tb.text("#issued-code")
	if !auth.LooksLikeRecoveryCode(code) {
		t.Fatalf("issued code %q", code)
	}
	tb.shot("admin-issued")
	if strings.Contains(tb.location(), code) {
		t.Error("the one-time code is in the URL")
	}

	// ben, who lost his phone, uses it after his password.
	benTab.typeIn("#username", ben.username)
	benTab.typeIn("#password", ben.password)
	benTab.click("form[action$='/login'] button[type=submit]")
	benTab.click("a[href*='/recovery']")
	benTab.typeIn("#recovery_code", code)
	benTab.click("form[action$='/recovery'] button[type=submit]")
	benTab.wantText("You signed in with a recovery code.")

	// The administrator sees it in the events.
	tb.open("/_gatehouse/admin/users/ben")
	tb.wantText("recovery_code_used")
	tb.wantText("admin_recovery_issued · ben · by ada")
}

// notNow declines the recovery code offer of a first sign-in, if it is
// shown, going on to where the person was going.
func notNow(tb *tab) {
	tb.t.Helper()
	if strings.HasPrefix(tb.path(), "/_gatehouse/recovery-codes") {
		tb.click("p.aside a")
	}
}
