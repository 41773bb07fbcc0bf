package gateway

import (
	"encoding/json"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// writeAuthResult answers a login step: authenticated, or a code is needed.
func (s *apiSurface) writeAuthResult(c *gin.Context, status int, sess *auth.Session, info *otpInfo) {
	if sess != nil {
		s.setSessionCookie(c, sess)
	}
	noStore(c)
	if info != nil {
		c.JSON(status, gin.H{"status": "otp_required", "otp": info})
		return
	}
	c.JSON(status, gin.H{"status": "authenticated"})
}

// apiLogin is POST /api/login.
func (s *apiSurface) apiLogin(c *gin.Context) {
	var req struct {
		Username   string `json:"username"`
		Password   string `json:"password"`
		RememberMe bool   `json:"remember_me"`
		RD         string `json:"rd"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	rd := req.RD
	if rd == "" {
		rd = c.Query("rd")
	}
	if rd != "" {
		rd = s.safeRedirect(rd)
	}
	sess, info, next, err := s.passwordLogin(c, req.Username, req.Password, req.RememberMe, rd)
	if err != nil {
		if sess != nil {
			s.setSessionCookie(c, sess)
		}
		s.apiFail(c, err)
		return
	}
	if next != "" {
		// A passkey (POST /api/passkey/login/start) or the authenticator
		// app's code (POST /api/totp) is next; methods lists the other
		// ways, strongest first ("sms": POST /api/otp/resend texts a
		// code instead).
		s.setSessionCookie(c, sess)
		noStore(c)
		u, err := s.users.Lookup(c.Request.Context(), sess.User)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		status := "totp_required"
		if next == auth.MethodHWK {
			status = "passkey_required"
		}
		c.JSON(http.StatusOK, gin.H{"status": status, "methods": s.secondChoices(c.Request.Context(), sess, u, s.targetRoute(c, rd))})
		return
	}
	s.writeAuthResult(c, http.StatusOK, sess, info)
}

// apiOTP is POST /api/otp.
func (s *apiSurface) apiOTP(c *gin.Context) {
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, err := s.verifyCode(c, req.Code)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeAuthResult(c, http.StatusOK, sess, nil)
}

// apiOTPResend is POST /api/otp/resend.
func (s *apiSurface) apiOTPResend(c *gin.Context) {
	sess, info, err := s.resendCode(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.setSessionCookie(c, sess)
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"otp": info})
}

// apiSMSStart is POST /api/sms/start (passwordless login).
func (s *apiSurface) apiSMSStart(c *gin.Context) {
	var req struct {
		Phone      string `json:"phone"`
		RememberMe bool   `json:"remember_me"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, info, err := s.smsStart(c, req.Phone, req.RememberMe)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeAuthResult(c, http.StatusOK, sess, info)
}

// apiLogout is POST /api/logout.
func (s *apiSurface) apiLogout(c *gin.Context) {
	if err := s.logout(c); err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"status": "logged_out"})
}

// apiSession is GET /api/session.
func (s *apiSurface) apiSession(c *gin.Context) {
	sess, u, err := s.currentUser(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if u == nil {
		s.apiFail(c, errUnauthenticated)
		return
	}
	groups := u.Groups
	if groups == nil {
		groups = []string{}
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{
		"user":       u.Username,
		"name":       u.DisplayName,
		"email":      u.AssertedEmail(), // as X-Auth-Email (docs/contract.md, "HTTP endpoints")
		"groups":     groups,
		"methods":    sess.Methods(),
		"expires_at": sess.ExpiresAt().UTC(),
	})
}

// jwks serves the public keys for X-Auth-Assertion.
func (s *apiSurface) jwks(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json", s.signer.JWKS())
}

// jsonErrorBody renders the contract's error body outside gin.
func jsonErrorBody(e apiError) []byte {
	b, _ := json.Marshal(map[string]apiError{"error": e})
	return b
}
