package gateway

// Authenticator apps on the portal and the JSON API (docs/contract.md,
// "Authenticator apps"): the app's code after the password or as a
// step-up, and setting an app up or removing it on the account page.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gin-gonic/gin"
	"github.com/pquerna/otp"
)

// totpView is what the pages show of authenticator apps.
type totpView struct {
	Enrolled bool         // the account has an app
	Secret   string       // enrolment: the secret, as typed into an app
	QR       template.URL // enrolment: the QR code, a data: URI of a PNG
	SMS      bool         // the code page: a text message would do too
	Passkey  bool         // the code page: the account's passkey would do too
}

// newTOTP is the authenticator-app service of cfg (nil when totp.enabled
// is off) over kv, which must be a store.
func newTOTP(cfg *config.Config, kv auth.KV, signer *auth.Signer, clock auth.Clock) (*auth.TOTP, error) {
	if !cfg.TOTP.Enabled {
		return nil, nil
	}
	st, ok := kv.(auth.Store)
	if !ok {
		return nil, errors.New("gateway: totp needs a state store")
	}
	key, err := config.DecodeTOTPKey(cfg.TOTP.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("gateway: totp.secret_key: %w", err)
	}
	issuer := cfg.TOTP.Issuer
	if issuer == "" {
		issuer = strings.NewReplacer(":", "", "/", "", "?", "", "#", "").Replace(cfg.Portal.AppName)
	}
	return auth.NewTOTP(st, signer.DeriveKey("totp"), key, issuer, clock)
}

// forUser is rt as it applies to u: an account route knows whether u has
// an authenticator app and passkeys.
func (s *core) forUser(ctx context.Context, rt *route, u *auth.User) (*route, error) {
	if rt == nil || rt.policy != policyAccount || u == nil {
		return rt, nil
	}
	f, err := s.login.Factors(ctx, u)
	if err != nil {
		return nil, err
	}
	r := accountRoute(rt.maxAuthAge > 0, f.App)
	r.keys = f.Keys
	return r, nil
}

// secondNeeded reports whether, after the proofs in sess, u must still
// prove a second factor for rt (or because of force_two_factor), and the
// ones that would do, strongest first.
func (s *core) secondNeeded(ctx context.Context, sess *auth.Session, u *auth.User, rt *route) (bool, []string, error) {
	if rt == nil || rt.policy == PolicyBypass || rt.policy == PolicyDeny {
		// No target, or one that opens nothing to a session: the
		// password alone, or what the account needs on every route
		// (force_two_factor; docs/contract.md, "Policies").
		rt = &route{policy: PolicyPassword}
	}
	rt, err := s.forUser(ctx, rt, u)
	if err != nil {
		return false, nil, err
	}
	var notBefore time.Time
	if rt.maxAuthAge > 0 {
		notBefore = s.now().Add(-rt.maxAuthAge)
	}
	for _, m := range requiredMethods(rt, u) {
		if m == auth.MethodPassword || satisfied(sess, rt, m, notBefore) {
			continue
		}
		switch m {
		case methodSecond:
			return true, secondAccepted(rt), nil
		case methodPasskey:
			return true, []string{auth.MethodHWK}, nil
		}
		return true, []string{m}, nil
	}
	return false, nil, nil
}

// codeNeeded reports whether, after the proofs in sess, u must still
// prove a second factor for the target route (or because of
// force_two_factor). A store failure says yes: fail closed.
func (s *core) codeNeeded(ctx context.Context, sess *auth.Session, u *auth.User, rt *route) bool {
	need, _, err := s.secondNeeded(ctx, sess, u, rt)
	return need || err != nil
}

// stepUpMethod is the method a step-up for missing method m of rt asks
// u for: the strongest u has that rt accepts (a passkey, the app's code,
// a text message). A route that takes only factors the account lacks:
// ErrTOTPNotEnrolled or ErrPasskeyNotEnrolled.
func (s *core) stepUpMethod(ctx context.Context, u *auth.User, rt *route, m string) (string, error) {
	switch m {
	case methodSecond:
		return s.login.StrongestSecond(ctx, u, secondAccepted(rt))
	case methodPasskey:
		return s.login.StrongestSecond(ctx, u, []string{auth.MethodHWK})
	}
	return m, nil
}

// appInstead reports whether the person of sess, waiting for a text
// message after the password, may use their authenticator app instead:
// they have one and the target of rd takes it.
func (s *core) appInstead(c *gin.Context, sess *auth.Session, rd string) bool {
	if sess.Pending == nil || sess.Pending.Purpose != auth.PurposeLogin || sess.Pending.User == "" || !sess.Has(auth.MethodPassword, time.Time{}) {
		return false
	}
	ctx := c.Request.Context()
	u, err := s.users.Lookup(ctx, sess.User)
	if err != nil || u.Username != sess.Pending.User {
		return false
	}
	need, accepted, err := s.secondNeeded(ctx, sess, u, s.targetRoute(c, rd))
	if err != nil || !need || !slices.Contains(accepted, auth.MethodOTP) {
		return false
	}
	app, err := s.login.TOTPEnrolled(ctx, u.Username)
	return err == nil && app
}

// appLogin checks the authenticator app's code for the request's session.
func (s *core) appLogin(c *gin.Context, code string) (_ *auth.Session, err error) {
	ctx := c.Request.Context()
	defer s.slowRefusal(ctx, s.now(), &err)
	sess, err := s.loadSession(c)
	if err != nil {
		return nil, err
	}
	st, err := s.login.TOTPCode(ctx, s.client(c), sess, code)
	return st.Session, err
}

