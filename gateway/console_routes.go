package gateway

import "github.com/gin-gonic/gin"

// consoleRoutes adds the admin console's account lifecycle, sessions,
// bans and SMS pages and API (docs/contract.md, "Admin console") to the
// portal's group p and its admin API group adm.
func (s *Server) consoleRoutes(p, adm *gin.RouterGroup) {
	p.POST("/admin/users", s.limitBody, s.checkCSRF, s.admin.consoleCreate)
	p.GET("/admin/sessions", s.admin.consoleSessions)
	p.GET("/admin/bans", s.admin.consoleBans)
	p.POST("/admin/bans/lift", s.limitBody, s.checkCSRF, s.admin.consoleLiftBan)
	p.GET("/admin/sms", s.admin.consoleSMS)

	adm.POST("/users", s.limitBody, s.requireJSON, s.admin.apiCreateUser)
	adm.POST("/users/:name/groups", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiGroups))
	adm.POST("/users/:name/force-reset", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiForceReset))
	adm.POST("/users/:name/delete", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiDelete))
	adm.GET("/sessions", s.admin.apiSessions)
	adm.GET("/bans", s.admin.apiBans)
	adm.POST("/bans/lift", s.limitBody, s.requireJSON, s.admin.apiLiftBan)
}
