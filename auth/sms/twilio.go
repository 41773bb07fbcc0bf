package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
	twverify "github.com/twilio/twilio-go/rest/verify/v2"
)

// TwilioConfig configures TwilioMessaging and TwilioVerify (sms.twilio).
type TwilioConfig struct {
	AccountSID string // "AC" + 32 hex digits
	// AuthToken, or APIKeySID ("SK" + 32 hex digits) and APIKeySecret,
	// authenticate the calls; the account SID names the account either
	// way.
	AuthToken               string
	APIKeySID, APIKeySecret string
	// From or MessagingServiceSID send the messages of TwilioMessaging
	// (both may be set: the service then sends from From).
	From                string
	MessagingServiceSID string
	// VerifyServiceSID is TwilioVerify's service ("VA" + 32 hex digits).
	VerifyServiceSID string
	// BaseURL replaces the origin of every API call: a regional edge such
	// as "https://api.dublin.ie1.twilio.com" for Messaging, or a test
	// server. "" keeps the SDK's https://api.twilio.com (Messaging) and
	// https://verify.twilio.com (Verify).
	BaseURL string
	// Timeout bounds each API call (DefaultTimeout when 0).
	Timeout time.Duration
	// Transport carries the calls; nil uses a fresh transport.
	Transport http.RoundTripper
}

var twilioToken = regexp.MustCompile(`^[0-9A-Za-z]+$`)

// twilioConn is what both Twilio providers share: credentials, origin and
// the per-call HTTP plumbing around twilio-go.
type twilioConn struct {
	sid        string   // the account
	user, pass string   // Basic credentials: the account and its token, or an API key
	base       *url.URL // nil: the SDK's own origin
	timeout    time.Duration
	transport  http.RoundTripper
}

func newTwilioConn(cfg TwilioConfig) (*twilioConn, error) {
	user, pass := cfg.AccountSID, cfg.AuthToken
	if cfg.APIKeySID != "" || cfg.APIKeySecret != "" {
		if cfg.AuthToken != "" {
			return nil, errors.New("sms: twilio takes auth_token or an API key, not both")
		}
		user, pass = cfg.APIKeySID, cfg.APIKeySecret
	}
	if cfg.AccountSID == "" || user == "" || pass == "" {
		return nil, errors.New("sms: twilio needs account_sid and auth_token (or api_key_sid and api_key_secret)")
	}
	// twilio-go refuses to send credentials that are not alphanumeric;
	// say so now rather than on every send.
	if !twilioToken.MatchString(cfg.AccountSID) || !twilioToken.MatchString(user) || !twilioToken.MatchString(pass) {
		return nil, errors.New("sms: twilio account_sid and credentials must be letters and digits only")
	}
	c := &twilioConn{sid: cfg.AccountSID, user: user, pass: pass, timeout: orDefault(cfg.Timeout), transport: cfg.Transport}
	if c.transport == nil {
		c.transport = newTransport()
	}
	if cfg.BaseURL != "" {
		u, err := parseBase("sms.twilio.base_url", cfg.BaseURL)
		if err != nil {
			return nil, err
		}
		c.base = u
	}
	return c, nil
}

// handler returns a twilio-go request handler whose calls run under ctx
// (twilio-go takes no context: the transport puts it on each request) and
// go to the configured origin, and the recorder of the last HTTP status.
func (c *twilioConn) handler(ctx context.Context) (*twclient.RequestHandler, *twilioTransport) {
	rt := &twilioTransport{ctx: ctx, base: c.base, next: c.transport}
	cl := &twclient.Client{
		Credentials: twclient.NewCredentials(c.user, c.pass),
		HTTPClient:  newClient(rt, c.timeout),
	}
	cl.SetAccountSid(c.sid)
	// A RequestHandler built by hand does not read TWILIO_EDGE and
	// TWILIO_REGION from the environment: the configuration decides.
	return &twclient.RequestHandler{Client: cl}, rt
}

