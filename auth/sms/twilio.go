package sms

// What TwilioMessaging and TwilioVerify share: their configuration, the
// connection (credentials, origin, per-call HTTP plumbing around
// twilio-go) and the interfaces they implement.

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
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	twclient "github.com/twilio/twilio-go/client"
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

// errRedirect is a Twilio call answered with a redirect, which is not
// followed.
var errRedirect = errors.New("answered with a redirect, not followed")

// twilioTransport binds twilio-go's requests to a context, points them at
// the configured origin, and remembers the last status code and the body
// of the last 2xx answer.
type twilioTransport struct {
	ctx    context.Context
	base   *url.URL
	next   http.RoundTripper
	status atomic.Int32
	// retryAfter is the last answer's Retry-After, a time.Duration (0:
	// none).
	retryAfter atomic.Int64
	// wrote is set once a request reached the wire whole.
	wrote atomic.Bool
	mu    sync.Mutex
	body  []byte
}

// RoundTrip implements http.RoundTripper.
func (t *twilioTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, wrote := traceWrite(t.ctx)
	out := r.Clone(ctx)
	if t.base != nil {
		out.URL.Scheme = t.base.Scheme
		out.URL.Host = t.base.Host
		out.URL.Path = t.base.Path + r.URL.Path
		out.URL.RawPath = ""
		out.Host = t.base.Host
	}
	resp, err := t.next.RoundTrip(out)
	if wrote() {
		t.wrote.Store(true)
	}
	if err != nil {
		return nil, err
	}
	t.status.Store(int32(resp.StatusCode)) //nolint:gosec // an HTTP status: three digits
	t.retryAfter.Store(int64(retryAfter(resp.Header, 0)))
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// twilio-go decodes a 3xx answer as a success: it is a failure,
		// whatever its body says (docs/contract.md, "SMS delivery").
		_ = resp.Body.Close()
		return nil, errRedirect
	}
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
		return resp, nil
	}
	// twilio-go decodes an error answer itself: no more of it than of
	// any other answer (docs/contract.md, "SMS delivery").
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, maxResponse), resp.Body}
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

var (
	_ auth.Sender               = (*TwilioMessaging)(nil)
	_ auth.Sender               = (*TwilioVerify)(nil)
	_ auth.CodeChecker          = (*TwilioVerify)(nil)
	_ auth.VerificationCanceler = (*TwilioVerify)(nil)
	_ fmt.Stringer              = (*TwilioVerify)(nil)
)
