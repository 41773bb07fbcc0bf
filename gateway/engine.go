package gateway

// The gin engine every surface sits behind: its settings, its middleware
// chain and the routes of the portal, the JSON API, the console and
// forward-auth (docs/contract.md, "HTTP endpoints"); anything else is
// proxy mode's.

import (
	"fmt"

	"github.com/gin-gonic/gin"
)

// newEngine is a gin engine that routes paths exactly as they come (no
// redirects, no path fixing) and takes client addresses from
// X-Forwarded-For only when the peer is one of the trusted proxies.
func (s *Server) newEngine() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.ContextWithFallback = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	// A portal or API path asked with another method: 405 with Allow.
	e.HandleMethodNotAllowed = true
	e.RemoveExtraSlash = false
	e.UseRawPath = false
	e.RemoteIPHeaders = []string{"X-Forwarded-For"}
	if err := e.SetTrustedProxies(s.cfg.Server.TrustedProxies); err != nil {
		return nil, fmt.Errorf("gateway: trusted_proxies: %w", err)
	}
	return e, nil
}

func (s *Server) buildEngine() (*gin.Engine, error) {
	e, err := s.newEngine()
	if err != nil {
		return nil, err
	}
	// The recoverer runs inside the access log, so a panic's 500 is
	// logged like any answer.
	e.Use(s.requestID, s.accessLog, s.recoverer, s.checkHost, s.stripIdentity)
	if s.cfg.Server.ForwardAuth {
		// Off, the paths fall to the portal's 404 (docs/contract.md,
		// "Forward-auth protocol": server.forward_auth).
		e.GET(s.prefix+"/authz/auth-request", s.authz.authRequest)
		e.GET(s.prefix+"/authz/forward-auth", s.authz.forwardAuth)
	}

	p := e.Group(s.prefix, s.securityHeaders, s.otpRequester)
	// The account's pages and changes answer on public_url's origin
	// only, as the console does (portal_origin.go).
	acct := p.Group("", s.portalOriginOnly)
	p.GET("/login", s.pages.loginPage)
	p.POST("/login", s.limitBody, s.checkCSRF, s.pages.loginSubmit)
	p.GET("/otp", s.pages.otpPage)
	p.POST("/otp", s.limitBody, s.checkCSRF, s.pages.otpSubmit)
	p.POST("/otp/resend", s.limitBody, s.checkCSRF, s.pages.otpResendSubmit)
	p.GET("/logout", s.pages.logoutPage)
	p.POST("/logout", s.limitBody, s.checkCSRF, s.pages.logoutSubmit)
	p.GET("/signup", s.pages.signupPage)
	p.POST("/signup", s.limitBody, s.checkCSRF, s.pages.signupSubmit)
	p.GET("/reset", s.pages.resetPage)
	p.POST("/reset", s.limitBody, s.checkCSRF, s.pages.resetSubmit)
	acct.GET("/account", s.pages.accountPage)
	acct.POST("/account/password", s.limitBody, s.checkCSRF, s.pages.accountPassword)
	acct.POST("/account/phone", s.limitBody, s.checkCSRF, s.pages.accountPhone)
	acct.POST("/account/phone/verify", s.limitBody, s.checkCSRF, s.pages.accountPhoneVerify)
	acct.POST("/account/phone/cancel", s.limitBody, s.checkCSRF, s.pages.accountPhoneCancel)
	acct.POST("/account/sessions/revoke", s.limitBody, s.checkCSRF, s.pages.accountRevoke)
	p.GET("/totp", s.pages.totpPage)
	p.POST("/totp", s.limitBody, s.checkCSRF, s.pages.totpSubmit)
	acct.POST("/account/totp", s.limitBody, s.checkCSRF, s.pages.accountTOTPStart)
	acct.POST("/account/totp/confirm", s.limitBody, s.checkCSRF, s.pages.accountTOTPConfirm)
	acct.POST("/account/totp/remove", s.limitBody, s.checkCSRF, s.pages.accountTOTPRemove)
	p.GET("/passkey", s.pages.passkeyPage)
	acct.POST("/account/passkeys/remove", s.limitBody, s.checkCSRF, s.pages.accountPasskeyRemove)
	p.GET("/recovery", s.pages.recoveryPage)
	p.POST("/recovery", s.limitBody, s.checkCSRF, s.pages.recoverySubmit)
	acct.GET("/recovery-codes", s.pages.recoveryCodesPage)
	acct.POST("/recovery-codes", s.limitBody, s.checkCSRF, s.pages.recoveryCodesSubmit)
	// The console answers on public_url's origin only (portal_origin.go).
	con := p.Group("/admin", s.portalOriginOnly)
	con.GET("/", s.admin.consoleHome)
	con.GET("/users/:name", s.admin.consoleUser)
	con.POST("/users/:name/:action", s.limitBody, s.checkCSRF, s.admin.consoleAction)
	p.GET("/static/style.css", s.pages.styleCSS)
	p.GET("/static/portal.js", s.pages.portalJS)
	p.GET("/static/logo", s.pages.logoFile)
	p.GET("/jwks.json", s.api.jwks)

	api := p.Group("/api")
	acctAPI := api.Group("", s.portalOriginOnly)
	api.POST("/login", s.limitBody, s.requireJSON, s.api.apiLogin)
	api.POST("/otp", s.limitBody, s.requireJSON, s.api.apiOTP)
	api.POST("/otp/resend", s.limitBody, s.requireJSONOrEmpty, s.noInput, s.api.apiOTPResend)
	api.POST("/sms/start", s.limitBody, s.requireJSON, s.api.apiSMSStart)
	api.POST("/signup", s.limitBody, s.requireJSON, s.api.apiSignup)
	api.POST("/reset", s.limitBody, s.requireJSON, s.api.apiReset)
	api.POST("/totp", s.limitBody, s.requireJSON, s.api.apiTOTP)
	acctAPI.GET("/totp-app", s.api.apiTOTPStatus)
	acctAPI.POST("/totp-app", s.limitBody, s.requireJSON, s.api.apiTOTPEnrol)
	acctAPI.POST("/totp-app/remove", s.limitBody, s.requireJSON, s.noInput, s.api.apiTOTPRemove)
	api.POST("/passkey/login/start", s.limitBody, s.requireJSON, s.api.apiPasskeyLoginStart)
	api.POST("/passkey/login", s.limitBody, s.requireJSON, s.api.apiPasskeyLogin)
	acctAPI.GET("/passkeys", s.api.apiPasskeys)
	acctAPI.POST("/passkeys/register/start", s.limitBody, s.requireJSON, s.api.apiPasskeyRegisterStart)
	acctAPI.POST("/passkeys/register", s.limitBody, s.requireJSON, s.api.apiPasskeyRegister)
	acctAPI.POST("/passkeys/remove", s.limitBody, s.requireJSON, s.api.apiPasskeyRemove)
	api.POST("/recovery", s.limitBody, s.requireJSON, s.api.apiRecovery)
	acctAPI.GET("/recovery-codes", s.api.apiRecoveryStatus)
	acctAPI.POST("/recovery-codes", s.limitBody, s.requireJSON, s.noInput, s.api.apiRecoveryCodes)
	api.POST("/logout", s.limitBody, s.requireJSONOrEmpty, s.noInput, s.api.apiLogout)
	api.GET("/session", s.api.apiSession)
	adm := api.Group("/admin", s.adminAPIOrigin)
	adm.GET("/users", s.admin.apiUsers)
	adm.GET("/users/:name", s.admin.apiUserMethods)
	adm.POST("/users/:name/passkeys/remove", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiRemovePasskey))
	adm.POST("/users/:name/totp/remove", s.limitBody, s.requireJSON, s.admin.adminAction(takesNoInput(s.admin.apiRemoveTOTP)))
	adm.POST("/users/:name/recovery/void", s.limitBody, s.requireJSON, s.admin.adminAction(takesNoInput(s.admin.apiVoidRecovery)))
	adm.POST("/users/:name/revoke", s.limitBody, s.requireJSON, s.admin.adminAction(s.admin.apiRevoke))
	adm.POST("/users/:name/recovery", s.limitBody, s.requireJSON, s.admin.adminAction(takesNoInput(s.admin.apiRecovery)))
	adm.POST("/users/:name/unban", s.limitBody, s.requireJSON, s.admin.adminAction(takesNoInput(s.admin.apiUnban)))
	adm.POST("/users/:name/reveal-phone", s.limitBody, s.requireJSON, s.admin.adminAction(takesNoInput(s.admin.apiRevealPhone)))
	for _, action := range []string{"disable", "enable", "reset-phone"} {
		adm.POST("/users/:name/"+action, s.limitBody, s.requireJSON, s.admin.adminAction(takesNoInput(s.admin.apiChange(action))))
	}
	adm.GET("/audit", s.admin.apiAudit)
	adm.GET("/sms", s.admin.apiSMS)
	s.consoleRoutes(con, adm)

	e.NoRoute(s.proxy.serveProxy)
	e.NoMethod(func(c *gin.Context) {
		// gin has set Allow; the answer is the JSON error (or the error
		// page for a browser).
		noStore(c)
		s.fail(c, errMethodNotAllowed)
	})
	return e, nil
}
