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
)

// usersPrint is what AccountChanges compares of each account, by
// username: groups and flags as they are, and of the password hash,
// phone, email and display name a keyed digest, so that the store learns
// no number, address or name it did not hold; K is the digest of a
// constant, which tells a print made under another key.
type usersPrint struct {
	K string                  `json:"k"`
	A map[string]accountPrint `json:"a"`
}

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
// accounts are users: to, a new line, and their print under key.
func recordedUsers(to string, key []byte, users map[string]*User) []byte {
	b, _ := json.Marshal(printUsers(key, users)) // strings, bools and slices: never fails
	return append([]byte(to+"\n"), b...)
}

// changesSince returns the events, by actor, that made the accounts
// printed in saved (under key) those of after: AccountChanges of the
// two prints, each phone the new one of after (docs/contract.md,
// "users.yaml (file backend)"). None when saved is no print under key
// (kept before prints were, or under another key).
func changesSince(saved, key []byte, after map[string]*User, actor string) []Event {
	var before usersPrint
	if json.Unmarshal(saved, &before) != nil || before.A == nil || before.K != printDigest(key, "key", "check") {
		return nil
	}
	out := AccountChanges(before.users(), printUsers(key, after).users(), actor)
	for i := range out {
		if out[i].Phone != "" {
			out[i].Phone = after[out[i].User].Phone
		}
	}
	return out
}
