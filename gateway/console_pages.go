package gateway

// The admin console's pages (docs/contract.md, "Admin console"): the
// same actions as the admin API, as forms with the portal's CSRF token.

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// adminPage is what the console's pages show.
type adminPage struct {
	Me    string     // the administrator
	Query string     // the search typed
	Users []userView // search results
	// Unsearched: a search of phone numbers this origin's page did not
	// ask for (errSearchNotAsked), shown to run, not run.
	Unsearched bool
	Next       string             // cursor of the next page of users
	Detail     *userDetail        // one account
	Sessions   []sessionView      // its sessions, with device names
	Audit      []auth.AuditRecord // the newest of the history
	Attempts   []auth.AuditRecord // the newest attempts, apart
	Issued     string             // a one-time code just issued, shown once
	IssuedTo   string
	CanEdit    bool             // accounts can be changed (users.backend: redis)
	Budget     []auth.BudgetUse // otp.budget's current windows
	// Link is a set-password link just made for LinkFor, shown once.
	Link    *passwordLink
	LinkFor string
	// Methods are the account's second factors (phone, app, passkeys).
	Methods []methodView
}

// adminOrRedirect returns the administrator of a page request, or
// answers it: the login page (back here after it) without a session or
// with proofs too old, the error page otherwise.
func (s *consoleSurface) adminOrRedirect(c *gin.Context) *auth.User {
	u, err := s.adminSession(c)
	switch {
	case err == nil:
		return u
	case errors.Is(err, errUnauthenticated), errors.Is(err, errStepUp), errors.Is(err, errReauth):
		noStore(c)
		rd := s.prefix + "/admin/"
		if c.Request.Method == http.MethodGet {
			rd = withoutPhoneSearch(c.Request.URL)
		}
		c.Redirect(http.StatusSeeOther, s.prefix+"/login?rd="+url.QueryEscape(rd))
	default:
		s.fail(c, err)
	}
	return nil
}

// withoutPhoneSearch is u as a path and query to come back to after
// signing in, without a search of phone numbers (its q and cursor): the
// page a sign-in ends on is the portal's own, so a search in a link
// mailed to an administrator would run once they signed in as it led
// them to (ownRequest; docs/contract.md, "Admin console").
func withoutPhoneSearch(u *url.URL) string { return dropPhoneSearch(u).RequestURI() }

// consoleHome is GET /admin/: the user search, the form that creates an
// account, and the newest events.
func (s *consoleSurface) consoleHome(c *gin.Context) {
	me := s.adminOrRedirect(c)
	if me == nil {
		return
	}
	d := s.page("admin.title")
	if s.notice(c, "done") == "admin.deleted" {
		d.Info = s.t("admin.deleted") // after the redirect of a delete
	}
	s.renderHome(c, me, d, http.StatusOK, nil)
}

// renderHome shows the console's home page on d, with a link just made.
func (s *consoleSurface) renderHome(c *gin.Context, me *auth.User, d pageData, status int, a *adminPage) {
	if a == nil {
		a = &adminPage{}
	}
	a.Me, a.Query = me.Username, c.Query("q")
	_, a.CanEdit = s.registry.(accountEditor)
	var err error
	a.Users, a.Next, err = s.searchUsers(c, me, a.Query, c.Query("cursor"))
	switch {
	case errors.Is(err, errSearchNotAsked):
		a.Unsearched = true // the search box holds it, for the person to run
	case err != nil:
		s.fail(c, err)
		return
	}
	if a.Audit, _, err = s.auditLog.Page(c.Request.Context(), auth.AuditFilter{Class: auth.AuditHistory}, "", recentEvents); err != nil {
		s.fail(c, err)
		return
	}
	if a.Attempts, _, err = s.auditLog.Page(c.Request.Context(), auth.AuditFilter{Class: auth.AuditAttempt}, "", recentEvents); err != nil {
		s.fail(c, err)
		return
	}
	if a.Budget, err = s.otp.BudgetUse(c.Request.Context()); err != nil {
		s.fail(c, err)
		return
	}
	d.Admin = a
	s.render(c, status, "admin.html", d)
}

// consoleCreate is POST /admin/users: a new account, and its
// set-password link shown once in the answer (no-store, never in a URL).
func (s *consoleSurface) consoleCreate(c *gin.Context) {
	me := s.adminOrRedirect(c)
	if me == nil {
		return
	}
	in := auth.NewAccount{Username: c.PostForm("username"), Email: c.PostForm("email"), Phone: c.PostForm("phone"), Name: c.PostForm("name")}
	d := s.page("admin.title")
	u, link, err := s.createUser(c, me, in, splitGroups(c.PostForm("groups")), c.PostForm("reuse_name") != "")
	if err != nil {
		var ie *auth.InputError
		var ce *auth.ConflictError
		if !errors.As(err, &ie) && !errors.As(err, &ce) {
			s.fail(c, err)
			return
		}
		status := s.formError(c, &d, err)
		d.Form = map[string]string{"username": in.Username, "email": in.Email, "phone": in.Phone, "name": in.Name, "groups": c.PostForm("groups")}
		if errors.Is(err, auth.ErrNameHeld) {
			d.Form["reuse_offer"] = "1" // the form offers to give the name again
		}
		s.renderHome(c, me, d, status, nil)
		return
	}
	d.Info = s.t("admin.created", "user", u.Username)
	s.renderHome(c, me, d, http.StatusOK, &adminPage{Link: link, LinkFor: u.Username})
}

