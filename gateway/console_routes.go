package gateway

import "github.com/gin-gonic/gin"

// consoleRoutes adds the admin console's account lifecycle, sessions,
// bans and SMS pages and API (docs/contract.md, "Admin console") to the
// portal's group p and its admin API group adm.
func (s *Server) consoleRoutes(p, adm *gin.RouterGroup) {
	p.POST("/admin/users", s.limitBody, s.checkCSRF, s.admin.consoleCreate)

	adm.POST("/users", s.limitBody, s.requireJSON, s.admin.apiCreateUser)
	adm.POST("/users/:name/groups", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiGroups))
	adm.POST("/users/:name/force-reset", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiForceReset))
	adm.POST("/users/:name/delete", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiDelete))
}
