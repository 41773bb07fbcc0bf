package auth

// The administrators' invariant (docs/contract.md, "Admin console"): a
// change made by an administrator, an operator command or an edit of
// users.yaml never leaves the console to nobody who can sign in to it.

import (
	"context"
	"errors"
	"iter"
)

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
func Administrators(users iter.Seq[*User], group string) int {
	n := 0
	for u := range users {
		if CanAdminister(u, group) {
			n++
		}
	}
	return n
}

// groupMembers is a user backend that lists a group's members without
// reading every account (storeusers).
type groupMembers interface {
	GroupMembers(ctx context.Context, group string) ([]*User, error)
}

// userList is a user backend that lists every account (both do).
type userList interface {
	List(ctx context.Context) ([]*User, error)
}

// KeepingAnAdmin makes steps, a change that may take the account
// username out of the administrators of group who can sign in (a
// disable, a delete, a change of groups, a forced password reset), under
// the lock on them (LockAdmins on st), on the account read again from
// users under it, once KeepAnAdmin lets it: the check and the writes are
// then one change at a time over every replica and operator command, so
// that of two administrators taking each other out at once the second
// finds itself the last (docs/contract.md, "Admin console"). Each step
// is made only once the lock is confirmed still this change's
// (Lease.Write), in the context that gives it: a change paused past the
// lock's 30 s while another took it writes nothing more. ErrUserNotFound
// for an account deleted meanwhile; ErrAccountUnavailable for a backend
// that cannot list the group.
func KeepingAnAdmin(ctx context.Context, st Store, users UserBackend, group, username string, steps ...func(ctx context.Context, u *User) error) (err error) {
	lease, ctx, err := LockAdmins(ctx, st)
	if err != nil {
		return err
	}
	defer func() { err = lease.Done(err) }()
	u, err := users.Lookup(ctx, username)
	if err != nil {
		return err
	}
	if u.Username != username {
		return ErrUserNotFound // deleted meanwhile, and the name is another's email or phone
	}
	if CanAdminister(u, group) {
		var members []*User
		if gm, ok := users.(groupMembers); ok {
			members, err = gm.GroupMembers(ctx, group)
		} else if l, ok := users.(userList); ok {
			members, err = l.List(ctx)
		} else {
			return ErrAccountUnavailable
		}
		if err != nil {
			return err
		}
		if err := KeepAnAdmin(u, members, group); err != nil {
			return err
		}
	}
	for _, step := range steps {
		if err := lease.Write(ctx, func(ctx context.Context) error { return step(ctx, u) }); err != nil {
			return err
		}
	}
	return nil
}
