package gateway

// Recovery codes on the portal and the JSON API (docs/contract.md,
// "Recovery codes"): signing in with one after the password, the offer
// after a first two-factor sign-in, and making a new set.

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gin-gonic/gin"
)

// resetNeedsRecovery says whether a password reset of u needs a recovery
// code besides the text-message code (users.reset.require; unset: when u
// signs in with two factors, by force_two_factor, with a number an
// administrator gave that no code has proved yet, as a member of
// admin.group, whose console asks for two, or because a route asks for
// them; docs/contract.md, "Password reset, step one").
func (s *core) resetNeedsRecovery(u *auth.User) bool {
	if req := s.cfg.Users.Reset.Require; len(req) > 0 {
		return slices.Contains(req, config.ResetProofRecoveryCode)
	}
	if u.ForceTwoFactor || u.PhoneUnproved {
		return true
	}
	if a := s.cfg.Admin; a.Enabled && u.InGroup([]string{a.Group}) {
		return true
	}
	for _, r := range s.routes().routes {
		if r.policy == PolicyTwoFactor || r.policy == PolicyPasskey {
			return true
		}
	}
	return false
}

// resetAsksRecovery says whether the reset form shows the recovery code
// field: whenever some account's reset may need one, so that the form
// itself tells nothing about the account typed.
func (s *core) resetAsksRecovery() bool {
	return s.resetNeedsRecovery(&auth.User{ForceTwoFactor: len(s.cfg.Users.Reset.Require) == 0})
}

// recoveryLogin spends a recovery code as the second factor of the
// request's session.
func (s *core) recoveryLogin(c *gin.Context, code string) (_ *auth.Session, err error) {
	ctx := c.Request.Context()
	defer s.slowRefusal(ctx, s.now(), &err)
	sess, err := s.loadSession(c)
	if err != nil {
		return nil, err
	}
	st, err := s.login.RecoveryCode(ctx, s.client(c), sess, code)
	return st.Session, err
}

// signedInForAccount returns the session and user of a request that may
// use the account's own pages and endpoints (every method the account
// signs in with), or an error for the client.
func (s *core) signedInForAccount(c *gin.Context) (*auth.Session, *auth.User, error) {
	sess, u, err := s.currentUser(c)
	if err != nil {
		return nil, nil, err
	}
	if u == nil {
		return nil, nil, errUnauthenticated
	}
	rt, err := s.forUser(c.Request.Context(), accountRoute(false, false), u)
	if err != nil {
		return nil, nil, err
	}
	if dec := decide(rt, sess, u, s.now()); dec.verdict != allow {
		return nil, nil, dec.loginError()
	}
	return sess, u, nil
}

// recoveryPage is GET /recovery: the form for a recovery code, after the
// password.
func (s *pagesSurface) recoveryPage(c *gin.Context) {
	rd := s.rdParam(c)
	sess, err := s.loadSession(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if sess == nil || !sess.Has(auth.MethodPassword, s.now().Add(-auth.CredentialChangeAge)) {
		s.toLoginFor(c, rd)
		return
	}
	d := s.page("recovery.title")
	d.RD, d.Mode = rd, "use"
	if c.Query("e") == "no_phone" {
		d.Info = s.t("recovery.no_phone")
	}
	s.render(c, http.StatusOK, "recovery.html", d)
}

// recoverySubmit is POST /recovery.
func (s *pagesSurface) recoverySubmit(c *gin.Context) {
	rd := s.rdParam(c)
	sess, err := s.recoveryLogin(c, c.PostForm("recovery_code"))
	if errors.Is(err, auth.ErrPasswordFirst) {
		s.toLoginFor(c, rd)
		return
	}
	if err != nil {
		d := s.page("recovery.title")
		d.RD, d.Mode = rd, "use"
		status := s.formError(c, &d, err)
		s.render(c, status, "recovery.html", d)
		return
	}
	s.setSessionCookie(c, sess)
	// On to the account page, to bind a phone that works again.
	q := url.Values{"recovered": {"1"}}
	if rd != "" {
		q.Set("rd", rd)
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.accountAfter(c.Request, q))
}

// toLoginFor sends the browser to the login page, back to rd after it.
func (s *pagesSurface) toLoginFor(c *gin.Context, rd string) {
	target := s.prefix + "/login"
	if rd != "" {
		target += "?rd=" + url.QueryEscape(rd)
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, target)
}

// recoveryCodesPage is GET /recovery-codes: the offer of a new set (after
// a first sign-in, or from the account page).
func (s *pagesSurface) recoveryCodesPage(c *gin.Context) {
	_, u := s.accountUser(c)
	if u == nil {
		return
	}
	d := s.page("recovery_codes.title")
	d.RD, d.Mode = s.rdParam(c), "offer"
	if err := s.fillRecovery(c, &d, u); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "recovery.html", d)
}