// totpPage is GET /totp: the form for the app's code, after the password
// or for a step-up.
func (s *pagesSurface) totpPage(c *gin.Context) {
	rd := s.rdParam(c)
	sess, u, err := s.currentUser(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if u == nil {
		s.toLoginFor(c, rd)
		return
	}
	if !s.codeNeeded(c.Request.Context(), sess, u, s.targetRoute(c, rd)) && rd != "" {
		c.Redirect(http.StatusSeeOther, rd) // Back after signing in
		return
	}
	s.renderTOTP(c, http.StatusOK, sess, u, rd, nil)
}

// renderTOTP shows the app's code form, with err (if any) over it.
func (s *pagesSurface) renderTOTP(c *gin.Context, status int, sess *auth.Session, u *auth.User, rd string, err error) {
	d := s.page("totp.title")
	d.RD = rd
	if err != nil {
		s.setError(&d, err)
	}
	choices := s.secondChoices(c.Request.Context(), sess, u, s.targetRoute(c, rd))
	d.TOTP = &totpView{SMS: slices.Contains(choices, auth.MethodSMS), Passkey: slices.Contains(choices, auth.MethodHWK)}
	s.render(c, status, "totp.html", d)
}

// totpSubmit is POST /totp.
func (s *pagesSurface) totpSubmit(c *gin.Context) {
	rd := s.rdParam(c)
	sess, err := s.appLogin(c, c.PostForm("code"))
	if errors.Is(err, auth.ErrPasswordFirst) {
		s.toLoginFor(c, rd)
		return
	}
	if err != nil {
		cur, u, lerr := s.currentUser(c)
		if lerr != nil || u == nil {
			s.fail(c, err)
			return
		}
		e := classify(err)
		s.logIfServerError(c, e, err)
		if e.retryAfter > 0 {
			writeRetryAfter(c, e.retryAfter)
		}
		s.renderTOTP(c, e.Status, cur, u, rd, err)
		return
	}
	s.setSessionCookie(c, sess)
	noStore(c)
	// On to rd; if it needs still more (an account change wants every
	// factor), its login page asks for it.
	c.Redirect(http.StatusSeeOther, s.prefix+"/login?rd="+url.QueryEscape(s.orHome(c, rd)))
}

// qrDataURI is the QR code of an otpauth URL as a PNG data: URI, made
// here: no third-party script or service sees the secret.
func qrDataURI(otpauth string) (template.URL, error) {
	key, err := otp.NewKeyFromURL(otpauth)
	if err != nil {
		return "", err
	}
	img, err := key.Image(220, 220)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", err
	}
	//nolint:gosec // G203: a data: URI of a PNG made here, never input
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}

// renderEnrol shows the enrolment page: the QR code, the secret and the
// confirming code's form, with err (if any) over it.
func (s *pagesSurface) renderEnrol(c *gin.Context, status int, e *auth.TOTPEnrolment, err error) {
	qr, qerr := qrDataURI(e.URL)
	if qerr != nil {
		s.fail(c, qerr)
		return
	}
	d := s.page("totp_enrol.title")
	d.Mode = "enrol"
	if err != nil {
		status = s.formError(c, &d, err)
	}
	d.TOTP = &totpView{Secret: e.Secret, QR: qr}
	s.render(c, status, "totp.html", d)
}

// accountTOTPStart is POST /account/totp: a new secret to set up.
func (s *pagesSurface) accountTOTPStart(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	e, err := s.login.TOTPEnrolStart(c.Request.Context(), s.client(c), sess, u)
	if errors.Is(err, auth.ErrFreshProofNeeded) {
		s.toLogin(c, true) // back to the account page once the proofs are fresh
		return
	}
	if err != nil {
		d := s.page("account.title")
		status := s.formError(c, &d, err)
		s.renderAccount(c, status, sess, u, d)
		return
	}
	s.renderEnrol(c, http.StatusOK, e, nil)
}

// accountTOTPConfirm is POST /account/totp/confirm: the first code.
func (s *pagesSurface) accountTOTPConfirm(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	ctx := c.Request.Context()
	st, err := s.login.TOTPEnrolFinish(ctx, s.client(c), sess, u, c.PostForm("code"))
	switch {
	case errors.Is(err, auth.ErrFreshProofNeeded):
		s.toLogin(c, true)
		return
	case err != nil:
		e, perr := s.login.TOTPPending(ctx, sess, u)
		if perr != nil { // expired (or the store failed): start again
			d := s.page("account.title")
			status := s.formError(c, &d, err)
			s.renderAccount(c, status, sess, u, d)
			return
		}
		s.renderEnrol(c, 0, e, err)
		return
	}
	s.setSessionCookie(c, st.Session)
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/account", nil, "totp", "enrolled"))
}

// accountTOTPRemove is POST /account/totp/remove.
func (s *pagesSurface) accountTOTPRemove(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	err := s.login.TOTPRemove(c.Request.Context(), s.client(c), sess, u)
	if errors.Is(err, auth.ErrFreshProofNeeded) {
		s.toLogin(c, true)
		return
	}
	if err != nil {
		d := s.page("account.title")
		status := s.formError(c, &d, err)
		s.renderAccount(c, status, sess, u, d)
		return
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/account", nil, "totp", "removed"))
}

// fillTOTP puts u's authenticator app status in d (nothing when apps are
// not enabled).
func (s *core) fillTOTP(c *gin.Context, d *pageData, u *auth.User) error {
	if !s.cfg.TOTP.Enabled {
		return nil
	}
	ok, err := s.login.TOTPEnrolled(c.Request.Context(), u.Username)
	if err != nil {
		return err
	}
	d.TOTP = &totpView{Enrolled: ok}
	return nil
}
