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

// keepingAnAdmin makes the steps of a change that may take the account
// username out of the members of admin.group who can sign in (disable,
// delete, a change of groups, a forced password reset) as
// auth.KeepingAnAdmin makes them: under the lock on the administrators,
// on the account read again, never to the last (docs/contract.md,
// "Admin console").
func (s *consoleSurface) keepingAnAdmin(ctx context.Context, username string, steps ...func(ctx context.Context, u *auth.User) error) error {
	if s.locks == nil {
		return auth.ErrAccountUnavailable
	}
	err := auth.KeepingAnAdmin(ctx, s.locks, s.users, s.cfg.Admin.Group, username, steps...)
	if errors.Is(err, auth.ErrUserNotFound) {
		return errNoRoute // deleted meanwhile
	}
	return err
}

// apiChange is POST /api/admin/users/:name/{disable,enable,reset-phone}.
func (s *consoleSurface) apiChange(what string) func(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	return func(c *gin.Context, admin, u *auth.User) (gin.H, error) {
		return gin.H{"status": "done"}, s.change(c, admin, u, what)
	}
}
