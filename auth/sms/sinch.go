package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5" //nolint:gosec // Sinch's request signature includes the body's MD5 (its protocol, not our choice)
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// DefaultSinchBaseURL is the Sinch Verification API's global origin.
const DefaultSinchBaseURL = "https://verification.api.sinch.com"

// SinchConfig configures the Sinch provider (sms.sinch).
type SinchConfig struct {
	// KeyID and KeySecret are the Verification application's key and
	// secret (base64, as the dashboard shows it).
	KeyID     string
	KeySecret string
	// Basic sends the key and secret as HTTP Basic credentials instead of
	// signing each request (Sinch's "application signed request": an
	// HMAC-SHA256 of the method, body digest, content type, timestamp
	// and path, keyed with the decoded secret), which Sinch recommends in
	// production.
	Basic bool
	// Now is the clock of the signatures' timestamps; nil is time.Now.
	Now func() time.Time
	// BaseURL is the API origin; "" is DefaultSinchBaseURL.
	BaseURL string
	// Timeout bounds each API call (DefaultTimeout when 0).
	Timeout time.Duration
	// Transport carries the calls; nil uses a fresh transport.
	Transport http.RoundTripper
}

// Sinch has the Sinch Verification API make, send and check the code by
// SMS. It signs each request with the application secret, or sends the
// key and secret as Basic credentials (SinchConfig.Basic).
type Sinch struct {
	base    *url.URL
	basic   string // the Authorization header in Basic mode; "" signs
	keyID   string
	secret  []byte // decoded, for signing
	now     func() time.Time
	client  *http.Client
	timeout time.Duration
}

// NewSinch returns the sinch provider.
func NewSinch(cfg SinchConfig) (*Sinch, error) {
	if cfg.KeyID == "" || cfg.KeySecret == "" {
		return nil, errors.New("sms: sinch needs key_id and key_secret")
	}
	if strings.Contains(cfg.KeyID, ":") {
		return nil, errors.New("sms: sinch key_id must not contain ':'")
	}
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultSinchBaseURL
	}
	base, err := parseBase("sms.sinch.base_url", raw)
	if err != nil {
		return nil, err
	}
	timeout := orDefault(cfg.Timeout)
	s := &Sinch{base: base, keyID: cfg.KeyID, now: cfg.Now, client: newClient(cfg.Transport, timeout), timeout: timeout}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.Basic {
		req := &http.Request{Header: http.Header{}}
		req.SetBasicAuth(cfg.KeyID, cfg.KeySecret)
		s.basic = req.Header.Get("Authorization")
		return s, nil
	}
	secret, err := base64.StdEncoding.DecodeString(cfg.KeySecret)
	if err != nil {
		if secret, err = base64.RawStdEncoding.DecodeString(cfg.KeySecret); err != nil {
			return nil, errors.New("sms: sinch key_secret is not base64, which signed requests need")
		}
	}
	s.secret = secret
	return s, nil
}

// sinchStart is the body of POST /verification/v1/verifications.
type sinchStart struct {
	Identity sinchIdentity `json:"identity"`
	Method   string        `json:"method"`
}

type sinchIdentity struct {
	Type     string `json:"type"`
	Endpoint string `json:"endpoint"`
}

// sinchReport is the body of PUT /verification/v1/verifications/id/{id}.
type sinchReport struct {
	Method string       `json:"method"`
	SMS    sinchSMSCode `json:"sms"`
}

type sinchSMSCode struct {
	Code string `json:"code"`
}

// sinchResult is the part of Sinch's answers Gatehouse reads.
type sinchResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// sinchFailure is Sinch's error body. errorCode is a number in some
// answers and a string in others.
type sinchFailure struct {
	ErrorCode json.RawMessage `json:"errorCode"`
	Message   string          `json:"message"`
	Reference string          `json:"reference"`
}

func (f sinchFailure) code() int {
	s := strings.Trim(string(f.ErrorCode), `"`)
	n, _ := strconv.Atoi(s)
	return n
}

