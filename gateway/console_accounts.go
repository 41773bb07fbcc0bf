package gateway

// The admin console's account changes (docs/contract.md, "Admin
// console"): disable, enable, clear the phone binding. They need a
// writable user backend (users.backend: redis); with the file backend the
// console is read-only for accounts and says so.

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// accountEditor is the writable user backend the console changes
// accounts through (storeusers).
type accountEditor interface {
	SetDisabled(ctx context.Context, username string, disabled bool) error
	SetPhone(ctx context.Context, username, phone string) error
	Invite(ctx context.Context, u *auth.User, reuseName bool) (reused bool, err error)
	SetGroups(ctx context.Context, username string, groups []string) error
	ClearPassword(ctx context.Context, username string) error
	Delete(ctx context.Context, username string) error
}

// groupLister is a user backend that lists a group's members without
// reading every account (storeusers).
type groupLister interface {
	GroupMembers(ctx context.Context, group string) ([]*auth.User, error)
}

// change applies one account change of an administrator: "disable",
// "enable" or "reset-phone", audited with the administrator.
func (s *consoleSurface) change(c *gin.Context, admin, u *auth.User, what string) error {
	ed, ok := s.registry.(accountEditor)
	if !ok {
		return auth.ErrAccountUnavailable
	}
	ctx := c.Request.Context()
	switch what {
	case "disable":
		return s.keepingAnAdmin(ctx, u.Username, func(ctx context.Context, u *auth.User) error {
			if err := ed.SetDisabled(ctx, u.Username, true); err != nil {
				return err
			}
			// The credential generation changed: every session of the
			// account is refused from now on; the list is emptied too.
			_, err := s.sessions.RevokeUser(ctx, u.Username, "")
			s.auditWritten(c, "admin_disabled", u.Username, "", err, "actor", admin.Username)
			return err
		})
	case "enable":
		if err := ed.SetDisabled(ctx, u.Username, false); err != nil {
			return err
		}
		s.audit(c, "admin_enabled", u.Username, "", "actor", admin.Username)
	case "reset-phone":
		if err := ed.SetPhone(ctx, u.Username, ""); err != nil {
			return err
		}
		s.audit(c, "admin_phone_cleared", u.Username, "", "actor", admin.Username)
	default:
		return errNoRoute
	}
	return nil
}

// keepingAnAdmin makes the steps of a change, which may take the
// account username out of the members of admin.group who can sign in
// (disable, delete, a change of groups, a forced password reset), under the lock on them (auth.LockAdmins),
// on the account read again under it, once keepAnAdmin lets it: the
// check and the writes are then one change at a time over every replica,
// so that of two administrators taking each other out at once the
// second finds itself the last (docs/contract.md, "Admin console";
// before, both checks passed before either write landed, and the
// console was left to nobody). Each step is made only once the lock is
// confirmed still this change's (auth.Lease.Write), in the context that
// gives it: a change paused past the lock's 30 s while another took it
// writes nothing more (before, its write landed after the other change's
// check, and two administrators took each other out).
func (s *consoleSurface) keepingAnAdmin(ctx context.Context, username string, steps ...func(ctx context.Context, u *auth.User) error) (err error) {
	if s.locks == nil {
		return auth.ErrAccountUnavailable
	}
	lease, ctx, err := auth.LockAdmins(ctx, s.locks)
	if err != nil {
		return err
	}
	defer func() { err = lease.Done(err) }()
	u, err := s.users.Lookup(ctx, username)
	if errors.Is(err, auth.ErrUserNotFound) {
		return errNoRoute // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if err := s.keepAnAdmin(ctx, u); err != nil {
		return err
	}
	for _, step := range steps {
		if err := lease.Write(ctx, func(ctx context.Context) error { return step(ctx, u) }); err != nil {
			return err
		}
	}
	return nil
}

// keepAnAdmin refuses to disable or delete u, take it out of
// admin.group or end its password when u is the last member of
// admin.group who can sign in to the console (auth.KeepAnAdmin): nobody
// could use the console after it. Only keepingAnAdmin calls it, under
// the lock.
func (s *consoleSurface) keepAnAdmin(ctx context.Context, u *auth.User) error {
	group := s.cfg.Admin.Group
	if !auth.CanAdminister(u, group) {
		return nil
	}
	var members []*auth.User
	var err error
	if gl, ok := s.users.(groupLister); ok {
		members, err = gl.GroupMembers(ctx, group)
	} else if lister, ok := s.users.(userLister); ok {
		members, err = lister.List(ctx)
	} else {
		return auth.ErrAccountUnavailable
	}
	if err != nil {
		return err
	}
	return auth.KeepAnAdmin(u, members, group)
}

// apiChange is POST /api/admin/users/:name/{disable,enable,reset-phone}.
func (s *consoleSurface) apiChange(what string) func(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	return func(c *gin.Context, admin, u *auth.User) (gin.H, error) {
		return gin.H{"status": "done"}, s.change(c, admin, u, what)
	}
}