// recoveryCodesSubmit is POST /recovery-codes: make a new set and show it,
// once.
func (s *pagesSurface) recoveryCodesSubmit(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	rd := s.rdParam(c)
	codes, err := s.login.NewRecoveryCodes(c.Request.Context(), s.client(c), sess, u)
	if errors.Is(err, auth.ErrFreshProofNeeded) {
		s.toLogin(c, true)
		return
	}
	d := s.page("recovery_codes.title")
	d.RD = rd
	if err != nil {
		d.Mode = "offer"
		status := s.formError(c, &d, err)
		if ferr := s.fillRecovery(c, &d, u); ferr != nil {
			s.fail(c, ferr)
			return
		}
		s.render(c, status, "recovery.html", d)
		return
	}
	d.Mode, d.Codes = "codes", codes
	s.render(c, http.StatusOK, "recovery.html", d)
}

// fillRecovery puts u's recovery code status in d.
func (s *core) fillRecovery(c *gin.Context, d *pageData, u *auth.User) error {
	st, err := s.login.RecoveryStatus(c.Request.Context(), u.Username)
	if errors.Is(err, auth.ErrRecoveryUnavailable) {
		return nil
	}
	if err != nil {
		return err
	}
	d.Recovery = &st
	f, err := s.login.Factors(c.Request.Context(), u)
	d.HasFactor = f.Any()
	return err
}

// offerRecovery reports where a browser that has just completed a
// two-factor sign-in goes instead of rd: the offer of recovery codes, the
// first time (docs/contract.md, "Recovery codes"); "" to go on.
func (s *pagesSurface) offerRecovery(c *gin.Context, sess *auth.Session, rd string) string {
	if !s.onPortalOrigin(c.Request) || !pageLoad(c.Request) {
		// Making codes answers on public_url's origin only: the offer
		// waits for a sign-in there, and for a page the person sees, not
		// another page's img (docs/contract.md, "Recovery codes").
		return ""
	}
	u, err := s.users.Lookup(c.Request.Context(), sess.User)
	if err != nil {
		return ""
	}
	offer, err := s.login.OfferRecovery(c.Request.Context(), sess, u)
	if err != nil || !offer {
		return "" // an offer is a courtesy: never a reason to fail a sign-in
	}
	target := s.prefix + "/recovery-codes"
	if rd != "" {
		target += "?rd=" + url.QueryEscape(rd)
	}
	return target
}

// apiRecovery is POST /api/recovery: {"code"} signs in with a recovery
// code after the password.
func (s *apiSurface) apiRecovery(c *gin.Context) {
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, err := s.recoveryLogin(c, req.Code)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeAuthResult(c, http.StatusOK, sess, nil)
}

// apiRecoveryStatus is GET /api/recovery-codes: whether a set was made
// and how many codes are left.
func (s *apiSurface) apiRecoveryStatus(c *gin.Context) {
	_, u, err := s.signedInForAccount(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	st, err := s.login.RecoveryStatus(c.Request.Context(), u.Username)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"made": st.Made, "left": st.Left})
}

// apiRecoveryCodes is POST /api/recovery-codes: a new set, returned once.
func (s *apiSurface) apiRecoveryCodes(c *gin.Context) {
	sess, u, err := s.signedInForAccount(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	codes, err := s.login.NewRecoveryCodes(c.Request.Context(), s.client(c), sess, u)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"codes": codes})
}
