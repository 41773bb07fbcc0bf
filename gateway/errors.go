package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// Gateway-level errors (auth's sentinels cover the rest).
var (
	errBadRequest = errors.New("bad request")
	// errBadHost is a Host that is no host[:port] (validHost;
	// docs/contract.md, "A host that is no host name").
	errBadHost         = fmt.Errorf("%w: malformed host", errBadRequest)
	errBodyTooLarge    = errors.New("body too large")
	errNeedJSON        = errors.New("content type must be application/json")
	errUnauthenticated = errors.New("not authenticated")
	errStepUp          = errors.New("step-up required")
	errReauth          = errors.New("password proof required")
	errForbidden       = errors.New("forbidden")
	errNoRoute         = errors.New("no route")
	// errMethodNotAllowed: a portal or API path asked with a method it
	// does not take (gin sets Allow).
	errMethodNotAllowed = errors.New("method not allowed")
	// errConnect is a CONNECT in proxy mode, which is never forwarded
	// (docs/contract.md, "Proxy mode").
	errConnect = errors.New("CONNECT is never forwarded")
	errBadPath = errors.New("bad path")
	// errBadPathSubrequest is errBadPath answered to nginx's auth_request,
	// which turns any status but 2xx, 401 and 403 into a 500.
	errBadPathSubrequest = fmt.Errorf("%w (auth subrequest)", errBadPath)
	// errBadMethod is a request whose method-override header or _method
	// query parameter names a method its route would not decide alike (docs/contract.md, "Routes:
	// path_prefix and methods"); as errBadPath, it is 403 to nginx's
	// auth_request.
	errBadMethod = fmt.Errorf("%w: method override routed elsewhere", errBadPath)
	// errMethodUnsaid is a forward-auth question without the request's
	// method, about a host and path whose routes decide by method
	// (docs/contract.md, "Forward-auth protocol"); as errBadPath, it is
	// 403 to nginx's auth_request.
	errMethodUnsaid = fmt.Errorf("%w: method not said", errBadPath)
	// errPasswordlessOff: a code-only sign-in where nothing enables it.
	errPasswordlessOff = errors.New("passwordless sign-in not enabled")
	errUpstream        = errors.New("upstream unavailable")
	errUpstreamTimeout = errors.New("upstream timeout")
)

// errMultipart is a multipart body, which no page or API call of the
// portal takes (docs/contract.md, "Request bodies"): refused unread.
var errMultipart = errors.New("multipart body")

// errCSRF: a state-changing form post without a valid token, or from
// another origin.
var errCSRF = errors.New("csrf check failed")

// errCSRFInsecure: errCSRF because the page came over plain http while
// session.secure is on, so the browser dropped the Secure form cookie.
var errCSRFInsecure = fmt.Errorf("%w: secure cookies over plain http", errCSRF)

// errSearchNotAsked: errCSRF for a search of phone numbers, which is
// audited, by a browser that does not say the console's own page asked
// for it (ownRequest; docs/contract.md, "Admin console").
var errSearchNotAsked = fmt.Errorf("%w: phone search not asked on the console", errCSRF)

// errForeignOrigin: errCSRF for the JSON API, whose callers are scripts
// and pages, not forms: its Origin names another site (or none: null).
var errForeignOrigin = fmt.Errorf("%w: foreign origin", errCSRF)

// errSocketElsewhere: errCSRF for a WebSocket handshake that would be
// let through with an identity, sent by a page of another origin than
// the app's (pageElsewhere; docs/contract.md, "WebSocket proxying").
var errSocketElsewhere = fmt.Errorf("%w: WebSocket from another origin's page", errCSRF)

// errUnaskedPost: errCSRF for a post that would be let through with an
// identity, sent by a page of another origin without asking the app
// (unaskedPost; docs/contract.md, "Proxy mode").
var errUnaskedPost = fmt.Errorf("%w: post from another origin's page", errCSRF)

// errPortal says the original request is for the portal itself.
var errPortal = errors.New("portal page")

// errBadMessages: the messages file is not YAML.
var errBadMessages = errors.New("bad messages file")

// errUpstreamDown is returned without dialing while an upstream is down.
var errUpstreamDown = fmt.Errorf("%w: marked down after repeated connection failures", errUpstream)

// errBadToken: an admin API request's bearer token is malformed, unknown,
// revoked or expired.
var errBadToken = errors.New("invalid admin token")

// errPortalOriginOnly: an admin console or account-changing request on
// a host other than public_url's. In proxy mode the portal is served on
// every route host, where a proxied app's page (a script injected into
// it) shares the portal's origin; the console and the account's factors
// answer only on the portal's own origin (docs/contract.md, "The
// portal's own origin").
var errPortalOriginOnly = errors.New("served on the portal's own origin only")

