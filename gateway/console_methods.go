package gateway

// The admin API's view of an account's sign-in methods (docs/contract.md,
// "Admin console"): its phone, authenticator app and passkeys, and
// removing an app or a passkey.

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// methodView is one sign-in method of an account: "sms" (its phone,
// masked), "otp" (an authenticator app) or "hwk" (one passkey).
type methodView struct {
	Method   string    `json:"method"`
	Phone    string    `json:"phone,omitempty"`
	ID       string    `json:"id,omitempty"`
	Name     string    `json:"name,omitempty"`
	Created  time.Time `json:"created,omitzero"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

// methodsOf lists u's second factors: phone, app, then each passkey.
func (s *consoleSurface) methodsOf(ctx context.Context, u *auth.User) ([]methodView, error) {
	out := []methodView{}
	if u.Phone != "" {
		out = append(out, methodView{Method: auth.MethodSMS, Phone: auth.MaskPhone(u.Phone)})
	}
	app, err := s.login.TOTPEnrolled(ctx, u.Username)
	if err != nil {
		return nil, err
	}
	if app {
		out = append(out, methodView{Method: auth.MethodOTP})
	}
	keys, err := s.login.PasskeyList(ctx, u.Username)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		out = append(out, methodView{Method: auth.MethodHWK, ID: k.ID, Name: k.Name, Created: k.Created, LastUsed: k.LastUsed})
	}
	return out, nil
}

// targetMethods lists the second factors of the account the request
// names.
func (s *consoleSurface) targetMethods(c *gin.Context) ([]methodView, error) {
	u, err := s.target(c)
	if err != nil {
		return nil, err
	}
	return s.methodsOf(c.Request.Context(), u)
}

// apiUserMethods is GET /api/admin/users/:name: the account, its
// sessions, its ban, its recovery codes, its recent audit events
// (userDetail) and its sign-in methods.
func (s *consoleSurface) apiUserMethods(c *gin.Context) {
	if _, err := s.admin(c); err != nil {
		s.apiFail(c, err)
		return
	}
	d, err := s.userDetail(c)
	var methods []methodView
	if err == nil {
		methods, err = s.targetMethods(c)
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, struct {
		*userDetail
		Methods []methodView `json:"methods"`
	}{d, methods})
}

// apiRemovePasskey is POST /api/admin/users/:name/passkeys/remove
// {"id"}: removes one of the account's passkeys (a lost or stolen key);
// audited admin_passkey_removed.
func (s *consoleSurface) apiRemovePasskey(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	var req struct {
		ID string `json:"id"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	if err := s.removePasskey(c, admin, u, req.ID); err != nil {
		return nil, err
	}
	return gin.H{"status": "removed"}, nil
}

// removePasskey removes u's passkey id, for the API and the page:
// audited once the key is removed, whatever ending its sessions met
// (docs/contract.md, "Audit trail").
func (s *consoleSurface) removePasskey(c *gin.Context, admin, u *auth.User, id string) error {
	k, err := s.login.RemovePasskeyOf(c.Request.Context(), u.Username, id)
	if k.ID == "" {
		return err // nothing removed
	}
	s.auditWritten(c, "admin_passkey_removed", u.Username, "", err, "actor", admin.Username, "key", k.Name)
	return err
}

// removeTOTP removes u's authenticator app, for the API and the page:
// audited once the app is removed, whatever ending its sessions met.
func (s *consoleSurface) removeTOTP(c *gin.Context, admin, u *auth.User) error {
	removed, err := s.login.RemoveTOTPOf(c.Request.Context(), u.Username)
	if removed {
		s.auditWritten(c, "admin_totp_removed", u.Username, "", err, "actor", admin.Username)
	}
	return err
}

// apiRemoveTOTP is POST /api/admin/users/:name/totp/remove {}: removes
// the account's authenticator app; audited admin_totp_removed.
func (s *consoleSurface) apiRemoveTOTP(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	if err := s.removeTOTP(c, admin, u); err != nil {
		return nil, err
	}
	return gin.H{"status": "removed"}, nil
}

// voidRecovery voids u's recovery codes (its set and every code issued
// before) and ends every session one of them signed in; audited
// admin_recovery_codes_voided with admin (docs/contract.md, "Admin
// console").
func (s *consoleSurface) voidRecovery(c *gin.Context, admin, u *auth.User) error {
	n, err := s.login.VoidRecoveryOf(c.Request.Context(), u.Username)
	if errors.Is(err, auth.ErrRecoveryUnavailable) {
		return err
	}
	s.auditWritten(c, "admin_recovery_codes_voided", u.Username, "", err, "actor", admin.Username, "sessions_revoked", n)
	return err
}

// apiVoidRecovery is POST /api/admin/users/:name/recovery/void {}.
func (s *consoleSurface) apiVoidRecovery(c *gin.Context, admin, u *auth.User) (gin.H, error) {
	if err := s.voidRecovery(c, admin, u); err != nil {
		return nil, err
	}
	return gin.H{"status": "voided"}, nil
}
