package fileusers_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
)

// Well-formed hashes. The argon2id one is the reference vector for
// "password"; the bcrypt one has cost 4.
const (
	argonHash  = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	bcryptHash = "$2b$04$abcdefghijklmnopqrstuu5SyjmCQgiKGaWmy3X7q9mn4Ut3PCbMW"
)

const usersYAML = `# test users
users:
  alice:
    display_name: "Alice Example"
    email: "Alice@Example.com"
    phone: "+1 (201) 555-0100"
    groups: ["admins", "staff"]
    password: "` + argonHash + `"
  bob:
    email: bob@example.com
    phone: 2015550101        # national, unquoted: a YAML number
    password: '` + bcryptHash + `'
    disabled: true
  carol:
    phone: "+33 6 12 34 56 78"
    password: "` + argonHash + `"
    force_two_factor: true
`

func writeUsers(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func newBackend(t *testing.T, content string) (*fileusers.Backend, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.yaml")
	writeUsers(t, path, content)
	b, err := fileusers.New(path, "US", nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b, path
}

func TestLookup(t *testing.T) {
	b, _ := newBackend(t, usersYAML)
	if b.Users() != 3 {
		t.Errorf("Users() = %d, want 3", b.Users())
	}
	tests := []struct {
		name  string
		login string
		want  string // username, "" for not found
	}{
		{"Username", "alice", "alice"},
		{"UsernameWithSpaces", "  bob ", "bob"},
		{"UsernameIsCaseSensitive", "Alice", ""},
		{"Email", "alice@example.com", "alice"},
		{"EmailMixedCase", "ALICE@example.COM", "alice"},
		{"EmailOtherUser", "Bob@Example.com", "bob"},
		{"PhoneE164", "+12015550100", "alice"},
		{"PhoneSpaced", "+1 201 555 0100", "alice"},
		{"PhoneNational", "(201) 555-0100", "alice"},
		{"PhoneDots", "201.555.0100", "alice"},
		{"PhoneDoubleZero", "001 201 555 0100", "alice"},
		{"PhoneStoredAsNumber", "+1 201-555-0101", "bob"},
		{"PhoneFrench", "0033 6 12 34 56 78", "carol"},
		{"UnknownUser", "mallory", ""},
		{"UnknownEmail", "mallory@example.com", ""},
		{"UnknownPhone", "+1 201 555 0199", ""},
		{"InvalidPhone", "+1 555", ""},
		{"Empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := b.Lookup(context.Background(), tt.login)
			if tt.want == "" {
				if !errors.Is(err, auth.ErrUserNotFound) {
					t.Errorf("Lookup(%q) = %v, %v; want ErrUserNotFound", tt.login, u, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Lookup(%q): %v", tt.login, err)
			}
			if u.Username != tt.want {
				t.Errorf("Lookup(%q) = %q, want %q", tt.login, u.Username, tt.want)
			}
		})
	}
}

func TestFields(t *testing.T) {
	b, _ := newBackend(t, usersYAML)
	ctx := context.Background()
	alice, _ := b.Lookup(ctx, "alice")
	want := auth.User{
		Username: "alice", DisplayName: "Alice Example", Email: "Alice@Example.com",
		Phone: "+12015550100", Groups: []string{"admins", "staff"}, PasswordHash: argonHash,
	}
	if alice.Username != want.Username || alice.DisplayName != want.DisplayName || alice.Email != want.Email ||
		alice.Phone != want.Phone || !slices.Equal(alice.Groups, want.Groups) || alice.PasswordHash != want.PasswordHash ||
		alice.Disabled || alice.ForceTwoFactor {
		t.Errorf("alice = %+v, want %+v", *alice, want)
	}
	bob, _ := b.Lookup(ctx, "bob")
	if !bob.Disabled || bob.ForceTwoFactor || bob.PasswordHash != bcryptHash || bob.Phone != "+12015550101" {
		t.Errorf("bob = %+v, want disabled, bcrypt hash, phone +12015550101", *bob)
	}
	carol, _ := b.Lookup(ctx, "carol")
	if carol.Disabled || !carol.ForceTwoFactor || carol.Email != "" || carol.Phone != "+33612345678" {
		t.Errorf("carol = %+v, want force_two_factor, no email, phone +33612345678", *carol)
	}
}

func TestLookupReturnsCopy(t *testing.T) {
	b, _ := newBackend(t, usersYAML)
	ctx := context.Background()
	u, _ := b.Lookup(ctx, "alice")
	u.DisplayName = "Mallory"
	u.Groups[0] = "root"
	u.Disabled = true
	again, _ := b.Lookup(ctx, "alice@example.com")
	if again.DisplayName != "Alice Example" || again.Groups[0] != "admins" || again.Disabled {
		t.Errorf("the backend's user changed through a returned copy: %+v", *again)
	}
}

func TestInvalidFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // substrings, each expected in the error
	}{
		{"Empty", "", []string{"empty"}},
		{"NotYAML", "users: [unclosed", []string{"users.yaml"}},
		{"NotAMapping", "- alice\n", []string{"users.yaml:1:"}},
		{"MissingUsers", "people: {}\n", []string{`users.yaml:1: unknown key "people"`, `missing "users:"`}},
		{"UsersNotMapping", "users: [alice]\n", []string{"users.yaml:1: users: want a mapping"}},
		{"UnknownUserKey", "users:\n  alice:\n    password: \"" + argonHash + "\"\n    pasword: x\n", []string{`users.yaml:4: users.alice: unknown key "pasword"`}},
		{"MissingPassword", "users:\n  alice:\n    email: a@example.com\n", []string{"users.yaml:2: users.alice.password: required"}},
		{"NullUser", "users:\n  alice:\n", []string{"users.yaml:2: users.alice: want a mapping"}},
		// The commonest slip of a first users.yaml: the password itself
		// under password:, which takes a hash. Told what to put there
		// instead (the password is never quoted: see below).
		{"PlaintextPassword", "users:\n  alice:\n    password: hunter2\n", []string{"users.yaml:3: users.alice.password: unsupported password hash", "not the password itself: put the output of `gatehouse hash-password` here"}},
		{"ExamplePlaceholder", "users:\n  alice:\n    password: \"REPLACE-ME-with-the-output-of-gatehouse-hash-password\"\n", []string{"users.yaml:3: users.alice.password: unsupported password hash", "`gatehouse hash-password`"}},
		{"MalformedArgon", "users:\n  alice:\n    password: \"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ\"\n", []string{"users.yaml:3: users.alice.password: malformed argon2id hash"}},
		{"AbsurdArgon", "users:\n  alice:\n    password: \"" + strings.Replace(argonHash, "t=2", "t=5000", 1) + "\"\n", []string{"users.yaml:3: users.alice.password: argon2id hash rejected"}},
		{"InvalidPhone", "users:\n  alice:\n    phone: \"+1 201 555\"\n    password: \"" + argonHash + "\"\n", []string{"users.yaml:3: users.alice.phone: invalid phone number"}},
		{"InvalidEmail", "users:\n  alice:\n    email: alice\n    password: \"" + argonHash + "\"\n", []string{"users.yaml:3: users.alice.email: not an email"}},
		{"BadBool", "users:\n  alice:\n    password: \"" + argonHash + "\"\n    disabled: maybe\n", []string{"users.yaml:4: users.alice.disabled: want true or false"}},
		{"GroupsNotList", "users:\n  alice:\n    password: \"" + argonHash + "\"\n    groups: admins\n", []string{"users.yaml:4: users.alice.groups: want a list"}},
		{"GroupWithComma", "users:\n  alice:\n    password: \"" + argonHash + "\"\n    groups: [\"a,b\"]\n", []string{"users.yaml:4: users.alice.groups: group \"a,b\" contains a comma"}},
		{"DuplicateUsername", "users:\n  alice:\n    password: \"" + argonHash + "\"\n  alice:\n    password: \"" + argonHash + "\"\n", []string{"users.yaml:4: users.alice: defined twice"}},
		{"DuplicateEmail", "users:\n  alice:\n    email: a@example.com\n    password: \"" + argonHash + "\"\n  bob:\n    email: A@EXAMPLE.com\n    password: \"" + argonHash + "\"\n",
			[]string{"users.yaml:6: users.bob.email: already used by user alice (line 3)"}},
		{"DuplicatePhone", "users:\n  alice:\n    phone: \"+12015550100\"\n    password: \"" + argonHash + "\"\n  bob:\n    phone: \"(201) 555-0100\"\n    password: \"" + argonHash + "\"\n",
			[]string{"users.yaml:6: users.bob.phone: already used by user alice (line 3)"}},
		{"UsernameIsOthersEmail", "users:\n  alice:\n    email: a@example.com\n    password: \"" + argonHash + "\"\n  a@example.com:\n    password: \"" + argonHash + "\"\n",
			[]string{"users.yaml:5: users.a@example.com: username is the email of user alice"}},
		{"UsernameWithSpace", "users:\n  \"al ice\":\n    password: \"" + argonHash + "\"\n", []string{"users.yaml:2: users: \"al ice\" is not a valid username"}},
		// A display name is shown on the console's pages and asserted to
		// apps: held to the rule sign-up and the console hold it to.
		{"DisplayNameOverride", "users:\n  alice:\n    password: \"" + argonHash + "\"\n    display_name: \"Alice \\u202Enimda\"\n", []string{"users.yaml:4: users.alice.display_name: at most 100 characters on one line"}},
		{"DisplayNameTwoLines", "users:\n  alice:\n    password: \"" + argonHash + "\"\n    display_name: \"Alice\\nX-Admin: yes\"\n", []string{"users.yaml:4: users.alice.display_name"}},
		{"ManyProblemsAtOnce", "users:\n  alice:\n    phone: \"+1 201 555\"\n    password: nope\n    colour: blue\n",
			[]string{"users.yaml:3: users.alice.phone", "users.yaml:4: users.alice.password", "users.yaml:5: users.alice: unknown key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users.yaml")
			writeUsers(t, path, tt.content)
			b, err := fileusers.New(path, "US", nil)
			if err == nil {
				t.Fatalf("New accepted the file (%d users)", b.Users())
			}
			msg := strings.ReplaceAll(err.Error(), path, "users.yaml")
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not contain %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc") || strings.Contains(msg, "c29tZXNhbHQ") || strings.Contains(msg, "hunter2") {
				t.Errorf("error quotes a password hash:\n%s", msg)
			}
		})
	}
}