// apiError is what a client sees: status, stable code, human message.
type apiError struct {
	Status     int    `json:"-"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	retryAfter time.Duration
	// where is the address a portal_origin_only answer sends to.
	where  string
	Fields map[string]string `json:"fields,omitempty"` // per-field problems (400 invalid_input, 409)
}

// errorTable maps sentinels to what clients see, first match wins. It is
// the only place that decides statuses for errors.
var errorTable = []struct {
	err error
	out apiError
}{
	// The client went away (it hung up during a password hash, say): not
	// the store's fault nor ours. Nobody reads the answer; the access log
	// and metrics say 499, as for the proxy (proxyErrorStatus).
	{context.Canceled, newAPIError(statusClientGone, "client_gone", "The client closed the request.")},
	{auth.ErrBudgetExhausted, newAPIError(http.StatusServiceUnavailable, "sms_budget_exhausted", "Codes cannot be sent right now. Try again later, or sign in with your password.")},
	{auth.ErrBanned, newAPIError(http.StatusTooManyRequests, "banned", "Too many failed attempts. Try again later.")},
	{auth.ErrRateLimited, newAPIError(http.StatusTooManyRequests, "rate_limited", "Too many requests. Try again later.")},
	{auth.ErrInvalidCredentials, newAPIError(http.StatusUnauthorized, "invalid_credentials", "Wrong username or password.")},
	{auth.ErrOTPInvalid, newAPIError(http.StatusUnauthorized, "invalid_code", "That code did not work. Check the SMS and try again.")},
	{auth.ErrTOTPInvalid, newAPIError(http.StatusUnauthorized, "invalid_totp_code", "That code is not right, or it was already used. Enter the code your authenticator app shows now.")},
	{auth.ErrTOTPNotEnrolled, newAPIError(http.StatusForbidden, "totp_not_enrolled", "This needs an authenticator app: set one up on your account page first.")},
	{auth.ErrTOTPEnrolled, newAPIError(http.StatusConflict, "totp_enrolled", "An authenticator app is already set up: remove it first to set up another.")},
	{auth.ErrPasskeyInvalid, newAPIError(http.StatusUnauthorized, "invalid_passkey", "That passkey could not be checked. Try again, or use another way to sign in.")},
	{auth.ErrPasskeyProofNeeded, newAPIError(http.StatusForbidden, "passkey_needed", "Adding or removing a passkey needs one of your passkeys (a recovery code does not do). If you have lost them all, ask an administrator to remove them.")},
	{auth.ErrPasskeyNotEnrolled, newAPIError(http.StatusForbidden, "passkey_not_enrolled", "This needs a passkey: add one on your account page first.")},
	{auth.ErrPasskeyNotFound, newAPIError(http.StatusNotFound, "passkey_not_found", "That passkey is not on your account.")},
	{auth.ErrPasskeyCeremony, newAPIError(http.StatusGone, "passkey_expired", "That passkey request expired. Try again.")},
	{auth.ErrPasskeyLimit, newAPIError(http.StatusConflict, "passkey_limit", "Your account has as many passkeys as it can: remove one first.")},
	{auth.ErrPasskeyBusy, newAPIError(http.StatusConflict, "passkey_busy", "Another passkey action on your account is under way. Try again.")},
	{auth.ErrPasskeysUnavailable, newAPIError(http.StatusNotFound, "passkeys_unavailable", "Passkeys are not enabled here.")},
	{auth.ErrTOTPUnavailable, newAPIError(http.StatusNotFound, "totp_unavailable", "Authenticator apps are not enabled here.")},
	{auth.ErrRecoveryCodeInvalid, newAPIError(http.StatusUnauthorized, "invalid_recovery_code", "That recovery code is not right, or it was already used.")},
	{auth.ErrPasswordFirst, newAPIError(http.StatusUnauthorized, "password_first", "Sign in with your password first: a recovery code only replaces the text-message code.")},
	{auth.ErrRecoveryNeedsFactor, newAPIError(http.StatusConflict, "recovery_needs_factor", "Recovery codes back up your phone, authenticator app or passkeys: add one of those first.")},
	{auth.ErrRecoveryUnavailable, newAPIError(http.StatusNotFound, "recovery_unavailable", "Recovery codes are not available here. Ask an administrator.")},
	{auth.ErrPasswordLinkInvalid, newAPIError(http.StatusGone, "link_expired", "This link has expired or was already used. Ask your administrator for a new one.")},
	{auth.ErrOTPExpired, newAPIError(http.StatusGone, "code_expired", "That code has expired or was already used. Ask for a new one.")},
	{auth.ErrNoChallenge, newAPIError(http.StatusBadRequest, "no_pending_code", "There is no code waiting to be entered. Sign in again.")},
	{auth.ErrNoPhone, newAPIError(http.StatusForbidden, "no_phone", "Your account has no phone number for codes. Use a recovery code, or ask an administrator for a one-time code.")},
	{auth.ErrNumberTypeNotAllowed, newAPIError(http.StatusBadRequest, "number_type_not_allowed", "Codes can only be sent to mobile phone numbers.")},
	{auth.ErrCountryNotAllowed, newAPIError(http.StatusBadRequest, "country_not_allowed", "Codes cannot be sent to phone numbers in this country.")},
	{auth.ErrInvalidPhone, newAPIError(http.StatusBadRequest, "invalid_phone", "That phone number is not valid.")},
	{auth.ErrSessionNotFound, newAPIError(http.StatusUnauthorized, "unauthenticated", "Sign in first.")},
	{errUnauthenticated, newAPIError(http.StatusUnauthorized, "unauthenticated", "Sign in first.")},
	{errStepUp, newAPIError(http.StatusUnauthorized, "step_up_required", "This needs another proof of identity: request a code.")},
	{auth.ErrFreshProofNeeded, newAPIError(http.StatusUnauthorized, "step_up_required", "Confirm it is you first: sign in again with your password and a code.")},
	{errReauth, newAPIError(http.StatusUnauthorized, "step_up_required", "This needs your password again: sign in.")},
	{errCSRFInsecure, newAPIError(http.StatusForbidden, "csrf_insecure", "This page was opened over plain http, so your browser did not keep the sign-in cookies. Open it over https.")},
	{errForeignOrigin, newAPIError(http.StatusForbidden, "csrf_failed", "The request's Origin is another site (or null): the API answers only this site's pages and clients that send no Origin.")},
	{errUnaskedPost, newAPIError(http.StatusForbidden, "csrf_failed", "This app takes posts only from its own pages: this one came from a page of another site or host.")},
	{errSocketElsewhere, newAPIError(http.StatusForbidden, "csrf_failed", "A WebSocket to this app is opened only by the app's own pages: this one came from a page of another origin (or null).")},
	{errPortalOriginOnly, newAPIError(http.StatusForbidden, "portal_origin_only", "Account changes and the admin console are served only at the sign-in portal's own address (server.public_url): open them there.")},
	{errCSRF, newAPIError(http.StatusForbidden, "csrf_failed", "This form has expired or came from another site. Go back, reload the page and try again.")},
	{errBadToken, newAPIError(http.StatusUnauthorized, "invalid_token", "That bearer token is not valid (unknown, revoked or expired).")},
	{auth.ErrLastAdmin, newAPIError(http.StatusConflict, "last_admin", "That would leave no administrator who can sign in. Make someone else an administrator first (one who has set a password).")},
	{errForbidden, newAPIError(http.StatusForbidden, "forbidden", "You do not have access to this page.")},
	{errNoRoute, newAPIError(http.StatusNotFound, "no_route", "Nothing is served at this address.")},
	{errConnect, newAPIError(http.StatusMethodNotAllowed, "method_not_allowed", "CONNECT is not forwarded: the applications behind this gateway are not proxies.")},
	{errMethodNotAllowed, newAPIError(http.StatusMethodNotAllowed, "method_not_allowed", "This address does not take that method; see the Allow header.")},
	{errPasswordlessOff, newAPIError(http.StatusNotFound, "passwordless_disabled", "Sign-in with a code alone is not enabled here. Sign in with your password.")},
	{errBadMethod, newAPIError(http.StatusBadRequest, "bad_method", "The request's method override (a header or a _method parameter) names a method this address decides differently.")},
	{errMethodUnsaid, newAPIError(http.StatusBadRequest, "method_unsaid", "The front door did not say the request's method (X-Original-Method, X-Forwarded-Method), and this address is decided by it.")},
	{errBadPathSubrequest, newAPIError(http.StatusForbidden, "bad_path", "The request path is not allowed.")},
	{errBadPath, newAPIError(http.StatusBadRequest, "bad_path", "The request path is not allowed.")},
	{errBodyTooLarge, newAPIError(http.StatusRequestEntityTooLarge, "body_too_large", "The request body is too large.")},
	{errMultipart, newAPIError(http.StatusUnsupportedMediaType, "unsupported_media_type", "This address takes no multipart body: send a form as application/x-www-form-urlencoded, an API call as JSON.")},
	{errNeedJSON, newAPIError(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send JSON with Content-Type: application/json.")},
	{errJSONShape, newAPIError(http.StatusBadRequest, "bad_request", "Send one JSON object (UTF-8) with only the keys this address takes, each once and written as documented, in lower case.")},
	{errBadRequest, newAPIError(http.StatusBadRequest, "bad_request", "The request is malformed.")},
	{auth.ErrResetUnavailable, newAPIError(http.StatusNotFound, "reset_unavailable", "Password reset is not available here. Ask an administrator.")},
	{auth.ErrAccountUnavailable, newAPIError(http.StatusNotFound, "account_unavailable", "Account changes are not available here. Ask an administrator.")},
	{auth.ErrNameHeld, newAPIError(http.StatusConflict, "name_held", "That username belonged to a deleted account, and an app behind the gateway may still keep that person's data under it. Give it to a new account only on purpose (reuse_name).")},
	{auth.ErrExists, newAPIError(http.StatusConflict, "already_exists", "That is already registered.")},
	{auth.ErrInvalidInput, newAPIError(http.StatusBadRequest, "invalid_input", "Some fields need another look.")},
	{auth.ErrSignupDisabled, newAPIError(http.StatusNotFound, "signup_disabled", "Sign-up is not enabled.")},
	{auth.ErrCheckFailed, newAPIError(http.StatusBadGateway, "code_check_failed", "The code could not be checked right now. Try again in a moment.")},
	{auth.ErrOptedOut, newAPIError(http.StatusBadRequest, "opted_out", "This number has opted out of text messages. Text START to the sender to opt back in, or use another number.")},
	{auth.ErrSMSFailed, newAPIError(http.StatusBadGateway, "sms_failed", "The code could not be sent. Try again in a moment.")},
	{errUpstreamTimeout, newAPIError(http.StatusGatewayTimeout, "upstream_timeout", "The application did not answer in time.")},
	{errUpstream, newAPIError(http.StatusBadGateway, "upstream_unavailable", "The application is not reachable right now.")},
	{auth.ErrOverloaded, newAPIError(http.StatusServiceUnavailable, "overloaded", "The service is busy. Try again in a moment.")},
	{auth.ErrAdminsBusy, newAPIError(http.StatusServiceUnavailable, "account_busy", "Another administrator's account was being changed at the same moment, so nothing was changed. Try again.")},
	{auth.ErrRecordContended, newAPIError(http.StatusServiceUnavailable, "account_busy", "Your account was being changed by another request at the same moment, so nothing was changed. Try again.")},
	{auth.ErrStoreUnavailable, newAPIError(http.StatusServiceUnavailable, "store_unavailable", "The service is temporarily unavailable.")},
}

// classify turns any error into what the client sees. Unknown errors become
// a generic 500; their text never reaches the client.
func classify(err error) apiError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = errBodyTooLarge
	}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			out := e.out
			var rl *auth.RateLimitError
			if errors.As(err, &rl) {
				out.retryAfter = rl.RetryAfter
			}
			var fe auth.FieldErrors
			if errors.As(err, &fe) {
				out.Fields = fe
				if len(fe) == 1 {
					for _, msg := range fe {
						out.Message = msg
					}
				}
			}
			var po *portalOriginError
			if errors.As(err, &po) {
				out.where = po.where
				out.Message = "This is served only at the sign-in portal's own address: open " + po.where + " there."
			}
			var ce *auth.ConflictError
			if errors.As(err, &ce) {
				if !ce.Held {
					out.Message = "That " + ce.Field + " is already registered."
				}
				out.Fields = map[string]string{ce.Field: out.Message} // a sentence, like every field message
			}
			return out
		}
	}
	return apiError{Status: http.StatusInternalServerError, Code: "internal_error", Message: "Internal error."}
}

// writeJSONError writes the contract's error body.
func writeJSONError(c *gin.Context, e apiError) {
	if e.retryAfter > 0 {
		writeRetryAfter(c, e.retryAfter)
	}
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(e.Status, gin.H{"error": e})
}

// statusClientGone is nginx's 499: the client closed the connection
// before the answer.
const statusClientGone = 499

// logIfServerError logs 5xx causes (without secrets) with the request id,
// and counts them by code (gatehouse_http_errors_total); a client that
// went away is logged as such, and not counted.
func (s *core) logIfServerError(c *gin.Context, e apiError, err error) {
	if e.Status == statusClientGone {
		s.log.InfoContext(c.Request.Context(), "client went away", "error", err)
		return
	}
	if e.Status >= 500 {
		s.metrics.serverError(e.Code)
		s.log.ErrorContext(c.Request.Context(), "request failed", "status", e.Status, "code", e.Code, "error", err)
	}
}

// apiFail answers a JSON endpoint with err.
func (s *core) apiFail(c *gin.Context, err error) {
	e := classify(err)
	s.logIfServerError(c, e, err)
	writeJSONError(c, e)
}

// proxyErrorStatus maps a ReverseProxy transport error like Caddy's
// statusError: timeouts are 504, a client that went away is 499, anything
// else 502.
func proxyErrorStatus(err error) error {
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return errUpstreamTimeout
	}
	return errUpstream
}

func writeRetryAfter(c *gin.Context, d time.Duration) {
	c.Header("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
}

func newAPIError(status int, code, message string) apiError {
	return apiError{Status: status, Code: code, Message: message}
}