// Send starts a verification, like StartVerification.
func (s *Sinch) Send(ctx context.Context, msg auth.Message) error {
	_, err := s.StartVerification(ctx, msg)
	return err
}

// StartVerification starts an SMS verification of msg.To and returns its
// id. Sinch makes and texts its own code.
func (s *Sinch) StartVerification(ctx context.Context, msg auth.Message) (string, error) {
	body, err := json.Marshal(sinchStart{Identity: sinchIdentity{Type: "number", Endpoint: msg.To}, Method: "sms"})
	if err != nil {
		return "", &Error{Provider: "sinch", Op: "send", kind: auth.ErrSMSFailed, cause: err}
	}
	var res sinchResult
	status, err := s.call(ctx, "send", http.MethodPost, "/verification/v1/verifications", body, &res)
	if err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", &Error{Provider: "sinch", Op: "send", Status: status, Detail: "verification without id", kind: auth.ErrSMSFailed, maybeSent: true}
	}
	return res.ID, nil
}

// CheckCode reports code for the verification ref. SUCCESSFUL is right;
// PENDING, or FAIL for an invalid code, is wrong; any other end (expired,
// aborted by a newer verification, denied) cannot succeed any more.
func (s *Sinch) CheckCode(ctx context.Context, ref, to, code string) (bool, error) {
	body, err := json.Marshal(sinchReport{Method: "sms", SMS: sinchSMSCode{Code: code}})
	if err != nil {
		return false, &Error{Provider: "sinch", Op: "check", kind: auth.ErrSMSFailed, cause: err}
	}
	var res sinchResult
	status, err := s.call(ctx, "check", http.MethodPut, "/verification/v1/verifications/id/"+url.PathEscape(ref), body, &res)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Code == 40001 || e.Code == 40003) {
			// "Invalid identity or code", or a code Sinch finds
			// malformed: a wrong code. Gatehouse's own attempts end it.
			return false, nil
		}
		return false, err
	}
	switch res.Status {
	case "SUCCESSFUL":
		return true, nil
	case "PENDING":
		return false, nil
	case "FAIL":
		if res.Reason == "" || res.Reason == "Invalid code" {
			return false, nil
		}
		return false, &Error{Provider: "sinch", Op: "check", Status: status, Detail: "FAIL: " + res.Reason, kind: auth.ErrOTPExpired}
	case "ERROR":
		return false, &Error{Provider: "sinch", Op: "check", Status: status, Detail: "ERROR: " + res.Reason, kind: auth.ErrSMSFailed}
	default: // DENIED, ABORTED and anything new
		return false, &Error{Provider: "sinch", Op: "check", Status: status, Detail: res.Status + ": " + res.Reason, kind: auth.ErrOTPExpired}
	}
}

// call sends one JSON request and decodes a 2xx answer into out. Other
// answers become *Error.
func (s *Sinch) call(ctx context.Context, op, method, path string, body []byte, out any) (int, error) {
	ctx, cancel, err := callContext(ctx, s.timeout)
	if err != nil {
		return 0, &Error{Provider: "sinch", Op: op, kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	u := *s.base
	u.Path = s.base.Path + path
	ctx, wrote := traceWrite(ctx)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, &Error{Provider: "sinch", Op: op, kind: auth.ErrSMSFailed, cause: err}
	}
	req.Header.Set("Content-Type", "application/json")
	s.authorize(req, body)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := s.client.Do(req) //nolint:bodyclose // readBody closes it
	if err != nil {
		return 0, &Error{Provider: "sinch", Op: op, kind: auth.ErrSMSFailed, cause: transportError(err), maybeSent: wrote()}
	}
	data := readBody(resp)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if sinchErrorBody(data) {
			// Sinch answers "a success response, or an Error" with 200:
			// the error it names, as with any other status
			// (docs/contract.md, "SMS delivery").
			return resp.StatusCode, sinchError(op, resp, data)
		}
		if err := json.Unmarshal(data, out); err != nil {
			// Sinch did what was asked (2xx); only its answer is lost.
			return resp.StatusCode, &Error{Provider: "sinch", Op: op, Status: resp.StatusCode, Detail: "unreadable answer", kind: auth.ErrSMSFailed, maybeSent: true}
		}
		return resp.StatusCode, nil
	}
	return resp.StatusCode, sinchError(op, resp, data)
}

