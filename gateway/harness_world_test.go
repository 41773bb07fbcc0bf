package gateway_test

// The test world: its hosts, the users of the users file (hashed once
// per test binary) and the cheap hasher the suite uses.

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The test world: one gateway in front of one recording upstream, with
// these hosts, users and routes.
const (
	prefix    = "/_gatehouse"
	publicURL = "https://auth.example.com"

	crmHost    = "crm.example.com"    // two_factor
	appHost    = "app.example.com"    // password; /secure two_factor; /admin two_factor+admins+max_auth_age; /blocked deny
	publicHost = "public.example.com" // bypass
	smsHost    = "sms.example.com"    // sms (passwordless)
	roHost     = "ro.example.com"     // bypass, GET and HEAD only
	deadHost   = "dead.example.com"   // bypass, upstream on a closed port

	adminMaxAge  = 10 * time.Minute
	cookieDomain = "example.com"
)

// cookieURL is where the client's cookie jar is read and seeded (the jar
// keys cookies by the request's Host, as a browser does).
var cookieURL = &url.URL{Scheme: "http", Host: appHost, Path: "/"}

// testUser is one account of the users file.
type testUser struct {
	name, password, phone, email, display string
	groups                                []string
	disabled, forceTwoFactor              bool
}

var (
	alice = testUser{name: "alice", password: "alice-correct-horse", phone: "+12015550100", email: "alice@example.com", display: "Alice Example", groups: []string{"admins", "staff"}}
	bob   = testUser{name: "bob", password: "bob-battery-staple", phone: "+12015550101", email: "bob@example.com", display: "Bob Builder", groups: []string{"staff"}}
	carol = testUser{name: "carol", password: "carol-two-factor-always", phone: "+12015550102", email: "carol@example.com", display: "Carol", forceTwoFactor: true}
	dave  = testUser{name: "dave", password: "dave-is-disabled", phone: "+12015550103", email: "dave@example.com", display: "Dave", disabled: true}
)

var allUsers = []testUser{alice, bob, carol, dave}

// testHasher is cheap on purpose: the suite hashes and verifies hundreds
// of times under -race on two cores.
var testHasher = auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 4, 5*time.Second)

var (
	usersOnce sync.Once
	usersYAML []byte
)

// usersFile returns the users.yaml text, hashing each password once per
// test binary.
func usersFile(t *testing.T) []byte {
	t.Helper()
	usersOnce.Do(func() {
		var b strings.Builder
		b.WriteString("users:\n")
		for _, u := range allUsers {
			hash, err := testHasher.Hash(context.Background(), u.password)
			if err != nil {
				panic(err)
			}
			fmt.Fprintf(&b, "  %s:\n    display_name: %q\n    email: %q\n    phone: %q\n    password: %q\n", u.name, u.display, u.email, u.phone, hash)
			if len(u.groups) > 0 {
				fmt.Fprintf(&b, "    groups: [%s]\n", strings.Join(u.groups, ", "))
			}
			fmt.Fprintf(&b, "    disabled: %t\n    force_two_factor: %t\n", u.disabled, u.forceTwoFactor)
		}
		usersYAML = []byte(b.String())
	})
	return usersYAML
}
