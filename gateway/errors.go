package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// Gateway-level errors (auth's sentinels cover the rest).
var (
	errBadRequest      = errors.New("bad request")
	errBodyTooLarge    = errors.New("body too large")
	errNeedJSON        = errors.New("content type must be application/json")
	errUnauthenticated = errors.New("not authenticated")
	errStepUp          = errors.New("step-up required")
	errReauth          = errors.New("password proof required")
	errForbidden       = errors.New("forbidden")
	errNoRoute         = errors.New("no route")
	errBadPath         = errors.New("bad path")
	errUpstream        = errors.New("upstream unavailable")
	errUpstreamTimeout = errors.New("upstream timeout")
	errSignupDisabled  = errors.New("sign-up disabled")
)

// apiError is what a client sees: status, stable code, human message.
type apiError struct {
	Status     int    `json:"-"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	retryAfter time.Duration
}

// errorTable maps sentinels to what clients see, first match wins. It is
// the only place that decides statuses for errors.
var errorTable = []struct {
	err error
	out apiError
}{
	{auth.ErrBanned, apiError{http.StatusTooManyRequests, "banned", "Too many failed attempts. Try again later.", 0}},
	{auth.ErrRateLimited, apiError{http.StatusTooManyRequests, "rate_limited", "Too many requests. Try again later.", 0}},
	{auth.ErrInvalidCredentials, apiError{http.StatusUnauthorized, "invalid_credentials", "Wrong username or password.", 0}},
	{auth.ErrOTPInvalid, apiError{http.StatusUnauthorized, "invalid_code", "That code is not right. Check the SMS and try again.", 0}},
	{auth.ErrOTPExpired, apiError{http.StatusGone, "code_expired", "That code has expired or was already used. Ask for a new one.", 0}},
	{auth.ErrNoChallenge, apiError{http.StatusBadRequest, "no_pending_code", "There is no code waiting to be entered. Sign in again.", 0}},
	{auth.ErrNoPhone, apiError{http.StatusForbidden, "no_phone", "Your account has no phone number for codes. Ask an administrator.", 0}},
	{auth.ErrInvalidPhone, apiError{http.StatusBadRequest, "invalid_phone", "That phone number is not valid.", 0}},
	{auth.ErrSessionNotFound, apiError{http.StatusUnauthorized, "unauthenticated", "Sign in first.", 0}},
	{errUnauthenticated, apiError{http.StatusUnauthorized, "unauthenticated", "Sign in first.", 0}},
	{errStepUp, apiError{http.StatusUnauthorized, "step_up_required", "This needs another proof of identity: request a code.", 0}},
	{errReauth, apiError{http.StatusUnauthorized, "step_up_required", "This needs your password again: sign in.", 0}},
	{errCSRF, apiError{http.StatusForbidden, "csrf_failed", "This form has expired or came from another site. Go back, reload the page and try again.", 0}},
	{errForbidden, apiError{http.StatusForbidden, "forbidden", "You do not have access to this page.", 0}},
	{errNoRoute, apiError{http.StatusNotFound, "no_route", "Nothing is served at this address.", 0}},
	{errBadPath, apiError{http.StatusBadRequest, "bad_path", "The request path is not allowed.", 0}},
	{errBodyTooLarge, apiError{http.StatusRequestEntityTooLarge, "body_too_large", "The request body is too large.", 0}},
	{errNeedJSON, apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "Send JSON with Content-Type: application/json.", 0}},
	{errBadRequest, apiError{http.StatusBadRequest, "bad_request", "The request is malformed.", 0}},
	{errSignupDisabled, apiError{http.StatusNotFound, "signup_disabled", "Sign-up is not enabled.", 0}},
	{auth.ErrSMSFailed, apiError{http.StatusBadGateway, "sms_failed", "The code could not be sent. Try again in a moment.", 0}},
	{errUpstreamTimeout, apiError{http.StatusGatewayTimeout, "upstream_timeout", "The application did not answer in time.", 0}},
	{errUpstream, apiError{http.StatusBadGateway, "upstream_unavailable", "The application is not reachable right now.", 0}},
	{auth.ErrOverloaded, apiError{http.StatusServiceUnavailable, "overloaded", "The service is busy. Try again in a moment.", 0}},
	{auth.ErrStoreUnavailable, apiError{http.StatusServiceUnavailable, "store_unavailable", "The service is temporarily unavailable.", 0}},
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

// logIfServerError logs 5xx causes (without secrets) with the request id.
func (s *Server) logIfServerError(c *gin.Context, e apiError, err error) {
	if e.Status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "request failed", "status", e.Status, "code", e.Code, "error", err)
	}
}

// apiFail answers a JSON endpoint with err.
func (s *Server) apiFail(c *gin.Context, err error) {
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
