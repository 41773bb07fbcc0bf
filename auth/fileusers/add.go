package fileusers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// newFileHeader starts a users file that Add creates.
const newFileHeader = `# users.yaml for users.backend: file (docs/contract.md, "users.yaml (file backend)").
# Written by gatehouse user add; it may be edited by hand too. A running
# gatehouse reloads it within seconds of a change.
users:
`

// ErrUserExists is returned by Add for a username, email or phone number
// that the users file already has.
var ErrUserExists = errors.New("already in the users file")

// ValidUsername reports whether name is a username the users file accepts:
// non-empty, at most 256 bytes, no spaces or control characters.
func ValidUsername(name string) bool { return validUsername(name) }

// Add adds the user u to the users file at path, creating the file (mode
// 0600) when it does not exist (docs/contract.md, "users.yaml (file
// backend)"). u's phone number may be in any form NormalizePhone accepts
// in defaultRegion; the file gets it in E.164.
//
// Everything is checked before hash is called for u's password hash (so a
// prompt comes only for an addition that can succeed): the username, email
// and phone by the rules the gateway loads the file with, and that none is
// already used (ErrUserExists). The existing file must load without
// problems; its entries, order and comments are kept. The new content is
// checked as the gateway will load it, written to a temporary file in the
// same folder (the existing file's permissions, else 0600) and renamed
// over path, so a reader sees the old file or the new one, never a part.
// On any error path is left as it was. Add sets u.Phone (E.164) and
// u.PasswordHash.
func Add(path, defaultRegion string, u *auth.User, hash func() (string, error)) (created bool, err error) {
	if !validUsername(u.Username) {
		return false, fmt.Errorf("%q is not a valid username (non-empty, at most 256 bytes, no spaces or control characters)", u.Username)
	}
	if u.Email != "" && !validEmail(u.Email) {
		return false, fmt.Errorf("email %q is not an email address", u.Email)
	}
	if u.Phone != "" {
		if u.Phone, err = auth.NormalizePhone(u.Phone, defaultRegion); err != nil {
			return false, fmt.Errorf("phone: %w", err)
		}
	}
	for _, g := range u.Groups {
		if g == "" || strings.Contains(g, ",") {
			return false, fmt.Errorf("group %q: want a non-empty name without commas", g)
		}
	}
	data, mode, err := readForEdit(path)
	created = errors.Is(err, fs.ErrNotExist)
	switch {
	case created:
		data, mode = []byte(newFileHeader), 0o600
	case err != nil:
		return false, err
	}
	snap, err := parse(path, data, defaultRegion)
	if err != nil {
		return false, fmt.Errorf("%s has problems; fix them first, nothing was changed:\n%w", path, err)
	}
	if _, ok := snap.byName[u.Username]; ok {
		return false, fmt.Errorf("user %s: %w %s", u.Username, ErrUserExists, path)
	}
	if other, ok := snap.byEmail[strings.ToLower(u.Email)]; ok && u.Email != "" {
		return false, fmt.Errorf("email %s is user %s's: %w %s", u.Email, other.Username, ErrUserExists, path)
	}
	if other, ok := snap.byPhone[u.Phone]; ok && u.Phone != "" {
		return false, fmt.Errorf("phone %s is user %s's: %w %s", u.Phone, other.Username, ErrUserExists, path)
	}
	// The whole result is checked as the gateway will load it (a username
	// that is someone's email, say) before the password is asked for, with
	// a stand-in hash that is never written.
	trial := *u
	trial.PasswordHash = trialHash
	if _, err := check(path, data, defaultRegion, &trial); err != nil {
		return false, err
	}
	if u.PasswordHash, err = hash(); err != nil {
		return false, err
	}
	out, err := check(path, data, defaultRegion, u)
	if err != nil {
		return false, err
	}
	return created, writeAtomic(path, out, mode)
}

// trialHash is a well-formed argon2id PHC string of no password, for
// checking a new entry before its real hash exists.
const trialHash = "$argon2id$v=19$m=65536,t=3,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// check returns data with u added, if that loads as the gateway loads it.
func check(path string, data []byte, region string, u *auth.User) ([]byte, error) {
	out, err := withUser(data, u)
	if err != nil {
		return nil, err
	}
	if _, err := parse(path, out, region); err != nil {
		return nil, fmt.Errorf("not written, the result would not load:\n%w", err)
	}
	return out, nil
}

// readForEdit reads the users file and its permissions. A symbolic link
// is refused: renaming over it would replace the link, not its target.
func readForEdit(path string) ([]byte, fs.FileMode, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return nil, 0, err
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		return nil, 0, fmt.Errorf("%s is a symbolic link: edit the file it points to, or point users.file there", path)
	}
	if !info.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path) //nolint:gosec // G304: users.file, the path the operator configured
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = f.Close() }() // read only
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxFileSize {
		return nil, 0, fmt.Errorf("%s: larger than %d MiB", path, maxFileSize>>20)
	}
	return data, info.Mode().Perm(), nil
}

// withUser returns data, a valid users file, with u appended to its users
// mapping, keeping everything else (comments included).
func withUser(data []byte, u *auth.User) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	root := resolve(doc.Content[0])
	var users *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "users" {
			users = resolve(root.Content[i+1])
		}
	}
	if users == nil {
		return nil, errors.New("no users mapping") // parse has checked it is there
	}
	if users.Kind != yaml.MappingNode { // "users:" with nothing under it
		*users = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", LineComment: users.LineComment, HeadComment: users.HeadComment, FootComment: users.FootComment}
	}
	users.Style &^= yaml.FlowStyle // "users: {}" grows into a block
	str := func(v string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle}
	}
	entry := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	field := func(k string, v *yaml.Node) {
		entry.Content = append(entry.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, v)
	}
	if u.DisplayName != "" {
		field("display_name", str(u.DisplayName))
	}
	if u.Email != "" {
		field("email", str(u.Email))
	}
	if u.Phone != "" {
		field("phone", str(u.Phone))
	}
	if len(u.Groups) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		for _, g := range u.Groups {
			seq.Content = append(seq.Content, str(g))
		}
		field("groups", seq)
	}
	field("password", str(u.PasswordHash))
	if u.ForceTwoFactor {
		field("force_two_factor", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	}
	users.Content = append(users.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: u.Username}, entry)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeAtomic writes data to a new file in path's folder with mode perm,
// syncs it and renames it over path.
func writeAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()           // already failed; the write error is the one to report
			_ = os.Remove(tmp.Name()) // best effort: path itself is untouched
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	return nil
}
