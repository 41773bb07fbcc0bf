package auth

// The administrators' invariant (docs/contract.md, "Admin console"): a
// change made by an administrator, an operator command or an edit of
// users.yaml never leaves the console to nobody who can sign in to it.

import "errors"

// ErrLastAdmin is returned for a change that would take the last
// administrator who can sign in (CanAdminister) out of that state: a
// disable, a delete, a change of groups without admin.group, or a forced
// password reset.
var ErrLastAdmin = errors.New("the last administrator who can sign in")

// CanAdminister reports whether u is an administrator who can sign in
// to the console: a member of group, enabled, and with a password. An
// account an administrator created whose set-password link was never
// used, or whose password an administrator ended, has none, and signs in
// to nothing until its person sets one (the console asks for the
// password besides a second factor), so it keeps nobody's console
// (docs/contract.md, "Admin console"; before, such an account counted,
// and the last administrator who could sign in was disabled beside it).
func CanAdminister(u *User, group string) bool {
	return u != nil && !u.Disabled && u.PasswordHash != "" && u.InGroup([]string{group})
}

// KeepAnAdmin returns ErrLastAdmin when a change of u, read just before
// it, would leave no other member of members who CanAdminister: members
// are the accounts of group as read under LockAdmins (any others are
// ignored). A change of an account that cannot administer takes nobody
// out, and is let through.
func KeepAnAdmin(u *User, members []*User, group string) error {
	if !CanAdminister(u, group) {
		return nil
	}
	for _, o := range members {
		if o.Username != u.Username && CanAdminister(o, group) {
			return nil
		}
	}
	return ErrLastAdmin
}

// Administrators returns how many of users CanAdminister in group.
func Administrators(users []*User, group string) int {
	n := 0
	for _, u := range users {
		if CanAdminister(u, group) {
			n++
		}
	}
	return n
}
