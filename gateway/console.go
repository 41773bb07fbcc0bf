package gateway

// The admin API (docs/contract.md, "Admin console"): users, their
// sessions, bans and recovery access, and the audit trail, under
// portal_prefix/api/admin/, for members of admin.group with both factors
// proved within admin.max_auth_age. Never reachable through forward-auth
// or a proxied route: it is served under the portal prefix only.

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// consoleSurface is the admin API and console pages.
type consoleSurface struct {
	*core
	regulator *auth.Regulator   // nil: regulation off
	recovery  *auth.Recovery    // nil: no recovery codes
	forget    *auth.Forget      // nil without a store that keeps everything (auth.Store)
	locks     auth.Store        // holds auth.LockAdmins; nil as forget
	tokens    *auth.AdminTokens // nil: no bearer tokens
}

// userLister is a user backend that can list its accounts (both can).
type userLister interface {
	List(ctx context.Context) ([]*auth.User, error)
}

// adminPageSize is how many users or audit records one page holds.
const adminPageSize = 50

// admin returns the administrator of an admin API request: the holder of
// a bearer token (gatehouse admin token create), or adminSession's. A
// request with a bearer token is judged by the token alone.
func (s *consoleSurface) admin(c *gin.Context) (*auth.User, error) {
	if !s.cfg.Admin.Enabled {
		return nil, errNoRoute
	}
	h := c.GetHeader("Authorization")
	if h == "" {
		return s.adminSession(c)
	}
	token, ok := bearerCredential(h)
	if !ok || s.tokens == nil {
		return nil, errBadToken
	}
	name, err := s.tokens.Verify(c.Request.Context(), strings.TrimSpace(token))
	if errors.Is(err, auth.ErrInvalidToken) {
		return nil, errBadToken
	}
	if err != nil {
		return nil, err
	}
	c.Set(bearerKey, name)
	return &auth.User{Username: "token:" + name}, nil
}

// adminSession returns the administrator of the request's session, or
// the error to answer: 404 when the console is off, 401 without a
// session, 403 outside admin.group, 401 step_up_required with factors
// older than admin.max_auth_age.
func (s *consoleSurface) adminSession(c *gin.Context) (*auth.User, error) {
	a := s.cfg.Admin
	if !a.Enabled {
		return nil, errNoRoute
	}
	sess, u, err := s.currentUser(c)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errUnauthenticated
	}
	r := &route{name: "admin-console", policy: PolicyTwoFactor, groups: []string{a.Group}, maxAuthAge: a.MaxAuthAge}
	switch dec := decide(r, sess, u, s.now()); dec.verdict {
	case allow:
		return u, nil
	case forbidden:
		return nil, errForbidden
	default:
		return nil, dec.loginError()
	}
}

// userView is an account as the admin API shows it: the phone masked.
type userView struct {
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	// EmailUnverified: the email is the person's own from sign-up, never
	// asserted until an administrator sets it (docs/contract.md, "Admin
	// console").
	EmailUnverified bool     `json:"email_unverified,omitempty"`
	Phone           string   `json:"phone,omitempty"`
	Groups          []string `json:"groups"`
	Disabled        bool     `json:"disabled,omitempty"`
	Force2FA        bool     `json:"force_two_factor,omitempty"`
}

func viewOf(u *auth.User) userView {
	g := u.Groups
	if g == nil {
		g = []string{}
	}
	return userView{Username: u.Username, Name: u.DisplayName, Email: u.Email, EmailUnverified: u.EmailUnverified,
		Phone: auth.MaskPhone(u.Phone), Groups: g, Disabled: u.Disabled, Force2FA: u.ForceTwoFactor}
}

// userPager is a user backend that reads its accounts a page at a time
// from a sorted index (storeusers), so that a page costs the same with
// 100,000 accounts as with ten.
type userPager interface {
	Search(ctx context.Context, q, after string, n int) ([]*auth.User, string, error)
}

