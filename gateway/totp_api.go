package gateway

// Authenticator apps on the JSON API (docs/contract.md, "Authenticator
// apps"): the app's code, and setting an app up or removing it.

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// apiTOTP is POST /api/totp: {"code"} from the authenticator app, after
// the password or for a step-up.
func (s *apiSurface) apiTOTP(c *gin.Context) {
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, err := s.appLogin(c, req.Code)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeAuthResult(c, http.StatusOK, sess, nil)
}

// apiTOTPStatus is GET /api/totp-app: whether the account has an app.
func (s *apiSurface) apiTOTPStatus(c *gin.Context) {
	_, u, err := s.signedInForAccount(c)
	if err == nil && !s.cfg.TOTP.Enabled {
		err = auth.ErrTOTPUnavailable
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	ok, err := s.login.TOTPEnrolled(c.Request.Context(), u.Username)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"enrolled": ok})
}

// apiTOTPEnrol is POST /api/totp-app: {} starts setting an app up and
// returns its secret and otpauth URL; {"code"} confirms it. A code sent
// blank is a blank code (400 invalid_input), never a new start: that
// would replace the secret its person has just scanned
// (docs/contract.md, "Authenticator apps").
func (s *apiSurface) apiTOTPEnrol(c *gin.Context) {
	var req struct {
		Code *string `json:"code"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, u, err := s.signedInForAccount(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	if req.Code == nil {
		e, err := s.login.TOTPEnrolStart(c.Request.Context(), s.client(c), sess, u)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "confirm_required", "secret": e.Secret, "otpauth_url": e.URL})
		return
	}
	st, err := s.login.TOTPEnrolFinish(c.Request.Context(), s.client(c), sess, u, *req.Code)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.setSessionCookie(c, st.Session)
	c.JSON(http.StatusOK, gin.H{"status": "enrolled"})
}

// apiTOTPRemove is POST /api/totp-app/remove.
func (s *apiSurface) apiTOTPRemove(c *gin.Context) {
	sess, u, err := s.signedInForAccount(c)
	if err == nil {
		err = s.login.TOTPRemove(c.Request.Context(), s.client(c), sess, u)
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"status": "removed"})
}
