package auth

// The print of a users file's accounts the store keeps with the content
// last recorded (UsersChangeEvents), so that a gateway starting on an
// edit made while none ran compares it with what was recorded
// (docs/contract.md, "users.yaml (file backend)").

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"slices"
)

// usersPrint is what AccountChanges compares of each account, by
// username: groups and flags as they are, and of the password hash,
// phone, email and display name a keyed digest, so that the store learns
// no number, address or name it did not hold; K is the digest of a
// constant, which tells a print made under another key; H the digests
// (printDigest, field "content") of the contents recorded before this
// one, oldest first, at most maxRecordedContents, which tell a start on
// an older file from one on an edit (olderContent).
type usersPrint struct {
	K string                  `json:"k"`
	A map[string]accountPrint `json:"a"`
	H []string                `json:"h,omitempty"`
}

// maxRecordedContents is how many contents replaced before the one
// recorded a print remembers (usersPrint.H).
const maxRecordedContents = 64

// accountPrint is one account's part of a usersPrint.
type accountPrint struct {
	Groups         []string `json:"g,omitempty"`
	Disabled       bool     `json:"d,omitempty"`
	ForceTwoFactor bool     `json:"f,omitempty"`
	Password       string   `json:"p,omitempty"`
	Phone          string   `json:"m,omitempty"`
	Email          string   `json:"e,omitempty"`
	Name           string   `json:"n,omitempty"`
}

// printDigest is the digest under key of a field's value v ("" for "",
// so that a value cleared stays told apart from one changed).
func printDigest(key []byte, field, v string) string {
	if v == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("gatehouse users print " + field + "\x00" + v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// printUsers is the print of users under key.
func printUsers(key []byte, users map[string]*User) usersPrint {
	p := usersPrint{K: printDigest(key, "key", "check"), A: make(map[string]accountPrint, len(users))}
	for name, u := range users {
		p.A[name] = accountPrint{
			Groups: u.Groups, Disabled: u.Disabled, ForceTwoFactor: u.ForceTwoFactor,
			Password: printDigest(key, "password", u.PasswordHash), Phone: printDigest(key, "phone", u.Phone),
			Email: printDigest(key, "email", u.Email), Name: printDigest(key, "name", u.DisplayName),
		}
	}
	return p
}

// users are the accounts of p, as AccountChanges compares them: their
// digests in place of the values.
func (p usersPrint) users() map[string]*User {
	out := make(map[string]*User, len(p.A))
	for name, a := range p.A {
		out[name] = &User{Username: name, Groups: a.Groups, Disabled: a.Disabled, ForceTwoFactor: a.ForceTwoFactor,
			PasswordHash: a.Password, Phone: a.Phone, Email: a.Email, DisplayName: a.Name}
	}
	return out
}

// recordedUsers is what the store keeps of the content to, whose
// accounts are users: to, a new line, and their print under key, which
// remembers the contents of history (usersPrint.H).
func recordedUsers(to string, key []byte, users map[string]*User, history []string) []byte {
	p := printUsers(key, users)
	p.H = history
	b, _ := json.Marshal(p) // strings, bools and slices: never fails
	return append([]byte(to+"\n"), b...)
}

// savedPrint reads the print saved (under key) holds; ok is false when
// it holds none (kept before prints were, or under another key).
func savedPrint(saved, key []byte) (p usersPrint, ok bool) {
	if json.Unmarshal(saved, &p) != nil || p.A == nil || p.K != printDigest(key, "key", "check") {
		return usersPrint{}, false
	}
	return p, true
}

// replacedBy is the history a print recorded for a content that replaces
// the content from, printed p, keeps: p's, and from last (once, at most
// maxRecordedContents in all).
func (p usersPrint) replacedBy(key []byte, from string) []string {
	if from == "" {
		return p.H
	}
	d := printDigest(key, "content", from)
	h := append(slices.DeleteFunc(slices.Clone(p.H), func(s string) bool { return s == d }), d)
	return h[max(0, len(h)-maxRecordedContents):]
}

// olderContent reports whether to is a content recorded before p's and
// replaced since: a replica starting on it runs a file older than the
// one last recorded (a replica of the previous rollout, a rollback).
func (p usersPrint) olderContent(key []byte, to string) bool {
	return slices.Contains(p.H, printDigest(key, "content", to))
}

// changesSince returns the events, by actor, that made the accounts
// printed in before (under key) those of after, the content to:
// AccountChanges of the two prints, each phone the new one of after
// (docs/contract.md, "users.yaml (file backend)"). An account removed
// is marked `forgotten` `false` when to is older than before's content
// (olderContent): the names it lacks are those added since, not people
// who left, and are not forgotten (ForgetAtStart).
func changesSince(before usersPrint, key []byte, after map[string]*User, to, actor string) []Event {
	out := AccountChanges(before.users(), printUsers(key, after).users(), actor)
	older := before.olderContent(key, to)
	for i := range out {
		if out[i].Phone != "" {
			out[i].Phone = after[out[i].User].Phone
		}
		if older && out[i].Name == "admin_user_deleted" {
			out[i].Attrs = append(out[i].Attrs, "forgotten", "false")
		}
	}
	return out
}

// ForgetAtStart returns the usernames that the events of a first
// reading (UsersChangeEvents with Before nil) find removed and that are
// to be forgotten: every admin_user_deleted not marked `forgotten`
// `false` (docs/contract.md, "users.yaml (file backend)").
func ForgetAtStart(events []Event) []string {
	var out []string
	for _, e := range events {
		if e.Name == "admin_user_deleted" && !slices.Contains(e.Attrs, any("forgotten")) {
			out = append(out, e.User)
		}
	}
	return out
}