// searchUsers returns the accounts matching q (auth.UserMatcher) after
// the username cursor, a page at a time. A search by phone digits is
// audited with admin (auth.PhoneSearch), and so made only for a bearer
// token or a request of the console's own page (ownRequest): any other
// is errSearchNotAsked, nothing searched nor written.
func (s *consoleSurface) searchUsers(c *gin.Context, admin *auth.User, q, cursor string) ([]userView, string, error) {
	ctx := c.Request.Context()
	if _, byPhone := auth.PhoneSearch(strings.TrimSpace(q)); byPhone && !byToken(c) && !ownRequest(c.Request) {
		return nil, "", errSearchNotAsked
	}
	var page []*auth.User
	next := ""
	if pager, ok := s.users.(userPager); ok {
		var err error
		if page, next, err = pager.Search(ctx, q, cursor, adminPageSize); err != nil {
			return nil, "", err
		}
	} else {
		// The file backend: every account is in memory already.
		lister, ok := s.users.(userLister)
		if !ok {
			return nil, "", auth.ErrAccountUnavailable
		}
		all, err := lister.List(ctx)
		if err != nil {
			return nil, "", err
		}
		match := auth.UserMatcher(q)
		for _, u := range all {
			if cursor != "" && u.Username <= cursor || !match(u) {
				continue
			}
			if len(page) == adminPageSize {
				next = page[len(page)-1].Username
				break
			}
			page = append(page, u)
		}
	}
	out := make([]userView, 0, len(page))
	for _, u := range page {
		out = append(out, viewOf(u))
	}
	s.auditPhoneSearch(c, admin, q, page)
	return out, next, nil
}

// auditPhoneSearch records a search by phone digits: which accounts'
// numbers hold them is what the console masks, so looking is audited
// with the administrator, as a reveal is (docs/contract.md, "Admin
// console"): how many digits were searched and how many accounts of the
// page matched by their number, never the digits.
func (s *consoleSurface) auditPhoneSearch(c *gin.Context, admin *auth.User, q string, page []*auth.User) {
	digits, byPhone := auth.PhoneSearch(strings.TrimSpace(q))
	if !byPhone {
		return
	}
	matches := 0
	for _, u := range page {
		if strings.Contains(u.Phone, digits) {
			matches++
		}
	}
	s.audit(c, "admin_phone_searched", "", "", "actor", admin.Username, "digits", len(digits), "matches", matches)
}

// target returns the account an admin action is about (path :name).
func (s *consoleSurface) target(c *gin.Context) (*auth.User, error) {
	u, err := s.users.Lookup(c.Request.Context(), c.Param("name"))
	if errors.Is(err, auth.ErrUserNotFound) || err == nil && u.Username != c.Param("name") {
		return nil, errNoRoute
	}
	return u, err
}

// apiUsers is GET /api/admin/users?q=&cursor=.
func (s *consoleSurface) apiUsers(c *gin.Context) {
	admin, err := s.admin(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	users, next, err := s.searchUsers(c, admin, c.Query("q"), c.Query("cursor"))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"users": orEmpty(users), "next": next})
}

// userDetail is what the API and the page show of one account.
type userDetail struct {
	User         userView           `json:"user"`
	Sessions     []auth.SessionInfo `json:"sessions"`
	Ban          *auth.BanStatus    `json:"ban,omitempty"`
	RecoveryLeft int                `json:"recovery_codes_left"`
	// Audit is the account's history, Attempts the failures and refusals
	// about it: apart, so that a flood of the one leaves the other in
	// view (docs/contract.md, "Audit trail").
	Audit    []auth.AuditRecord `json:"audit"`
	Attempts []auth.AuditRecord `json:"attempts"`
}

// recentEvents is how many of the newest events of each class a console
// page shows.
const recentEvents = 20

func (s *consoleSurface) userDetail(c *gin.Context) (*userDetail, error) {
	ctx := c.Request.Context()
	u, err := s.target(c)
	if err != nil {
		return nil, err
	}
	d := &userDetail{User: viewOf(u), Sessions: []auth.SessionInfo{}, Audit: []auth.AuditRecord{}, Attempts: []auth.AuditRecord{}}
	if d.Sessions, err = s.sessions.ListUser(ctx, u, ""); err != nil {
		return nil, err
	}
	if s.regulator != nil {
		st, err := s.regulator.Status(ctx, u.Username)
		if err != nil {
			return nil, err
		}
		if st.Reason != "" {
			d.Ban = &st
		}
	}
	if s.recovery != nil {
		st, err := s.recovery.Status(ctx, u.Username)
		if err != nil {
			return nil, err
		}
		d.RecoveryLeft = st.Left
	}
	if s.auditLog != nil {
		for _, l := range []struct {
			class string
			to    *[]auth.AuditRecord
		}{{auth.AuditHistory, &d.Audit}, {auth.AuditAttempt, &d.Attempts}} {
			recs, _, err := s.auditLog.Page(ctx, auth.AuditFilter{User: u.Username, Class: l.class}, "", recentEvents)
			if err != nil {
				return nil, err
			}
			*l.to = append(*l.to, recs...)
		}
	}
	return d, nil
}

