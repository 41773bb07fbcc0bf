package gateway

// The console's pages of every session, the bans and the text messages
// (docs/contract.md, "Admin console"): tables that stay usable at 390 px,
// and forms with the portal's CSRF token.

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// listPage is what the console's list pages show.
type listPage struct {
	View     string // "sessions", "bans" or "sms"
	Me       string
	Sessions []liveSession
	Bans     []auth.Ban
	SMS      *smsReport
	Next     string // cursor of the next page
}

// renderList shows one list page, with info (a message id) over it.
func (s *consoleSurface) renderList(c *gin.Context, me *auth.User, l *listPage, title string, status int) {
	d := s.page(title)
	l.Me = me.Username
	d.List = l
	if done := s.notice(c, "done"); done == "admin.revoked" || done == "admin.ban_lifted" || done == "admin.ban_none" {
		d.Info = s.t(done) // after the redirect of an action: say it was done
	}
	s.render(c, status, "admin_lists.html", d)
}

// consoleSessions is GET /admin/sessions?cursor=.
func (s *consoleSurface) consoleSessions(c *gin.Context) {
	me := s.adminOrRedirect(c)
	if me == nil {
		return
	}
	list, next, err := s.allSessions(c, c.Query("cursor"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderList(c, me, &listPage{View: "sessions", Sessions: list, Next: next}, "admin.sessions_title", http.StatusOK)
}

// consoleBans is GET /admin/bans?cursor=.
func (s *consoleSurface) consoleBans(c *gin.Context) {
	me := s.adminOrRedirect(c)
	if me == nil {
		return
	}
	list, next, err := s.bans(c, c.Query("cursor"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderList(c, me, &listPage{View: "bans", Bans: list, Next: next}, "admin.bans_title", http.StatusOK)
}

// consoleLiftBan is POST /admin/bans/lift (handle, or ip).
func (s *consoleSurface) consoleLiftBan(c *gin.Context) {
	me := s.adminOrRedirect(c)
	if me == nil {
		return
	}
	lifted, err := s.liftBan(c, me, c.PostForm("handle"), c.PostForm("ip"))
	if err != nil {
		s.fail(c, err)
		return
	}
	done := "admin.ban_lifted"
	if !lifted {
		done = "admin.ban_none"
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/admin/bans", nil, "done", done))
}

// consoleSMS is GET /admin/sms.
func (s *consoleSurface) consoleSMS(c *gin.Context) {
	me := s.adminOrRedirect(c)
	if me == nil {
		return
	}
	r, err := s.sms(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderList(c, me, &listPage{View: "sms", SMS: r}, "admin.sms_page_title", http.StatusOK)
}