// sinchErrorBody reports whether a 2xx answer's body is Sinch's error
// body: an errorCode, and neither the id nor the status of a
// verification.
func sinchErrorBody(data []byte) bool {
	var b struct {
		ErrorCode  json.RawMessage `json:"errorCode"`
		ID, Status string
	}
	if json.Unmarshal(data, &b) != nil {
		return false
	}
	code := strings.Trim(string(b.ErrorCode), `"`)
	return code != "" && code != "null" && b.ID == "" && b.Status == ""
}

// sinchRetry is how long to wait after Sinch refused to verify a number
// again so soon, when it does not say.
const sinchRetry = time.Minute

// sinchError maps a non-2xx answer to an *Error.
func sinchError(op string, resp *http.Response, data []byte) *Error {
	var f sinchFailure
	_ = json.Unmarshal(data, &f)
	e := &Error{Provider: "sinch", Op: op, Status: resp.StatusCode, Code: f.code(), kind: auth.ErrSMSFailed}
	if f.Reference != "" {
		e.Detail = "reference " + f.Reference
	}
	switch {
	case op == "send" && (e.Code == 40001 || e.Code == 40003 || e.Code == 40300 || e.Code == 42201):
		// Invalid number, invalid identity, number blocked, no route.
		e.kind = auth.ErrInvalidPhone
	case e.Code == 42901 || (resp.StatusCode == http.StatusTooManyRequests && e.Code != 42900):
		// Too many verifications of this number too quickly (42900 is
		// the account's own request rate: a provider failure).
		e.kind = &auth.RateLimitError{RetryAfter: retryAfter(resp.Header, sinchRetry), Reason: "provider_send_limit"}
	case op == "check" && (e.Code == 40400 || resp.StatusCode == http.StatusNotFound):
		e.kind = auth.ErrOTPExpired
	}
	return e
}

// String names the provider in logs.
func (s *Sinch) String() string { return "sinch" }

var (
	_ auth.Sender      = (*Sinch)(nil)
	_ auth.CodeChecker = (*Sinch)(nil)
)

// sinchTimeFormat is the x-timestamp format: ISO 8601, UTC.
const sinchTimeFormat = "2006-01-02T15:04:05Z"

// authorize sets the Authorization header of req, whose body is body:
// Basic credentials, or an application signature over the method, the
// body's MD5, the content type, the x-timestamp header it also sets, and
// the path.
func (s *Sinch) authorize(req *http.Request, body []byte) {
	if s.basic != "" {
		req.Header.Set("Authorization", s.basic)
		return
	}
	ts := s.now().UTC().Format(sinchTimeFormat)
	req.Header.Set("X-Timestamp", ts)
	req.Header.Set("Authorization", "Application "+s.keyID+":"+
		SinchSignature(s.secret, req.Method, body, req.Header.Get("Content-Type"), ts, req.URL.EscapedPath()))
}

// SinchSignature is the signature of a Sinch application signed request:
// Base64(HMAC-SHA256(secret, method LF Base64(MD5(body)) LF contentType LF
// "x-timestamp:"timestamp LF path)), with an empty digest for an empty
// body. secret is the decoded application secret.
func SinchSignature(secret []byte, method string, body []byte, contentType, timestamp, path string) string {
	digest := ""
	if len(body) > 0 {
		sum := md5.Sum(body) //nolint:gosec // Content-MD5 of Sinch's signed request, integrity only
		digest = base64.StdEncoding.EncodeToString(sum[:])
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(method + "\n" + digest + "\n" + contentType + "\nx-timestamp:" + timestamp + "\n" + path))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