// adminDo is an admin API action on the account u by admin: it returns
// the JSON answer.
type adminDo func(c *gin.Context, admin, u *auth.User) (gin.H, error)

// adminAction is an admin API action on the account :name: do returns
// the JSON answer. The administrator, the account and the error writer
// are this one place's.
func (s *consoleSurface) adminAction(do adminDo) gin.HandlerFunc {
	return func(c *gin.Context) {
		admin, err := s.admin(c)
		var u *auth.User
		if err == nil {
			u, err = s.target(c)
		}
		var body gin.H
		if err == nil {
			body, err = do(c, admin, u)
		}
		if err != nil {
			s.apiFail(c, err)
			return
		}
		noStore(c)
		c.JSON(http.StatusOK, body)
	}
}

// apiRevoke is POST /api/admin/users/:name/revoke {"session": handle}:
// ends one session of the account, or every one without a handle.
func (s *consoleSurface) apiRevoke(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	var req struct {
		Session string `json:"session"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	n, err := s.revoke(c, admin, u, req.Session)
	return gin.H{"sessions_revoked": n}, err
}

// revoke ends session handle of u (every session for ""), audited with
// the acting admin.
func (s *consoleSurface) revoke(c *gin.Context, admin, u *auth.User, handle string) (int, error) {
	ctx := c.Request.Context()
	var n int
	var err error
	if handle == "" {
		n, err = s.sessions.RevokeUser(ctx, u.Username, "")
	} else {
		var ok bool
		if ok, err = s.sessions.RevokeOne(ctx, u.Username, handle); ok {
			n = 1
		}
	}
	// A revocation cut off part-way has still ended the sessions it
	// counted: on the trail, with the failure as its reason
	// (docs/contract.md, "Audit trail").
	if err == nil || n > 0 {
		s.auditWritten(c, "admin_sessions_revoked", u.Username, "", err, "actor", admin.Username, "sessions_revoked", n)
	}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// apiRecovery is POST /api/admin/users/:name/recovery: one single-use
// recovery code for the account, valid auth.IssuedCodeTTL, shown once.
func (s *consoleSurface) apiRecovery(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	code, err := s.issueRecovery(c, admin, u)
	return gin.H{"code": code, "expires_in": int(auth.IssuedCodeTTL.Seconds())}, err
}

// issueRecovery issues u a one-time recovery code, audited with admin
// (never with the code); it ends the lock of u's recovery codes
// (auth.IssueRecoveryCode).
func (s *consoleSurface) issueRecovery(c *gin.Context, admin, u *auth.User) (string, error) {
	if s.recovery == nil {
		return "", auth.ErrRecoveryUnavailable
	}
	code, err := auth.IssueRecoveryCode(c.Request.Context(), s.recovery, s.regulator, u.Username)
	if err != nil {
		return "", err
	}
	s.audit(c, "admin_recovery_issued", u.Username, "", "actor", admin.Username)
	return code, nil
}

// apiRevealPhone is POST /api/admin/users/:name/reveal-phone: the
// account's whole number, which every other answer masks; audited, so
// that looking is seen.
func (s *consoleSurface) apiRevealPhone(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	s.audit(c, "admin_phone_revealed", u.Username, "", "actor", admin.Username)
	return gin.H{"phone": u.Phone}, nil
}

// apiUnban is POST /api/admin/users/:name/unban: lifts the account's
// lock and ban and forgets its failures.
func (s *consoleSurface) apiUnban(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	lifted, err := s.unban(c, admin, u)
	return gin.H{"lifted": lifted}, err
}

// unban lifts u's lock and ban, audited with admin; it reports whether
// there was one.
func (s *consoleSurface) unban(c *gin.Context, admin, u *auth.User) (bool, error) {
	lifted := false
	if s.regulator != nil {
		var err error
		if lifted, err = s.regulator.Lift(c.Request.Context(), u.Username, ""); err != nil {
			return false, err
		}
	}
	s.audit(c, "admin_unbanned", u.Username, "", "actor", admin.Username, "lifted", lifted)
	return lifted, nil
}

// orEmpty makes a nil list an empty one, for JSON.
func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
