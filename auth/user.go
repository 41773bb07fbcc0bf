package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// User is an account as the gateway sees it, whatever the backend.
type User struct {
	Username       string   // the login name, unique in the backend
	DisplayName    string   // shown in the portal and X-Auth-Name
	Email          string   // "" when none
	Phone          string   // E.164, "" when none
	Groups         []string // for route policies and X-Auth-Groups
	PasswordHash   string   // argon2id PHC string or bcrypt $2a$/$2b$/$2y$
	Disabled       bool     // refused like a wrong password
	ForceTwoFactor bool     // every route asks for password and code
	// PhoneUnproved says the phone number was given by an administrator
	// and has not yet received a code that came back: every route asks
	// for password and code until one does (docs/contract.md, "Admin
	// console").
	PhoneUnproved bool
	// EmailUnverified says the email is one the account's person gave
	// themselves (at sign-up), not one an administrator set: Gatehouse
	// sends no mail, so nothing proved it, and it is never asserted to
	// an upstream (AssertedEmail; docs/contract.md, "Identity headers").
	EmailUnverified bool
	// Generation is the account's credential generation, set by the
	// backend: it changes whenever the password, the phone number or the
	// disabled flag changes (docs/contract.md, "Sessions end when
	// credentials change"). A session records it at sign-in and is
	// refused once it differs, so comparing it is all a check costs. ""
	// when the backend keeps none.
	Generation string
}

// CredentialGeneration derives a credential generation from u's password
// hash, phone number and disabled flag: a short SHA-256 that any change of
// them changes. Backends compute it once per record, never per request.
// It need not be keyed: the password hash in it carries a random salt, so
// the result tells nothing about the password or the number.
func CredentialGeneration(u *User) string {
	h := sha256.New()
	h.Write([]byte("gatehouse credential generation v1\x00"))
	h.Write([]byte(u.PasswordHash))
	h.Write([]byte{0})
	h.Write([]byte(u.Phone))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatBool(u.Disabled)))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// AssertedEmail is the email the gateway tells upstreams and
// forward-auth callers (X-Auth-Email, the assertion's "email"): the
// account's email when an administrator vouched for it, "" when its
// person chose it (EmailUnverified; docs/contract.md, "Identity
// headers").
func (u *User) AssertedEmail() string {
	if u.EmailUnverified {
		return ""
	}
	return u.Email
}

// InGroup reports whether the user is a member of any of groups.
func (u *User) InGroup(groups []string) bool {
	for _, want := range groups {
		for _, g := range u.Groups {
			if g == want {
				return true
			}
		}
	}
	return false
}

// UserBackend finds users. It is what the login flow consumes.
type UserBackend interface {
	// Lookup finds a user by username, email (case-insensitive) or phone
	// number (any common form, normalised to E.164). Returns ErrUserNotFound
	// when there is no such user; other errors mean the backend failed.
	Lookup(ctx context.Context, login string) (*User, error)
}

// DisableNotifier is a user backend whose accounts can be disabled behind
// the gateway's back (the file backend: its file is edited) and that says
// when it finds some, so that their sessions can be ended for good.
type DisableNotifier interface {
	// OnDisabled registers f to be told the usernames of accounts found
	// disabled.
	OnDisabled(f func(ctx context.Context, usernames []string))
}

// RemoveNotifier is a user backend whose accounts can be removed behind
// the gateway's back (the file backend: its file is edited) and that says
// when it sees one go, so that what the store keeps of the name is
// forgotten before someone else is given it (docs/contract.md, "users.yaml
// (file backend)").
type RemoveNotifier interface {
	// OnRemoved registers f to be told, one at a time, the usernames of
	// accounts seen removed; a name f returns an error for is offered
	// again later.
	OnRemoved(f func(ctx context.Context, username string) error)
	// Removed hands over usernames that left the backend while no
	// gateway read it (UsersChangeEvents at a start), to be told to the
	// OnRemoved function as those seen removed are, once the backend is
	// sure of its reading.
	Removed(usernames []string)
}

// UserMatcher returns what the console's search matches (docs/contract.md,
// "Admin console"): q, case-insensitively, in the username, name or
// email, or its digits (PhoneSearch) in the phone number. An empty q
// matches everyone.
func UserMatcher(q string) func(u *User) bool {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return func(*User) bool { return true }
	}
	digits, byPhone := PhoneSearch(q)
	return func(u *User) bool {
		return strings.Contains(strings.ToLower(u.Username), q) || strings.Contains(strings.ToLower(u.DisplayName), q) ||
			strings.Contains(strings.ToLower(u.Email), q) || (byPhone && strings.Contains(u.Phone, digits))
	}
}

// PhoneSearch returns the digits of a console search q and whether it
// searches phone numbers by them: 4 digits or more. Such a search tells
// which accounts' numbers hold those digits, which the console
// otherwise masks, so it is audited like a reveal (docs/contract.md,
// "Admin console").
func PhoneSearch(q string) (digits string, byPhone bool) {
	digits = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, q)
	return digits, len(digits) >= 4
}
