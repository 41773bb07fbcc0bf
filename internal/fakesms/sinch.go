package fakesms

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// sinchMaxReports is how many wrong codes the fake accepts before it
// fails a verification for good.
const sinchMaxReports = 5

// SinchOptions shape a fake Sinch Verification application.
type SinchOptions struct {
	// Now is the fake's clock (verification expiry); nil is time.Now.
	Now func() time.Time
	// BlockedCountries are ISO regions Sinch will not verify (403 40300).
	BlockedCountries []string
	// Unroutable are numbers Sinch has no route to (422 42201).
	Unroutable []string
	// CodeLength is the length of the codes (default 4, Sinch's own).
	CodeLength int
}

// SinchVerification is one verification started on the fake.
type SinchVerification struct {
	ID, Number, Code string
	Status           string // PENDING, SUCCESSFUL, FAIL, ABORTED
	Reason           string
	Reports          int
	Created          time.Time
}

// Sinch is a fake of the Sinch Verification API, SMS method, that takes
// application signed requests and Basic key:secret credentials (point
// sms.sinch.base_url at URL).
type Sinch struct {
	base
	// URL is the fake's origin.
	URL string
	// KeyID and KeySecret are the application's credentials.
	KeyID, KeySecret string

	opts          SinchOptions
	now           func() time.Time
	verifications []*SinchVerification
}

// NewSinch starts a fake Sinch with a fresh application key and secret,
// stopped when tb ends.
func NewSinch(tb testing.TB, opts SinchOptions) *Sinch {
	tb.Helper()
	if opts.CodeLength == 0 {
		opts.CodeLength = 4
	}
	id := hexID()
	secret := make([]byte, 16)
	copy(secret, hexID())
	s := &Sinch{
		KeyID:     fmt.Sprintf("%s-%s-%s-%s-%s", id[:8], id[8:12], id[12:16], id[16:20], id[20:]),
		KeySecret: base64.StdEncoding.EncodeToString(secret),
		opts:      opts,
		now:       orNow(opts.Now),
	}
	srv := httptest.NewServer(s)
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Verifications returns the verifications started so far.
func (s *Sinch) Verifications() []SinchVerification {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SinchVerification, len(s.verifications))
	for i, v := range s.verifications {
		out[i] = *v
	}
	return out
}

// Code returns the code of the newest verification of number ("" if none).
func (s *Sinch) Code(number string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.verifications) - 1; i >= 0; i-- {
		if s.verifications[i].Number == number {
			return s.verifications[i].Code
		}
	}
	return ""
}

// sinchErr is Sinch's error body.
type sinchErr struct {
	ErrorCode string `json:"errorCode"` // a string, as Sinch documents it
	Message   string `json:"message"`
	Reference string `json:"reference,omitempty"`
}

func (s *Sinch) fail(w http.ResponseWriter, status, code int, format string, args ...any) {
	writeJSON(w, status, sinchErr{ErrorCode: strconv.Itoa(code), Message: fmt.Sprintf(format, args...), Reference: hexID()})
}

// ServeHTTP implements http.Handler.
func (s *Sinch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.serve(w, r, s.route, func(f Failure) any {
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		return sinchErr{ErrorCode: strconv.Itoa(f.Code), Message: msg, Reference: hexID()}
	})
}

const sinchPrefix = "/verification/v1/verifications"

func (s *Sinch) route(w http.ResponseWriter, r *http.Request) {
	authz := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(authz, "Basic "):
		key, secret, _ := r.BasicAuth()
		if subtle.ConstantTimeCompare([]byte(key), []byte(s.KeyID)) != 1 || subtle.ConstantTimeCompare([]byte(secret), []byte(s.KeySecret)) != 1 {
			s.fail(w, http.StatusUnauthorized, 40107, "Invalid authorization.")
			return
		}
	case strings.HasPrefix(authz, "Application "):
		if msg := s.checkSignature(r, strings.TrimPrefix(authz, "Application ")); msg != "" {
			s.fail(w, http.StatusUnauthorized, 40107, "%s", msg)
			return
		}
	default:
		s.fail(w, http.StatusUnauthorized, 40100, "Invalid authorization header.")
		return
	}
	path := r.URL.Path
	switch {
	case path == sinchPrefix && r.Method == http.MethodPost:
		if !s.decode(w, r, nil) {
			return
		}
		s.start(w, r)
	case strings.HasPrefix(path, sinchPrefix+"/id/") && r.Method == http.MethodPut:
		s.report(w, r, strings.TrimPrefix(path, sinchPrefix+"/id/"))
	case strings.HasPrefix(path, sinchPrefix+"/id/") && r.Method == http.MethodGet:
		s.status(w, strings.TrimPrefix(path, sinchPrefix+"/id/"))
	default:
		s.fail(w, http.StatusNotFound, 40400, "Requested resource was not found.")
	}
}

// decode checks the content type and, when v is not nil, decodes the
// JSON body into it.
func (s *Sinch) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		s.fail(w, http.StatusBadRequest, 40001, "Invalid Content-Type. Expected application/json.")
		return false
	}
	if v == nil {
		return true
	}
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		s.fail(w, http.StatusBadRequest, 40001, "Invalid JSON body.")
		return false
	}
	return true
}

