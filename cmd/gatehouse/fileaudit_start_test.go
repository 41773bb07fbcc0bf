package main

import (
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

// TestUsersFileEditedWhileStoppedIsOnTheTrail: an edit of users.yaml
// that a gateway takes when it starts (a rollout on a changed ConfigMap,
// a restart after a configuration-management run, an edit made while the
// gateway was down) is on the audit trail, by users_file, as one a
// running gateway takes is; a start on the content last recorded records
// nothing. Before, the first reading compared with nothing: whoever
// could write the file made an account an administrator, or moved an
// administrator's number to their own phone, and restarted the gateway,
// and the console's history of the account showed nothing.
func TestUsersFileEditedWhileStoppedIsOnTheTrail(t *testing.T) {
	usersPath := filepath.Join(t.TempDir(), "users.yaml")
	code, out, e := runCmd(t, "a passphrase for the file\n", "hash-password")
	if code != 0 {
		t.Fatalf("hash-password: %s", e)
	}
	hash := strings.TrimSpace(out)
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(usersPath+".tmp", []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(usersPath+".tmp", usersPath); err != nil {
			t.Fatal(err)
		}
	}
	write(fmt.Sprintf(`users:
  alice: { phone: "+12015550140", groups: [admins], password: %q }
  bob: { phone: "+12015550141", password: %q }
  carl: { password: %q }
`, hash, hash, hash))
	listen := freeAddr(t)
	cfg, _ := cliWorldAt(t, testredis.Start(t), "fs:", fmt.Sprintf("{ backend: file, file: %q }", usersPath), listen)

	// serve runs a gateway until it has started and had time to record
	// what it records at start, then stops it; it returns the trail by
	// users_file.
	serve := func(name string) (recs []string) {
		t.Run(name, func(t *testing.T) {
			runServe(t, cfg, listen)
			time.Sleep(time.Second)
		})
		recs, _ = fileTrail(t, cfg)
		return recs
	}
	if recs := serve("first start"); len(recs) != 0 {
		t.Fatalf("the first reading ever is on the trail: %q", recs)
	}

	// Stopped, the file is edited: bob made an administrator with
	// another number, mallory added, carl removed (recorded, and
	// forgotten once the poll confirms the reading:
	// TestNameRemovedWhileStoppedIsForgotten).
	write(fmt.Sprintf(`users:
  alice: { phone: "+12015550140", groups: [admins], password: %q }
  bob: { phone: "+12015550199", groups: [admins], password: %q }
  mallory: { phone: "+12015550177", groups: [admins], password: %q }
`, hash, hash, hash))
	want := []string{
		"bob admin_groups_changed groups=admins before=",
		"bob admin_phone_set phone=" + auth.MaskPhone("+12015550199"),
		"carl admin_user_deleted",
		"mallory admin_user_created phone=" + auth.MaskPhone("+12015550177") + " groups=admins",
	}
	if got := serve("start after an edit"); !slices.Equal(got, want) {
		t.Errorf("the trail after a start on an edit made while stopped, by users_file:\n got %q\nwant %q", got, want)
	}
	if got := serve("start again"); !slices.Equal(got, want) {
		t.Errorf("a start on the content last recorded recorded again:\n got %q\nwant %q", got, want)
	}
	_, raw := fileTrail(t, cfg)
	for _, whole := range []string{"2015550199", "2015550177", hash} {
		if strings.Contains(raw, whole) {
			t.Errorf("the trail holds %q", whole)
		}
	}
}
