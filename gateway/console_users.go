package gateway

// The admin console's account lifecycle (docs/contract.md, "Admin
// console"): create an account, change its groups, end its password,
// delete it. Like the other account changes they need users.backend
// redis. A set-password link is a token: shown once to the administrator,
// never logged nor audited.

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// editor returns the writable user backend, or ErrAccountUnavailable.
func (s *consoleSurface) editor() (accountEditor, error) {
	ed, ok := s.registry.(accountEditor)
	if !ok {
		return nil, auth.ErrAccountUnavailable
	}
	return ed, nil
}

// passwordLink is a set-password link just made, as the API and the
// page show it once.
type passwordLink struct {
	URL       string `json:"set_password_url"`
	ExpiresIn int    `json:"expires_in"`
}

// issueLink makes a set-password link for u (looked up again: the link
// holds its credential generation, which the change before it moved).
func (s *consoleSurface) issueLink(ctx context.Context, username string) (*passwordLink, error) {
	u, err := s.users.Lookup(ctx, username)
	if err != nil {
		return nil, err
	}
	token, err := s.login.IssuePasswordLink(ctx, u)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(s.cfg.Server.PublicURL, "/") + s.prefix + "/reset?token="
	return &passwordLink{URL: base + url.QueryEscape(token), ExpiresIn: int(auth.PasswordLinkTTL.Seconds())}, nil
}

// createUser makes the account in describes, in groups, without a
// password, and returns it with its set-password link. A deleted
// account's name is given only when reuseName says so, and its
// admin_user_created then says reused_name (docs/contract.md, "Names of
// deleted accounts").
func (s *consoleSurface) createUser(c *gin.Context, admin *auth.User, in auth.NewAccount, groups []string, reuseName bool) (*auth.User, *passwordLink, error) {
	ed, err := s.editor()
	if err != nil {
		return nil, nil, err
	}
	u, err := auth.ValidateInvite(in, groups, s.region)
	if err != nil {
		return nil, nil, err
	}
	ctx := c.Request.Context()
	reused, err := ed.Invite(ctx, u, reuseName)
	if err != nil {
		return nil, nil, err
	}
	attrs := []any{"actor", admin.Username, "groups", strings.Join(u.Groups, ",")}
	if reused {
		attrs = append(attrs, "reused_name", true)
	}
	link, err := s.issueLink(ctx, u.Username)
	s.auditWritten(c, "admin_user_created", u.Username, u.Phone, err, attrs...)
	if err != nil {
		return nil, nil, err
	}
	return u, link, nil
}

// setGroups replaces u's groups, refusing to take the last administrator
// who can sign in out of admin.group.
func (s *consoleSurface) setGroups(c *gin.Context, admin, u *auth.User, groups []string) ([]string, error) {
	ed, err := s.editor()
	if err != nil {
		return nil, err
	}
	gs, err := auth.ValidateGroups(groups)
	if err != nil {
		return nil, &auth.InputError{Problems: map[string]auth.Problem{"groups": auth.GroupsProblem}}
	}
	ctx := c.Request.Context()
	set := func(ctx context.Context, u *auth.User) error {
		if err := ed.SetGroups(ctx, u.Username, gs); err != nil {
			return err
		}
		s.audit(c, "admin_groups_changed", u.Username, "", "actor", admin.Username, "groups", strings.Join(gs, ","), "before", strings.Join(u.Groups, ","))
		return nil
	}
	if (&auth.User{Groups: gs}).InGroup([]string{s.cfg.Admin.Group}) {
		err = set(ctx, u) // takes nobody out of admin.group
	} else {
		err = s.keepingAnAdmin(ctx, u.Username, set)
	}
	if err != nil {
		return nil, err
	}
	return gs, nil
}

// forceReset ends u's password and sessions; the person sets a new
// password with a password reset or the link returned. Without a
// password u signs in to nothing, the console included: it is made under
// the lock on the administrators, never to the last who can sign in
// (docs/contract.md, "Admin console").
func (s *consoleSurface) forceReset(c *gin.Context, admin, u *auth.User) (*passwordLink, error) {
	ed, err := s.editor()
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	err = s.keepingAnAdmin(ctx, u.Username, func(ctx context.Context, u *auth.User) error {
		return ed.ClearPassword(ctx, u.Username)
	})
	if err != nil {
		return nil, err
	}
	var link *passwordLink
	n, err := s.sessions.RevokeUser(ctx, u.Username, "")
	if err == nil {
		link, err = s.issueLink(ctx, u.Username)
	}
	s.auditWritten(c, "admin_password_reset_forced", u.Username, "", err, "actor", admin.Username, "sessions_revoked", n)
	if err != nil {
		return nil, err
	}
	return link, nil
}

// deleteUser removes u, its sessions, its authenticator app, its
// recovery codes and its bans; never the last administrator who can sign
// in.
func (s *consoleSurface) deleteUser(c *gin.Context, admin, u *auth.User) error {
	ed, err := s.editor()
	if err != nil {
		return err
	}
	if s.forget == nil {
		return auth.ErrAccountUnavailable
	}
	ctx := c.Request.Context()
	// Everything but the record first, then the record, each once the
	// lock is confirmed still this delete's: a failure leaves the
	// account, which a second delete finishes. Once the first step has
	// begun, sessions and factors may be gone: the delete is audited
	// whatever the rest met, its failure as the reason (docs/contract.md,
	// "Audit trail").
	var n int
	begun := false
	err = s.keepingAnAdmin(ctx, u.Username, func(ctx context.Context, u *auth.User) (err error) {
		begun = true
		n, err = s.forget.Account(ctx, u.Username)
		return err
	}, func(ctx context.Context, u *auth.User) error {
		err := ed.Delete(ctx, u.Username)
		if errors.Is(err, auth.ErrUserNotFound) {
			err = nil
		}
		return err
	})
	if begun {
		s.auditWritten(c, "admin_user_deleted", u.Username, "", err, "actor", admin.Username, "sessions_revoked", n)
	}
	return err
}