func (s *Sinch) start(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Identity *struct {
			Type     string `json:"type"`
			Endpoint string `json:"endpoint"`
		} `json:"identity"`
		Method string `json:"method"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.fail(w, http.StatusBadRequest, 40001, "Invalid JSON body.")
		return
	}
	switch {
	case req.Identity == nil:
		s.fail(w, http.StatusBadRequest, 40002, "Identity parameter is missing.")
		return
	case req.Identity.Type != "number":
		s.fail(w, http.StatusBadRequest, 40001, "Invalid identity type %q.", req.Identity.Type)
		return
	case req.Identity.Endpoint == "":
		s.fail(w, http.StatusBadRequest, 40002, "Endpoint parameter is missing.")
		return
	case req.Method == "":
		s.fail(w, http.StatusBadRequest, 40002, "Method parameter is missing.")
		return
	case req.Method != "sms":
		s.fail(w, http.StatusBadRequest, 40001, "Method %q is not enabled for this application.", req.Method)
		return
	}
	number := req.Identity.Endpoint
	region, ok := validNumber(number)
	switch {
	case !ok:
		s.fail(w, http.StatusBadRequest, 40001, "Number %s is invalid.", number)
		return
	case numberSet(s.opts.BlockedCountries).has(region):
		s.fail(w, http.StatusForbidden, 40300, "Identity is blacklisted.")
		return
	case numberSet(s.opts.Unroutable).has(number):
		s.fail(w, http.StatusUnprocessableEntity, 42201, "No route to destination.")
		return
	}
	code, _ := auth.GenerateCode(s.opts.CodeLength)
	v := &SinchVerification{ID: hexID()[:20], Number: number, Code: code, Status: "PENDING", Created: s.now()}
	s.mu.Lock()
	for _, old := range s.verifications {
		if old.Number == number && old.Status == "PENDING" {
			old.Status, old.Reason = "ABORTED", ""
		}
	}
	s.verifications = append(s.verifications, v)
	s.mu.Unlock()
	href := s.URL + sinchPrefix + "/id/" + v.ID
	writeJSON(w, http.StatusOK, map[string]any{
		"id":     v.ID,
		"method": "sms",
		"sms":    map[string]any{"template": "Your verification code is {{CODE}}.", "interceptionTimeout": 298},
		"_links": []map[string]string{
			{"rel": "status", "href": href, "method": "GET"},
			{"rel": "report", "href": href, "method": "PUT"},
		},
	})
}

// find returns the verification id, settling its expiry. Callers hold
// s.mu.
func (s *Sinch) find(id string) *SinchVerification {
	for _, v := range s.verifications {
		if v.ID == id {
			if v.Status == "PENDING" && !s.now().Before(v.Created.Add(verifyTTL)) {
				v.Status, v.Reason = "FAIL", "Expired"
			}
			return v
		}
	}
	return nil
}

func (s *Sinch) result(v *SinchVerification, status, reason string) map[string]any {
	out := map[string]any{"id": v.ID, "method": "sms", "status": status}
	if reason != "" {
		out["reason"] = reason
	}
	return out
}

func (s *Sinch) report(w http.ResponseWriter, r *http.Request, id string) {
	var req struct {
		Method string `json:"method"`
		SMS    *struct {
			Code string `json:"code"`
		} `json:"sms"`
	}
	if !s.decode(w, r, &req) {
		return
	}
	switch {
	case req.Method != "sms":
		s.fail(w, http.StatusBadRequest, 40001, "Invalid method %q.", req.Method)
		return
	case req.SMS == nil || req.SMS.Code == "":
		s.fail(w, http.StatusBadRequest, 40002, "Code parameter is missing.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.find(id)
	if v == nil {
		s.fail(w, http.StatusNotFound, 40400, "Requested resource was not found.")
		return
	}
	if v.Status != "PENDING" {
		writeJSON(w, http.StatusOK, s.result(v, v.Status, v.Reason))
		return
	}
	v.Reports++
	if subtle.ConstantTimeCompare([]byte(req.SMS.Code), []byte(v.Code)) == 1 {
		v.Status, v.Reason = "SUCCESSFUL", ""
		writeJSON(w, http.StatusOK, s.result(v, v.Status, ""))
		return
	}
	if v.Reports >= sinchMaxReports {
		v.Status, v.Reason = "FAIL", "Invalid code"
	}
	writeJSON(w, http.StatusOK, s.result(v, "FAIL", "Invalid code"))
}

func (s *Sinch) status(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.find(id)
	if v == nil {
		s.fail(w, http.StatusNotFound, 40400, "Requested resource was not found.")
		return
	}
	out := s.result(v, v.Status, v.Reason)
	out["identity"] = map[string]string{"type": "number", "endpoint": v.Number}
	writeJSON(w, http.StatusOK, out)
}

// checkSignature checks an application signed request whose Authorization
// header, after "Application ", is cred ("key:signature"), the way the
// Verification API does: the key is the application's, x-timestamp is an
// ISO 8601 UTC time within 15 minutes of now, and the signature is
// Base64(HMAC-SHA256(Base64-Decode(secret), method LF Base64(MD5(body)) LF
// Content-Type LF "x-timestamp:"ts LF path)). It returns "" when all
// holds, else the complaint. The body is read and put back.
func (s *Sinch) checkSignature(r *http.Request, cred string) string {
	key, sig, ok := strings.Cut(cred, ":")
	if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(s.KeyID)) != 1 {
		return "Invalid application key."
	}
	ts := r.Header.Get("X-Timestamp")
	at, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return "Invalid or missing x-timestamp header."
	}
	if d := s.now().Sub(at); d > 15*time.Minute || d < -15*time.Minute {
		return "Request timestamp is too far from the current time."
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return "Unreadable body."
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	secret, err := base64.StdEncoding.DecodeString(s.KeySecret)
	if err != nil {
		return "Application secret is not base64."
	}
	digest := ""
	if len(body) > 0 {
		sum := md5.Sum(body)
		digest = base64.StdEncoding.EncodeToString(sum[:])
	}
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%s\n%s\n%s\nx-timestamp:%s\n%s", r.Method, digest, r.Header.Get("Content-Type"), ts, r.URL.EscapedPath())
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return "Invalid signature."
	}
	return ""
}
