package gateway

// The admin console's audit trail API (docs/contract.md, "Admin console"
// and "Audit trail").

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// apiAudit is GET /api/admin/audit?user=&event=&ip=&class=&since=&until=&cursor=:
// a page of the kept audit trail, newest first, the history and the
// attempts merged unless class names one; with Accept:
// application/x-ndjson, one record per line (the cursor of the next page
// in the Audit-Next-Cursor header).
func (s *consoleSurface) apiAudit(c *gin.Context) {
	if _, err := s.admin(c); err != nil {
		s.apiFail(c, err)
		return
	}
	f := auth.AuditFilter{User: c.Query("user"), Event: c.Query("event"), IP: c.Query("ip"), Class: c.Query("class")}
	if f.Class != "" && !auth.AuditClassValid(f.Class) {
		s.apiFail(c, auth.FieldProblem("class", "field.class.invalid", "Give history or attempt."))
		return
	}
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := c.Query(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				s.apiFail(c, auth.FieldProblem(p.name, "field.time.format", "Give a time like 2026-12-04T10:00:00Z."))
				return
			}
			*p.to = t
		}
	}
	limit := adminPageSize
	if n, err := strconv.Atoi(c.Query("limit")); err == nil && n > 0 {
		limit = min(n, 1000)
	}
	recs, next, err := s.auditLog.Page(c.Request.Context(), f, c.Query("cursor"), limit)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	if slices.Contains(strings.Split(c.GetHeader("Accept"), ","), "application/x-ndjson") {
		c.Header("Content-Type", "application/x-ndjson")
		c.Header("Audit-Next-Cursor", next)
		c.Status(http.StatusOK)
		enc := json.NewEncoder(c.Writer)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return // the client went away
			}
		}
		return
	}
	c.JSON(http.StatusOK, gin.H{"events": orEmpty(recs), "next": next})
}
