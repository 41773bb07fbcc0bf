package gateway

// The admin console's lists beside the accounts (docs/contract.md,
// "Admin console"): every live session, the bans with what they hold,
// and the text messages sent and refused with their estimated cost.

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"sort"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// liveSession is one session in the console's list of every session.
type liveSession struct {
	User     string    `json:"user"`
	Handle   string    `json:"handle"`
	Device   string    `json:"device"`
	Agent    string    `json:"agent,omitempty"`
	IP       string    `json:"ip,omitempty"`
	Created  time.Time `json:"signed_in"`
	LastSeen time.Time `json:"last_seen"`
	Methods  []string  `json:"methods"`
}

// allSessions reads a page of every live session after cursor (a
// username).
func (s *consoleSurface) allSessions(c *gin.Context, cursor string) ([]liveSession, string, error) {
	lookup := func(ctx context.Context, user string) (*auth.User, error) { return s.users.Lookup(ctx, user) }
	groups, next, err := s.sessions.ListAll(c.Request.Context(), lookup, cursor, adminPageSize)
	if err != nil {
		return nil, "", err
	}
	out := []liveSession{}
	for _, g := range groups {
		for _, si := range g.Sessions {
			out = append(out, liveSession{User: g.User, Handle: si.Handle, Device: s.deviceName(si.Agent), Agent: si.Agent, IP: si.IP,
				Created: si.Created, LastSeen: si.LastSeen, Methods: orEmpty(si.Methods)})
		}
	}
	return out, next, nil
}

// apiSessions is GET /api/admin/sessions?cursor=.
func (s *consoleSurface) apiSessions(c *gin.Context) {
	if _, err := s.admin(c); err != nil {
		s.apiFail(c, err)
		return
	}
	list, next, err := s.allSessions(c, c.Query("cursor"))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"sessions": list, "next": next})
}

// bans reads a page of the live bans after cursor.
func (s *consoleSurface) bans(c *gin.Context, cursor string) ([]auth.Ban, string, error) {
	if s.regulator == nil {
		return []auth.Ban{}, "", nil
	}
	list, next, err := s.regulator.Bans(c.Request.Context(), cursor, adminPageSize)
	return orEmpty(list), next, err
}

// apiBans is GET /api/admin/bans?cursor=.
func (s *consoleSurface) apiBans(c *gin.Context) {
	if _, err := s.admin(c); err != nil {
		s.apiFail(c, err)
		return
	}
	list, next, err := s.bans(c, c.Query("cursor"))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"bans": list, "next": next})
}

// liftBan ends the ban handle names (from the list), or the ban of the
// client address ip, audited with admin. It reports whether there was one.
func (s *consoleSurface) liftBan(c *gin.Context, admin *auth.User, handle, ip string) (bool, error) {
	if s.regulator == nil {
		return false, nil
	}
	ctx := c.Request.Context()
	switch {
	case handle != "":
		b, err := s.regulator.LiftHandle(ctx, handle)
		if errors.Is(err, auth.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		user := ""
		if b.Kind == auth.BanAccount {
			user = b.Subject
		}
		s.audit(c, "admin_ban_lifted", user, "", "actor", admin.Username, "kind", b.Kind, "subject", b.Subject)
		return true, nil
	case ip != "":
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return false, auth.FieldProblem("ip", "field.ip.format", "Give an IP address, like 198.51.100.7 or 2001:db8::1.")
		}
		lifted, err := s.regulator.Lift(ctx, "", a.String())
		if err != nil {
			return false, err
		}
		s.audit(c, "admin_ban_lifted", "", "", "actor", admin.Username, "kind", auth.BanAddress, "subject", a.String(), "lifted", lifted)
		return lifted, nil
	}
	return false, auth.FieldProblem("handle", "field.ban.required", "Name the ban to lift, or an address.")
}

// apiLiftBan is POST /api/admin/bans/lift {"handle"} or {"ip"}.
func (s *consoleSurface) apiLiftBan(c *gin.Context) {
	admin, err := s.admin(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	var req struct {
		Handle string `json:"handle"`
		IP     string `json:"ip"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	lifted, err := s.liftBan(c, admin, req.Handle, req.IP)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"lifted": lifted})
}

// smsDay is one day and country of texts, with its estimated cost.
type smsDay struct {
	auth.SendStat
	// Cost is Sent times admin.sms_prices' price for the country (or its
	// default); nil without one.
	Cost *float64 `json:"cost,omitempty"`
}

// smsReport is what the console shows of text messages.
type smsReport struct {
	Budget   []auth.BudgetUse `json:"budget"`
	Sends    []smsDay         `json:"sends"`
	Currency string           `json:"currency"`
	// Total is the estimated cost of every day shown; nil without prices.
	Total *float64 `json:"estimated_cost,omitempty"`
}

// sms reads the budget's use and the send counts, priced.
func (s *consoleSurface) sms(c *gin.Context) (*smsReport, error) {
	ctx := c.Request.Context()
	use, err := s.otp.BudgetUse(ctx)
	if err != nil {
		return nil, err
	}
	stats, err := s.otp.SendStats(ctx)
	if err != nil {
		return nil, err
	}
	r := &smsReport{Budget: orEmpty(use), Sends: []smsDay{}, Currency: s.cfg.Admin.SMSCurrency}
	prices := s.cfg.Admin.SMSPrices
	for _, st := range stats {
		d := smsDay{SendStat: st}
		price, ok := prices[st.Country]
		if !ok {
			price, ok = prices["default"]
		}
		if ok {
			cost := float64(st.Sent) * price
			d.Cost = &cost
			if r.Total == nil {
				r.Total = new(float64)
			}
			*r.Total += cost
		}
		r.Sends = append(r.Sends, d)
	}
	sort.SliceStable(r.Sends, func(i, j int) bool { return r.Sends[i].Day > r.Sends[j].Day })
	return r, nil
}

// apiSMS is GET /api/admin/sms: how much of each cap of otp.budget the
// current window has used, and the texts sent and refused per day and
// country of the last auth.SendStatsDays days, with their estimated cost.
func (s *consoleSurface) apiSMS(c *gin.Context) {
	if _, err := s.admin(c); err != nil {
		s.apiFail(c, err)
		return
	}
	r, err := s.sms(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, r)
}