// consoleAccountDone are the messages an account's page says after the
// redirect of an action (?done=), one for each done of consoleAction; any
// other value says nothing.
var consoleAccountDone = []string{"admin.revoked", "admin.unbanned", "admin.changed", "admin.groups_changed", "admin.method_removed", "admin.recovery_voided"}

// consoleUser is GET /admin/users/:name.
func (s *consoleSurface) consoleUser(c *gin.Context) {
	me := s.adminOrRedirect(c)
	if me == nil {
		return
	}
	info := ""
	if done := s.notice(c, "done"); slices.Contains(consoleAccountDone, done) {
		info = done // after the redirect of an action: say it was done
	}
	s.renderUser(c, me, info, "", nil)
}

// renderUser shows one account, with info (a message id) over it and a
// code or set-password link just issued.
func (s *consoleSurface) renderUser(c *gin.Context, me *auth.User, info, issued string, link *passwordLink) {
	s.renderUserStatus(c, me, http.StatusOK, "", info, issued, link)
}

// renderUserStatus is renderUser with a status and an error over the
// page (a message id; "" for none).
func (s *consoleSurface) renderUserStatus(c *gin.Context, me *auth.User, status int, errID, info, issued string, link *passwordLink) {
	detail, err := s.userDetail(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := s.page("admin.user_title")
	_, canEdit := s.registry.(accountEditor)
	a := &adminPage{Me: me.Username, Detail: detail, Audit: detail.Audit, Attempts: detail.Attempts, Issued: issued, IssuedTo: detail.User.Username, CanEdit: canEdit, Link: link, LinkFor: detail.User.Username}
	for _, si := range detail.Sessions {
		a.Sessions = append(a.Sessions, sessionView{SessionInfo: si, Device: s.deviceName(si.Agent)})
	}
	if a.Methods, err = s.targetMethods(c); err != nil {
		s.fail(c, err)
		return
	}
	d.Admin = a
	if info != "" {
		d.Info = s.t(info)
	}
	if errID != "" {
		d.Error = s.t(errID)
	}
	s.render(c, status, "admin.html", d)
}

// consoleAction is POST /admin/users/:name/{revoke,unban,recovery,
// disable,enable,reset-phone,groups,force-reset,delete,remove-passkey,
// remove-totp,void-recovery}.
func (s *consoleSurface) consoleAction(c *gin.Context) {
	me := s.adminOrRedirect(c)
	if me == nil {
		return
	}
	u, err := s.target(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	done := ""
	switch c.Param("action") {
	case "revoke":
		_, err = s.revoke(c, me, u, c.PostForm("session"))
		done = "admin.revoked"
		if err == nil && c.PostForm("from") == "sessions" {
			noStore(c)
			c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/admin/sessions", nil, "done", done))
			return
		}
	case "unban":
		_, err = s.unban(c, me, u)
		done = "admin.unbanned"
	case "recovery":
		code, err := s.issueRecovery(c, me, u)
		if err != nil {
			s.fail(c, err)
			return
		}
		// Shown in this answer only (no-store), never in a URL.
		s.renderUser(c, me, "admin.issued", code, nil)
		return
	case "force-reset":
		link, err := s.forceReset(c, me, u)
		if err != nil {
			s.fail(c, err)
			return
		}
		// The link is shown in this answer only (no-store), never in a URL.
		s.renderUser(c, me, "admin.reset_forced", "", link)
		return
	case "groups":
		_, err = s.setGroups(c, me, u, splitGroups(c.PostForm("groups")))
		done = "admin.groups_changed"
	case "delete":
		if c.PostForm("confirm") != u.Username {
			s.renderUserStatus(c, me, http.StatusBadRequest, "admin.delete_confirm", "", "", nil)
			return
		}
		if err := s.deleteUser(c, me, u); err != nil {
			s.fail(c, err)
			return
		}
		noStore(c)
		c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/admin/", nil, "done", "admin.deleted"))
		return
	case "remove-passkey":
		err = s.removePasskey(c, me, u, c.PostForm("id"))
		done = "admin.method_removed"
	case "remove-totp":
		err = s.removeTOTP(c, me, u)
		done = "admin.method_removed"
	case "void-recovery":
		err = s.voidRecovery(c, me, u)
		done = "admin.recovery_voided"
	case "disable", "enable", "reset-phone":
		err = s.change(c, me, u, c.Param("action"))
		done = "admin.changed"
	default:
		s.fail(c, errNoRoute)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/admin/users/"+url.PathEscape(u.Username), nil, "done", done))
}
