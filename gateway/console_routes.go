package gateway

import "github.com/gin-gonic/gin"

// consoleRoutes adds the admin console's account lifecycle, sessions,
// bans and SMS pages and API (docs/contract.md, "Admin console") to the
// console's page group con (under /admin) and its API group adm.
func (s *Server) consoleRoutes(con, adm *gin.RouterGroup) {
	con.POST("/users", s.limitBody, s.checkCSRF, s.admin.consoleCreate)
	con.GET("/sessions", s.admin.consoleSessions)
	con.GET("/bans", s.admin.consoleBans)
	con.POST("/bans/lift", s.limitBody, s.checkCSRF, s.admin.consoleLiftBan)
	con.GET("/sms", s.admin.consoleSMS)

	adm.POST("/users", s.limitBody, s.requireJSON, s.admin.apiCreateUser)
	adm.POST("/users/:name/groups", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiGroups))
	adm.POST("/users/:name/force-reset", s.limitBody, s.requireJSON, s.admin.adminAction(takesNoInput(s.admin.apiForceReset)))
	adm.POST("/users/:name/delete", s.limitBody, s.requireJSON, s.admin.adminAction(takesNoInput(s.admin.apiDelete)))
	adm.GET("/sessions", s.admin.apiSessions)
	adm.GET("/bans", s.admin.apiBans)
	adm.POST("/bans/lift", s.limitBody, s.requireJSON, s.admin.apiLiftBan)
}
