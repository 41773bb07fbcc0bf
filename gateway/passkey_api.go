package gateway

// Passkeys on the JSON API (docs/contract.md, "Passkeys"): the
// ceremonies the portal's script runs (sign-in after the password or
// alone, registration) and the account's list of keys.

import (
	"encoding/json"
	"net/http"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// apiPasskeyLoginStart is POST /api/passkey/login/start
// {"passwordless":bool}: the options for navigator.credentials.get, bound
// to the client's session (a new one when it has none).
func (s *apiSurface) apiPasskeyLoginStart(c *gin.Context) {
	var req struct {
		Passwordless bool `json:"passwordless"`
		Verify       bool `json:"verify"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, err := s.loadSession(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	st, opts, err := s.login.PasskeyLoginStart(c.Request.Context(), s.pageClient(c), sess, req.Passwordless, req.Verify)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.setSessionCookie(c, st.Session)
	noStore(c)
	c.JSON(http.StatusOK, opts)
}

// apiPasskeyLogin is POST /api/passkey/login
// {"passwordless":bool,"credential":{…}}: the key's answer.
func (s *apiSurface) apiPasskeyLogin(c *gin.Context) {
	var req struct {
		Passwordless bool            `json:"passwordless"`
		Credential   json.RawMessage `json:"credential"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, err := s.passkeyLogin(c, req.Passwordless, req.Credential)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeAuthResult(c, http.StatusOK, sess, nil)
}

// passkeyLogin checks a key's answer for the request's session; a
// refusal is held to RefusedLoginDelay, as a wrong code is.
func (s *core) passkeyLogin(c *gin.Context, passwordless bool, body []byte) (_ *auth.Session, err error) {
	ctx := c.Request.Context()
	defer s.slowRefusal(ctx, s.now(), &err)
	sess, err := s.loadSession(c)
	if err != nil {
		return nil, err
	}
	st, err := s.login.PasskeyLoginFinish(ctx, s.client(c), sess, passwordless, body)
	return st.Session, err
}

// apiPasskeys is GET /api/passkeys: the account's keys.
func (s *apiSurface) apiPasskeys(c *gin.Context) {
	_, u, err := s.signedInForAccount(c)
	if err == nil && !s.cfg.Passkeys.Enabled {
		err = auth.ErrPasskeysUnavailable
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	keys, err := s.login.PasskeyList(c.Request.Context(), u.Username)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"passkeys": keys})
}

// apiPasskeyRegisterStart is POST /api/passkeys/register/start {}: the
// options for navigator.credentials.create; needs fresh proofs.
func (s *apiSurface) apiPasskeyRegisterStart(c *gin.Context) {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, u, err := s.signedInForAccount(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	opts, err := s.login.PasskeyRegisterStart(c.Request.Context(), s.pageClient(c), sess, u)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, opts)
}

// apiPasskeyRegister is POST /api/passkeys/register
// {"name","credential":{…}}: keeps the new key.
func (s *apiSurface) apiPasskeyRegister(c *gin.Context) {
	var req struct {
		Name       string          `json:"name"`
		Credential json.RawMessage `json:"credential"`
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
	st, k, err := s.login.PasskeyRegisterFinish(c.Request.Context(), s.client(c), sess, u, req.Name, req.Credential)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.setSessionCookie(c, st.Session)
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"status": "registered", "passkey": k})
}

// apiPasskeyRemove is POST /api/passkeys/remove {"id"}.
func (s *apiSurface) apiPasskeyRemove(c *gin.Context) {
	var req struct {
		ID string `json:"id"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, u, err := s.signedInForAccount(c)
	if err == nil {
		err = s.login.PasskeyRemove(c.Request.Context(), s.client(c), sess, u, req.ID)
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, gin.H{"status": "removed"})
}