// newUserRequest is the body of POST /api/admin/users.
type newUserRequest struct {
	Username string   `json:"username"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Phone    string   `json:"phone"`
	Groups   []string `json:"groups"`
	// ReuseName gives a deleted account's name (docs/contract.md, "Names
	// of deleted accounts").
	ReuseName bool `json:"reuse_name"`
}

// apiCreateUser is POST /api/admin/users: a new account without a
// password, and its set-password link, shown once.
func (s *consoleSurface) apiCreateUser(c *gin.Context) {
	admin, err := s.admin(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	var req newUserRequest
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	u, link, err := s.createUser(c, admin, auth.NewAccount{Username: req.Username, Email: req.Email, Phone: req.Phone, Name: req.Name}, req.Groups, req.ReuseName)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusCreated, gin.H{"user": viewOf(u), "set_password_url": link.URL, "expires_in": link.ExpiresIn})
}

// apiGroups is POST /api/admin/users/:name/groups {"groups":[…]}.
func (s *consoleSurface) apiGroups(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	var req struct {
		Groups []string `json:"groups"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	gs, err := s.setGroups(c, admin, u, req.Groups)
	return gin.H{"groups": gs}, err
}

// apiForceReset is POST /api/admin/users/:name/force-reset.
func (s *consoleSurface) apiForceReset(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	link, err := s.forceReset(c, admin, u)
	if err != nil {
		return nil, err
	}
	return gin.H{"status": "done", "set_password_url": link.URL, "expires_in": link.ExpiresIn}, nil
}

// apiDelete is POST /api/admin/users/:name/delete.
func (s *consoleSurface) apiDelete(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	return gin.H{"status": "deleted"}, s.deleteUser(c, admin, u)
}

// splitGroups reads a form's comma- or space-separated groups.
func splitGroups(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// forgetRemoved forgets an account the user backend saw removed (a name
// gone from users.yaml) as the console's delete does (auth.Forget). Its
// admin_user_deleted by users_file is the change's, recorded once among
// the replicas by recordUsersChange; the forgetting, which each replica
// does, is logged (docs/contract.md, "users.yaml (file backend)"). An
// error leaves the name to the backend, which offers it again.
func (s *consoleSurface) forgetRemoved(ctx context.Context, username string) error {
	n, err := s.forget.Account(ctx, username)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "an account removed from the users file is forgotten", "user", username, "sessions_revoked", n)
	return nil
}

// recordUsersChange puts on the audit trail how the user backend's
// accounts changed behind the gateway's back (an edit of users.yaml), one
// record per thing changed, by users_file, once among the replicas
// sharing the store (auth.UsersChangeEvents); when the store cannot say
// whether another recorded it, recorded all the same. A first reading
// (c.Before nil, a gateway starting) records what changed since the
// content last recorded, which the store keeps a print of
// (docs/contract.md, "users.yaml (file backend)"). The names such a
// first reading finds removed are handed to the backend to forget
// (auth.RemoveNotifier.Removed), unless the file is older than the one
// last recorded (auth.ForgetAtStart).
func (s *consoleSurface) recordUsersChange(ctx context.Context, c auth.UsersChange) {
	if g := s.cfg.Admin.Group; s.cfg.Admin.Enabled && auth.Administrators(maps.Values(c.Before), g) > 0 && auth.Administrators(maps.Values(c.After), g) == 0 {
		// Taken all the same: the file is the operator's own record, and
		// its edit may be a stolen administrator's account taken away
		// (docs/contract.md, "users.yaml (file backend)").
		s.log.ErrorContext(ctx, "users file: no administrator can sign in to the console now (no member of the admin group is enabled with a password)", "group", g)
	}
	events, err := auth.UsersChangeEvents(ctx, s.locks, s.signer.DeriveKey("users-file"), c, auth.UsersFileActor)
	switch {
	case err != nil && c.Before == nil:
		s.log.WarnContext(ctx, "users file: the store did not say what was recorded of it; changes made while no gateway ran are not recorded", "error", err)
	case err != nil:
		s.log.WarnContext(ctx, "users file change: the store did not say whether another replica recorded it; recording it here", "error", err)
	}
	for _, e := range events {
		s.auditEvent(ctx, "", e)
	}
	if c.Before == nil && s.forget != nil {
		// Names gone from the file while no gateway ran are forgotten as
		// those a running gateway sees go (docs/contract.md, "users.yaml
		// (file backend)"): before, their factors stayed for good, and
		// went to whoever was given the name later. Those a file older
		// than the one last recorded lacks are not (auth.ForgetAtStart).
		gone := auth.ForgetAtStart(events)
		if n, ok := s.users.(auth.RemoveNotifier); ok && len(gone) > 0 {
			n.Removed(gone)
		}
	}
}
