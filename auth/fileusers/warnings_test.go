package fileusers_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
)

// TestGroupsARedisAccountCouldNotHoldAreFlagged: users.yaml groups are
// held to what a users.backend: redis account may hold (letters,
// digits, dots, dashes, underscores; at most 64), as warnings at their
// lines (docs/contract.md, "users.yaml (file backend)"): "staff admins"
// or "ops;root" are two groups to an app that splits the groups header
// on spaces or ';'. A group holding a control character, a line
// separator or a bidi control is refused: no header carries it as
// written, and an app showing the groups would turn the text around.
// Before, every group but one with a comma was taken without a word.
func TestGroupsARedisAccountCouldNotHoldAreFlagged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.yaml")
	writeUsers(t, path, "users:\n  alice:\n    password: \""+argonHash+"\"\n    groups:\n"+
		"      - staff\n"+ // line 5
		"      - \"staff admins\"\n"+ // line 6
		"      - \"ops;root\"\n"+ // line 7
		"      - \"équipe\"\n"+ // line 8
		"      - \""+strings.Repeat("g", 65)+"\"\n"+ // line 9
		"      - a-b.c_d\n") // line 10
	b, err := fileusers.New(path, "US", nil)
	if err != nil {
		t.Fatalf("users.yaml with groups a redis account could not hold was refused: %v", err)
	}
	warnings := strings.Join(b.Warnings(), "\n")
	for _, line := range []string{":6: warning: ", ":7: warning: ", ":8: warning: ", ":9: warning: "} {
		if !strings.Contains(warnings, "users.yaml"+line) {
			t.Errorf("no warning at users.yaml%s; got:\n%s", line, warnings)
		}
	}
	for _, line := range []string{":5:", ":10:"} {
		if strings.Contains(warnings, "users.yaml"+line) {
			t.Errorf("a warning about a valid group at users.yaml%s:\n%s", line, warnings)
		}
	}
	if got := len(b.Warnings()); got != 4 {
		t.Errorf("%d warnings, want 4:\n%s", got, warnings)
	}

	for name, group := range map[string]string{
		"control character": `staff\u0001`,
		"NEL":               `staff\u0085admins`,
		"line separator":    `staff\u2028admins`,
		"bidi override":     `\u202estaff`,
	} {
		writeUsers(t, path, "users:\n  alice:\n    password: \""+argonHash+"\"\n    groups:\n      - \""+group+"\"\n")
		if _, err := fileusers.New(path, "US", nil); err == nil || !strings.Contains(err.Error(), "users.yaml:5:") {
			t.Errorf("%s: a group holding it loaded, or the error names no line 5: %v", name, err)
		}
	}
}

// TestWeakHashesAreWarnedOf: a users.yaml password hash weaker than
// OWASP's Password Storage Cheat Sheet allows (bcrypt under cost 10,
// argon2id below every minimum configuration) is a warning at its line,
// never quoting the hash: the file backend never hashes a password anew,
// so such a hash stays as weak for as long as the file holds it
// (docs/contract.md, "users.yaml (file backend)"). Before, nothing was
// said.
func TestWeakHashesAreWarnedOf(t *testing.T) {
	weakArgon := "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	bcrypt10 := "$2b$10$abcdefghijklmnopqrstuu5SyjmCQgiKGaWmy3X7q9mn4Ut3PCbMW"
	path := filepath.Join(t.TempDir(), "users.yaml")
	writeUsers(t, path, "users:\n"+
		"  alice:\n    password: \""+bcryptHash+"\"\n"+ // line 3: cost 4
		"  bob:\n    password: \""+weakArgon+"\"\n"+ // line 5
		"  carol:\n    password: \""+argonHash+"\"\n"+ // line 7: 64 MiB, 2 passes
		"  dave:\n    password: \""+bcrypt10+"\"\n") // line 9
	b, err := fileusers.New(path, "US", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := b.Warnings()
	all := strings.Join(got, "\n")
	if len(got) != 2 || !strings.HasPrefix(got[0], path+":3: warning: users.alice.password: bcrypt cost 4") ||
		!strings.HasPrefix(got[1], path+":5: warning: users.bob.password: argon2id with 1024 KiB and 1 iterations") {
		t.Errorf("warnings:\n%s\nwant one at line 3 (bcrypt cost 4) and one at line 5 (argon2id 1024 KiB, 1 pass)", all)
	}
	for _, h := range []string{bcryptHash, weakArgon, "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "abcdefghijklmnopqrstuu"} {
		if strings.Contains(all, h) {
			t.Errorf("a warning quotes the hash %q:\n%s", h, all)
		}
	}
}
