package auth

import "context"

// User is an account as the gateway sees it, whatever the backend.
type User struct {
	Username       string
	DisplayName    string
	Email          string
	Phone          string // E.164, "" when none
	Groups         []string
	PasswordHash   string // argon2id PHC string or bcrypt $2a$/$2b$/$2y$
	Disabled       bool
	ForceTwoFactor bool
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
