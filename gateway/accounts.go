package gateway

import (
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// Hasher makes password hashes for new passwords.
type Hasher = auth.PasswordHasher

// signup reserves a new account and sends a code to its phone; the
// account becomes active when the code is verified with the same cookie.
func (s *core) signup(c *gin.Context, in auth.NewAccount) (_ *auth.Session, _ *otpInfo, err error) {
	// A refused sign-up is held to the floor of a refused login, so a
	// flood of them runs at a bounded rate per connection.
	defer s.slowAnyRefusal(c.Request.Context(), s.now(), &err)
	sess, err := s.loadSession(c)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.login.SignUp(c.Request.Context(), s.client(c), sess, in)
	return st.Session, s.otpInfoFor(st.Code), err
}

// resetStart sends a reset code to the account's phone (a decoy for an
// unknown one) and returns the handle of the reset, which only its asker
// gets back; prev is the asker's handle from an earlier start, or "".
func (s *core) resetStart(c *gin.Context, login, prev string) (string, error) {
	return s.login.ResetStart(c.Request.Context(), s.client(c), login, prev)
}

// resetFinish checks the code and sets the new password; the browser's
// own session of the account, if any, stays signed in under a new id.
func (s *core) resetFinish(c *gin.Context, in auth.ResetIn) error {
	sess, err := s.loadSession(c)
	if err != nil {
		return err
	}
	st, err := s.login.ResetFinish(c.Request.Context(), s.client(c), sess, in)
	if err != nil {
		return err
	}
	if st.Session != nil {
		s.setSessionCookie(c, st.Session)
	}
	return nil
}

// apiSignup is POST /api/signup.
func (s *apiSurface) apiSignup(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Password string `json:"password"`
		Phone    string `json:"phone"`
		Name     string `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, info, err := s.signup(c, auth.NewAccount{Username: req.Username, Email: req.Email, Password: req.Password, Phone: req.Phone, Name: req.Name})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeAuthResult(c, http.StatusCreated, sess, info)
}

// apiReset is POST /api/reset: {"username"} sends a code and answers the
// reset's handle ("reset", also in a cookie of the API's path);
// {"username","code","password","reset"} sets the new password
// (docs/contract.md, "Password reset, step two").
func (s *apiSurface) apiReset(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Phone    string `json:"phone"`
		Code     string `json:"code"`
		Password string `json:"password"`
		// RecoveryCode: needed too when users.reset.require says so.
		RecoveryCode string `json:"recovery_code"`
		// Token: a set-password link's, instead of the rest.
		Token string `json:"token"`
		// Reset: the handle step one answered (else its cookie's).
		Reset string `json:"reset"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	login := firstNonEmpty(req.Username, req.Email, req.Phone)
	noStore(c)
	if req.Token != "" {
		if err := s.login.SetPasswordWithLink(c.Request.Context(), s.client(c), req.Token, "", req.Password); err != nil {
			s.apiFail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "password_set"})
		return
	}
	handle := firstNonEmpty(req.Reset, s.namedCookieValue(c, s.apiResetCookie("", 0).Name))
	if req.Code == "" && req.Password == "" {
		handle, err := s.resetStart(c, login, handle)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		http.SetCookie(c.Writer, s.apiResetCookie(handle, int(resetLoginTTL/time.Second)))
		c.JSON(http.StatusOK, gin.H{"status": "code_sent", "expires_in": int(s.cfg.OTP.TTL.Seconds()), "reset": handle})
		return
	}
	if err := s.resetFinish(c, auth.ResetIn{Login: login, Code: req.Code, Password: req.Password, RecoveryCode: req.RecoveryCode, Handle: handle}); err != nil {
		s.apiFail(c, err)
		return
	}
	http.SetCookie(c.Writer, s.apiResetCookie("", -1))
	c.JSON(http.StatusOK, gin.H{"status": "password_reset"})
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