// twilioTransport binds twilio-go's requests to a context, points them at
// the configured origin, and remembers the last status code and the body
// of the last 2xx answer.
type twilioTransport struct {
	ctx    context.Context
	base   *url.URL
	next   http.RoundTripper
	status atomic.Int32
	// retryAfter is the last answer's Retry-After, in seconds (0: none).
	retryAfter atomic.Int64
	mu         sync.Mutex
	body       []byte
}

// RoundTrip implements http.RoundTripper.
func (t *twilioTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	out := r.Clone(t.ctx)
	if t.base != nil {
		out.URL.Scheme = t.base.Scheme
		out.URL.Host = t.base.Host
		out.URL.Path = t.base.Path + r.URL.Path
		out.URL.RawPath = ""
		out.Host = t.base.Host
	}
	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	t.status.Store(int32(resp.StatusCode)) //nolint:gosec // an HTTP status: three digits
	secs, _ := strconv.ParseInt(resp.Header.Get("Retry-After"), 10, 64)
	t.retryAfter.Store(max(secs, 0))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		_ = resp.Body.Close() // fully read: a close error changes nothing
		if rerr != nil {
			return nil, rerr
		}
		t.mu.Lock()
		t.body = b
		t.mu.Unlock()
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return resp, nil
}

// accepted returns the fields of a 2xx answer the SDK could not decode
// (a field of an unexpected type): Twilio did what was asked, and
// reporting a failure would make the person ask again for a second SMS.
// It returns nil when the last answer was not a 2xx JSON object.
func (t *twilioTransport) accepted() map[string]any {
	if s := t.status.Load(); s < 200 || s >= 300 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var m map[string]any
	if json.Unmarshal(t.body, &m) != nil {
		return nil
	}
	return m
}

// str returns m[key] if it is a string.
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// twilioRetry is how long Twilio Verify refuses new sends to a number
// after too many: until the pending verification expires.
const twilioRetry = 10 * time.Minute

// twilioError turns what twilio-go returned into an *Error. op is "send",
// "check" or "cancel".
func twilioError(op string, err error, rt *twilioTransport) *Error {
	e := &Error{Provider: "twilio", Op: op, Status: int(rt.status.Load())}
	var te *twclient.TwilioRestError
	if !errors.As(err, &te) {
		// Network failure, timeout, or an answer that was not Twilio's
		// JSON (a proxy's error page).
		e.cause = transportError(err)
		e.kind = auth.ErrSMSFailed
		return e
	}
	e.Code, e.Detail = te.Code, te.MoreInfo
	if te.Status != 0 {
		e.Status = te.Status
	}
	switch te.Code {
	case 21211, // invalid 'To' number
		21214, // 'To' number cannot be reached
		21217, // phone number does not appear to be valid
		21265, // 'To' number cannot be a short code
		21401, // invalid phone number
		21407, // this number is not supported
		21612, // cannot route to this number
		21614, // 'To' number is not a mobile number
		60200, // Verify: invalid parameter (the number, on a send)
		60205, // Verify: SMS not supported by landline
		60410: // Verify: prefix blocked by Fraud Guard
		e.kind = auth.ErrInvalidPhone
	case 21408, // no permission to send to this region (geo permissions)
		60605: // Verify: geo permissions block this country
		e.kind = auth.ErrCountryNotAllowed
	case 21610: // the recipient replied STOP
		e.kind = auth.ErrOptedOut
	case 20429: // too many requests: Twilio says when to come back
		wait := time.Duration(rt.retryAfter.Load()) * time.Second
		if wait <= 0 {
			wait = time.Minute
		}
		e.kind = &auth.RateLimitError{RetryAfter: wait, Reason: "provider_rate_limited"}
	case 60203: // Verify: max send attempts
		e.kind = &auth.RateLimitError{RetryAfter: twilioRetry, Reason: "provider_send_limit"}
	case 60212: // Verify: too many concurrent requests for this number
		e.kind = &auth.RateLimitError{RetryAfter: time.Minute, Reason: "provider_concurrency"}
	case 60202: // Verify: max check attempts
		if op == "check" {
			e.kind = auth.ErrOTPExpired
		} else {
			e.kind = &auth.RateLimitError{RetryAfter: twilioRetry, Reason: "provider_send_limit"}
		}
	case 20404: // not found
		if op == "send" {
			e.kind = auth.ErrSMSFailed // the service or account is wrong
		} else {
			e.kind = auth.ErrOTPExpired // expired, approved or canceled
		}
	default:
		// 20003 bad credentials, 21606 bad From, 5xx: nothing the person
		// can fix.
		e.kind = auth.ErrSMSFailed
	}
	return e
}

