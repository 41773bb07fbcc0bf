package fileusers_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
)

// TestAdd adds users to users files as `gatehouse user add` does: the
// result loads as the gateway loads it, keeps what was there (comments
// and permissions included), and a refused addition leaves the file
// exactly as it was without asking for a password.
func TestAdd(t *testing.T) {
	dave := func() *auth.User {
		return &auth.User{Username: "dave", DisplayName: "Dave Example", Email: "dave@example.com",
			Phone: "+1 201 555 0102", Groups: []string{"staff", "ops"}, ForceTwoFactor: true}
	}
	tests := []struct {
		name    string
		content string // "" for no file
		mode    os.FileMode
		user    func() *auth.User
		want    string   // error substring; "" for success
		keep    []string // substrings the result must still have
	}{
		{name: "creates the file", user: dave, mode: 0o600},
		{name: "keeps entries and comments", content: usersYAML, mode: 0o640, user: dave,
			keep: []string{"# test users", "# national, unquoted: a YAML number", "alice:", "carol:", `"` + argonHash + `"`}},
		{name: "empty users", content: "# nobody yet\nusers:\n", mode: 0o600, user: dave, keep: []string{"# nobody yet"}},
		{name: "flow users", content: "users: {}\n", mode: 0o600, user: dave},
		{name: "duplicate username", content: usersYAML, user: func() *auth.User { return &auth.User{Username: "alice"} }, want: "user alice: already in the users file"},
		{name: "duplicate email", content: usersYAML, user: func() *auth.User { u := dave(); u.Email = "ALICE@example.com"; return u }, want: "is user alice's"},
		{name: "duplicate phone", content: usersYAML, user: func() *auth.User { u := dave(); u.Phone = "(201) 555-0101"; return u }, want: "is user bob's"},
		{name: "username with a space", content: usersYAML, user: func() *auth.User { u := dave(); u.Username = "da ve"; return u }, want: "not a valid username"},
		{name: "invalid phone", user: func() *auth.User { u := dave(); u.Phone = "+1 555"; return u }, want: "phone:"},
		{name: "invalid email", user: func() *auth.User { u := dave(); u.Email = "dave"; return u }, want: "not an email address"},
		{name: "username is someone's email", content: usersYAML, user: func() *auth.User {
			return &auth.User{Username: "bob@example.com"}
		}, want: "not written"},
		{name: "broken file", content: "users:\n  eve: {}\n", user: dave, want: "fix them first"},
		{name: "hash fails", content: usersYAML, user: func() *auth.User { u := dave(); u.Username = "nohash"; return u }, want: "no password typed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users.yaml")
			if tt.content != "" {
				writeUsers(t, path, tt.content)
				if err := os.Chmod(path, tt.mode|0o600); err != nil {
					t.Fatal(err)
				}
			}
			hashed := false
			hash := func() (string, error) {
				hashed = true
				if tt.name == "hash fails" {
					return "", errors.New("no password typed")
				}
				return argonHash, nil
			}
			u := tt.user()
			created, err := fileusers.Add(path, "US", u, hash)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				if hashed && tt.name != "hash fails" {
					t.Error("the password was asked for an addition that could not succeed")
				}
				got, rerr := os.ReadFile(path)
				if tt.content == "" && !errors.Is(rerr, os.ErrNotExist) || tt.content != "" && string(got) != tt.content {
					t.Errorf("a refused addition changed the file:\n%s", got)
				}
				if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) > 1 {
					t.Errorf("temporary file left behind: %v", entries)
				}
				return
			}
			if err != nil {
				t.Fatalf("Add: %v", err)
			}
			if created != (tt.content == "") {
				t.Errorf("created = %v", created)
			}
			info, err := os.Stat(path)
			if err != nil || info.Mode().Perm() != tt.mode|0o600 {
				t.Fatalf("mode %v, want %v (%v)", info.Mode().Perm(), tt.mode|0o600, err)
			}
			b, err := fileusers.New(path, "US", nil)
			if err != nil {
				t.Fatalf("the result does not load: %v", err)
			}
			got, err := b.Lookup(context.Background(), "+12015550102")
			if err != nil || got.Username != "dave" || got.Email != "dave@example.com" || got.DisplayName != "Dave Example" ||
				strings.Join(got.Groups, ",") != "staff,ops" || !got.ForceTwoFactor || got.PasswordHash != argonHash {
				t.Fatalf("dave as loaded: %+v, %v", got, err)
			}
			data, _ := os.ReadFile(path)
			for _, k := range tt.keep {
				if !strings.Contains(string(data), k) {
					t.Errorf("the result lost %q:\n%s", k, data)
				}
			}
			if tt.content == usersYAML && b.Users() != 4 {
				t.Errorf("%d users, want 4:\n%s", b.Users(), data)
			}
		})
	}
}

// TestAddRefusesSymlink: renaming over a symbolic link would replace the
// link, so Add refuses it and leaves both files alone.
func TestAddRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.yaml")
	writeUsers(t, target, usersYAML)
	link := filepath.Join(dir, "users.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	_, err := fileusers.Add(link, "US", &auth.User{Username: "dave"}, func() (string, error) { return argonHash, nil })
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err = %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced")
	}
}
