package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// fileTrail is the audit records written by the users file, as
// `gatehouse audit tail` lists them, each as "user event attrs…", and
// the raw lines.
func fileTrail(t *testing.T, cfgPath string) (recs []string, raw string) {
	t.Helper()
	code, out, e := runCmd(t, "", "audit", "tail", "-c", cfgPath, "-n", "500")
	if code != 0 {
		t.Fatalf("audit tail: %d\n%s", code, e)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			Event, User, Actor, Phone string
			Attrs                     map[string]string
		}
		if json.Unmarshal([]byte(line), &r) != nil || r.Actor != "users_file" {
			continue
		}
		s := r.User + " " + r.Event
		if r.Phone != "" {
			s += " phone=" + r.Phone
		}
		for _, k := range []string{"groups", "before", "force_two_factor", "forgotten"} {
			if v, ok := r.Attrs[k]; ok {
				s += " " + k + "=" + v
			}
		}
		recs = append(recs, s)
	}
	slices.Sort(recs)
	return recs, out
}

// TestUsersFileEditsAreOnTheTrail: whoever can write users.yaml (or a
// configuration-management run) gives themselves an administrator's
// account, moves an administrator's number to their own phone, sets a
// password, disables an account. Before, none of it was on the audit
// trail: the accounts' history in the console said nothing. Now each
// change is recorded once, by users_file, even with two replicas reading
// the file (a name removed included: each replica that forgot it
// recorded it), with the phone masked and never the password hash; the first
// reading at start records nothing.
func TestUsersFileEditsAreOnTheTrail(t *testing.T) {
	usersPath := filepath.Join(t.TempDir(), "users.yaml")
	hash := func(pass string) string {
		t.Helper()
		code, out, e := runCmd(t, pass+"\n", "hash-password")
		if code != 0 {
			t.Fatalf("hash-password: %s", e)
		}
		return strings.TrimSpace(out)
	}
	h1, h2, h3, h4 := hash("alice's passphrase"), hash("bob's passphrase"), hash("bob's new passphrase"), hash("mallory's passphrase")
	write := func(content string) {
		t.Helper()
		tmp := usersPath + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, usersPath); err != nil {
			t.Fatal(err)
		}
	}
	write(fmt.Sprintf(`users:
  alice: { email: alice@corp.example, phone: "+12015550140", groups: [admins], password: %q }
  bob: { phone: "+12015550141", password: %q }
  dave: { password: %q }
  carl: { password: %q }
`, h1, h2, h2, h2))

	// Two replicas on one store, reading the same file.
	listenA, listenB := freeAddr(t), freeAddr(t)
	cfgA, _ := cliWorldAt(t, testredis.Start(t), "fa:", fmt.Sprintf("{ backend: file, file: %q }", usersPath), listenA)
	text, err := os.ReadFile(cfgA)
	if err != nil {
		t.Fatal(err)
	}
	cfgB := filepath.Join(t.TempDir(), "gateway.yaml")
	if err := os.WriteFile(cfgB, []byte(strings.Replace(string(text), listenA, listenB, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	errA, errB := runServe(t, cfgA, listenA), runServe(t, cfgB, listenB)
	if recs, _ := fileTrail(t, cfgA); len(recs) != 0 {
		t.Fatalf("the first reading at start is on the trail: %q", recs)
	}

	// reloads waits until both replicas have taken n changes of the file
	// and the trail holds at least records of users_file.
	reloads := func(n, records int) []string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for _, e := range []*syncBuffer{errA, errB} {
			for strings.Count(e.String(), "users file reloaded") < n {
				if time.Now().After(deadline) {
					t.Fatalf("a replica did not read the users file again:\n%s", e.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		for time.Now().Before(deadline) {
			if got, _ := fileTrail(t, cfgA); len(got) >= records {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		time.Sleep(time.Second) // a second replica's records, if it wrote any, land meanwhile
		got, _ := fileTrail(t, cfgA)
		return got
	}
	edit := func(alicePhone string) {
		t.Helper()
		write(fmt.Sprintf(`users:
  alice: { email: alice@corp.example, phone: %q, groups: [admins], password: %q }
  bob: { phone: "+12015550141", groups: [admins], password: %q }
  dave: { password: %q, disabled: true, force_two_factor: true }
  mallory: { phone: "+12015550177", groups: [admins], password: %q }
`, alicePhone, h1, h3, h2, h4))
	}

	// The edit: alice's number moved to another phone, bob's password
	// set and bob made an administrator, dave disabled and made to use a
	// second factor, mallory added as an administrator, carl removed.
	edit("+12015550199")
	want := []string{
		"alice admin_phone_set phone=" + auth.MaskPhone("+12015550199"),
		"bob admin_groups_changed groups=admins before=",
		"bob admin_password_set",
		"carl admin_user_deleted",
		"dave admin_disabled",
		"dave admin_force_two_factor_set force_two_factor=true",
		"mallory admin_user_created phone=" + auth.MaskPhone("+12015550177") + " groups=admins",
	}
	if got := reloads(1, len(want)); !slices.Equal(got, want) {
		t.Errorf("the trail of the users file's edit, by users_file:\n got %q\nwant %q", got, want)
	}

	// alice's number back, moved again, and back again: the second
	// move back is on the trail as the first was (a claim kept per
	// change, not per taking of it, left the same change of the file
	// made again within a day off the trail).
	edit("+12015550140")
	reloads(2, len(want)+1)
	edit("+12015550199")
	reloads(3, len(want)+2)
	edit("+12015550140")
	back, moved := "alice admin_phone_set phone="+auth.MaskPhone("+12015550140"), "alice admin_phone_set phone="+auth.MaskPhone("+12015550199")
	want = append(want, back, moved, back)
	slices.Sort(want)
	got := reloads(4, len(want))
	if !slices.Equal(got, want) {
		t.Errorf("the trail after alice's number went back and moved again:\n got %q\nwant %q", got, want)
	}
	_, raw := fileTrail(t, cfgA)
	logs := errA.String() + errB.String()
	for _, secret := range []string{h1, h2, h3, h4, "+12015550199", "+12015550177", "2015550199"} {
		if strings.Contains(raw, secret) || strings.Contains(logs, secret) {
			t.Errorf("the trail or the log holds %q", secret)
		}
	}
}