// TwilioMessaging sends the code Gatehouse made, in the text of
// otp.message, through Twilio Programmable Messaging.
type TwilioMessaging struct {
	conn          *twilioConn
	from, service string
}

// NewTwilioMessaging returns the twilio_messaging provider. cfg needs the
// account SID, the auth token and From or MessagingServiceSID.
func NewTwilioMessaging(cfg TwilioConfig) (*TwilioMessaging, error) {
	if cfg.From == "" && cfg.MessagingServiceSID == "" {
		return nil, errors.New("sms: twilio_messaging needs from or messaging_service_sid")
	}
	c, err := newTwilioConn(cfg)
	if err != nil {
		return nil, err
	}
	return &TwilioMessaging{conn: c, from: cfg.From, service: cfg.MessagingServiceSID}, nil
}

// Send creates one message to msg.To with msg.Body.
func (t *TwilioMessaging) Send(ctx context.Context, msg auth.Message) error {
	ctx, cancel, err := callContext(ctx, t.conn.timeout)
	if err != nil {
		return &Error{Provider: "twilio", Op: "send", kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	h, rt := t.conn.handler(ctx)
	params := &twapi.CreateMessageParams{}
	params.SetTo(msg.To).SetBody(msg.Body)
	if t.from != "" {
		params.SetFrom(t.from)
	}
	if t.service != "" {
		params.SetMessagingServiceSid(t.service)
	}
	m, err := twapi.NewApiService(h).CreateMessage(params)
	if err != nil {
		if ans := rt.accepted(); ans != nil {
			status := str(ans, "status")
			m = &twapi.ApiV2010Message{Status: &status}
		} else {
			return twilioError("send", err, rt)
		}
	}
	if m.Status != nil {
		switch *m.Status {
		case "failed", "undelivered", "canceled":
			e := &Error{Provider: "twilio", Op: "send", Status: int(rt.status.Load()), Detail: "message " + *m.Status, kind: auth.ErrSMSFailed}
			if m.ErrorCode != nil {
				e.Code = *m.ErrorCode
			}
			return e
		}
	}
	return nil
}

// TwilioVerify has Twilio Verify make, send and check the code. Gatehouse
// still enforces its own TTL, attempts, cooldown and quotas.
type TwilioVerify struct {
	conn    *twilioConn
	service string
}

// NewTwilioVerify returns the twilio_verify provider. cfg needs the
// account SID, the auth token and VerifyServiceSID.
func NewTwilioVerify(cfg TwilioConfig) (*TwilioVerify, error) {
	if cfg.VerifyServiceSID == "" {
		return nil, errors.New("sms: twilio_verify needs verify_service_sid")
	}
	c, err := newTwilioConn(cfg)
	if err != nil {
		return nil, err
	}
	return &TwilioVerify{conn: c, service: cfg.VerifyServiceSID}, nil
}

// Send starts a verification, like StartVerification.
func (t *TwilioVerify) Send(ctx context.Context, msg auth.Message) error {
	_, err := t.StartVerification(ctx, msg)
	return err
}

// StartVerification creates a verification on channel sms for msg.To and
// returns its SID. Within its ten minutes Twilio answers a new one for the
// same number with the pending verification (and the same code).
func (t *TwilioVerify) StartVerification(ctx context.Context, msg auth.Message) (string, error) {
	ctx, cancel, err := callContext(ctx, t.conn.timeout)
	if err != nil {
		return "", &Error{Provider: "twilio", Op: "send", kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	h, rt := t.conn.handler(ctx)
	params := &twverify.CreateVerificationParams{}
	params.SetTo(msg.To).SetChannel("sms")
	v, err := twverify.NewApiService(h).CreateVerification(t.service, params)
	if err != nil {
		ans := rt.accepted()
		if ans == nil {
			return "", twilioError("send", err, rt)
		}
		sid := str(ans, "sid")
		v = &twverify.VerifyV2Verification{Sid: &sid}
	}
	if v.Sid == nil || *v.Sid == "" {
		return "", &Error{Provider: "twilio", Op: "send", Status: int(rt.status.Load()), Detail: "verification without sid", kind: auth.ErrSMSFailed}
	}
	return *v.Sid, nil
}

// CheckCode checks code for the pending verification of to. The check
// names the number rather than the SID: Twilio keeps one pending
// verification per number and service, and that works with every
// verification a resend may have reused.
func (t *TwilioVerify) CheckCode(ctx context.Context, ref, to, code string) (bool, error) {
	ctx, cancel, err := callContext(ctx, t.conn.timeout)
	if err != nil {
		return false, &Error{Provider: "twilio", Op: "check", kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	h, rt := t.conn.handler(ctx)
	params := &twverify.CreateVerificationCheckParams{}
	params.SetTo(to).SetCode(code)
	v, err := twverify.NewApiService(h).CreateVerificationCheck(t.service, params)
	if err != nil {
		var te *twclient.TwilioRestError
		if errors.As(err, &te) && te.Code == 60200 {
			return false, nil // Twilio found the code malformed: a wrong code
		}
		ans := rt.accepted()
		if ans == nil {
			return false, twilioError("check", err, rt)
		}
		status := str(ans, "status")
		valid, _ := ans["valid"].(bool)
		v = &twverify.VerifyV2VerificationCheck{Status: &status, Valid: &valid}
	}
	status := ""
	if v.Status != nil {
		status = *v.Status
	}
	switch status {
	case "approved":
		return v.Valid == nil || *v.Valid, nil
	case "pending":
		return false, nil
	default: // canceled, expired, failed, max_attempts_reached, deleted
		return false, &Error{Provider: "twilio", Op: "check", Status: int(rt.status.Load()), Detail: "verification " + status, kind: auth.ErrOTPExpired}
	}
}

// CancelVerification sets the verification ref to canceled, so the next
// verification for its number starts afresh. One already gone is fine.
func (t *TwilioVerify) CancelVerification(ctx context.Context, ref string) error {
	ctx, cancel, err := callContext(ctx, t.conn.timeout)
	if err != nil {
		return &Error{Provider: "twilio", Op: "cancel", kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	h, rt := t.conn.handler(ctx)
	params := &twverify.UpdateVerificationParams{}
	params.SetStatus("canceled")
	if _, err := twverify.NewApiService(h).UpdateVerification(t.service, ref, params); err != nil {
		e := twilioError("cancel", err, rt)
		if errors.Is(e, auth.ErrOTPExpired) {
			return nil
		}
		return e
	}
	return nil
}

// String names the provider in logs.
func (t *TwilioVerify) String() string { return "twilio_verify" }

// String names the provider in logs.
func (t *TwilioMessaging) String() string { return "twilio_messaging" }

var (
	_ auth.Sender               = (*TwilioMessaging)(nil)
	_ auth.Sender               = (*TwilioVerify)(nil)
	_ auth.CodeChecker          = (*TwilioVerify)(nil)
	_ auth.VerificationCanceler = (*TwilioVerify)(nil)
	_ fmt.Stringer              = (*TwilioVerify)(nil)
)