func TestEmptyUsersIsAllowed(t *testing.T) {
	for _, content := range []string{"users: {}\n", "users:\n"} {
		b, _ := newBackend(t, content)
		if b.Users() != 0 {
			t.Errorf("%q: Users() = %d, want 0", content, b.Users())
		}
	}
}

func TestNewMissingFile(t *testing.T) {
	_, err := fileusers.New(filepath.Join(t.TempDir(), "nope.yaml"), "", nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("New = %v, want fs.ErrNotExist", err)
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// eventually polls cond until it holds or a deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const daveYAML = "  dave:\n    email: dave@example.com\n    password: \"" + argonHash + "\"\n"

func startRun(t *testing.T, path string, logs *syncBuffer) *fileusers.Backend {
	t.Helper()
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	b, err := fileusers.New(path, "US", logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx, 20*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return b
}

func found(b *fileusers.Backend, login string) bool {
	_, err := b.Lookup(context.Background(), login)
	return err == nil
}

func TestRunReloads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "users.yaml")
	writeUsers(t, path, usersYAML)
	logs := &syncBuffer{}
	b := startRun(t, path, logs)

	t.Run("InPlaceRewrite", func(t *testing.T) {
		writeUsers(t, path, usersYAML+daveYAML)
		eventually(t, "dave to appear", func() bool { return found(b, "dave@example.com") })
		if b.Users() != 4 {
			t.Errorf("Users() = %d, want 4", b.Users())
		}
		eventually(t, "the reload to be logged", func() bool { return strings.Contains(logs.String(), `"users":4`) })
	})

	t.Run("ReplacedByRename", func(t *testing.T) {
		tmp := filepath.Join(dir, "users.yaml.tmp")
		writeUsers(t, tmp, strings.Replace(usersYAML, "carol", "erin", 1))
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		eventually(t, "erin to replace carol and dave", func() bool { return found(b, "erin") && !found(b, "carol") && !found(b, "dave") })
	})

	t.Run("BrokenRewriteKeepsUsers", func(t *testing.T) {
		writeUsers(t, path, usersYAML+"  mallory:\n    password: hunter2\n")
		eventually(t, "the error to be logged", func() bool { return strings.Contains(logs.String(), "users file invalid") })
		if !found(b, "alice") || found(b, "mallory") || b.Users() != 3 {
			t.Errorf("after a broken edit: alice found %v, mallory found %v, %d users; want the previous 3 users",
				found(b, "alice"), found(b, "mallory"), b.Users())
		}
		if strings.Contains(logs.String(), "CTFhFdXPJO1a") || strings.Contains(logs.String(), "hunter2") {
			t.Errorf("log contains a password or hash:\n%s", logs)
		}
		if n := strings.Count(logs.String(), "users file invalid"); n != 1 {
			t.Errorf("the broken file was logged %d times, want once", n)
		}
	})

	t.Run("FixedFileLoads", func(t *testing.T) {
		writeUsers(t, path, usersYAML+daveYAML)
		eventually(t, "dave after the fix", func() bool { return found(b, "dave") })
	})

	t.Run("DeletedFileKeepsUsers", func(t *testing.T) {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the error to be logged", func() bool { return strings.Contains(logs.String(), "users file unreadable") })
		if !found(b, "dave") {
			t.Error("users were dropped when the file disappeared")
		}
	})
}

// TestRunConfigMapSwap mimics how Kubernetes updates a mounted ConfigMap:
// users.yaml -> ..data/users.yaml, and ..data is a symlink atomically
// repointed at a new timestamped directory.
func TestRunConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	mkVersion := func(name, content string) {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		writeUsers(t, filepath.Join(dir, name, "users.yaml"), content)
	}
	mkVersion("..v1", usersYAML)
	if err := os.Symlink("..v1", filepath.Join(dir, "..data")); err != nil {
		t.Skipf("symlinks unsupported: %v", err)
	}
	path := filepath.Join(dir, "users.yaml")
	if err := os.Symlink(filepath.Join("..data", "users.yaml"), path); err != nil {
		t.Fatal(err)
	}
	b := startRun(t, path, &syncBuffer{})

	mkVersion("..v2", usersYAML+daveYAML)
	if err := os.Symlink("..v2", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "..v1")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "dave after the ConfigMap update", func() bool { return found(b, "dave") })
}

func TestReload(t *testing.T) {
	b, path := newBackend(t, usersYAML)
	writeUsers(t, path, "users:\n  alice:\n    password: nope\n")
	if err := b.Reload(); err == nil {
		t.Fatal("Reload accepted a broken file")
	}
	if !found(b, "alice") || b.Users() != 3 {
		t.Errorf("after a failed Reload: %d users, want the previous 3", b.Users())
	}
	writeUsers(t, path, usersYAML+daveYAML)
	if err := b.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if !found(b, "dave") {
		t.Error("dave not found after Reload")
	}
}

func TestConcurrentLookupsDuringReload(t *testing.T) {
	b, path := newBackend(t, usersYAML)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if u, err := b.Lookup(ctx, "alice@example.com"); err != nil || u.Username != "alice" {
					t.Errorf("Lookup during reload = %v, %v", u, err)
					return
				}
			}
		}()
	}
	for i := range 20 {
		content := usersYAML
		if i%2 == 0 {
			content += daveYAML
		}
		writeUsers(t, path, content)
		if err := b.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	wg.Wait()
}
