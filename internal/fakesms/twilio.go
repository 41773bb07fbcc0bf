package fakesms

// The fake Twilio: its account, credentials and services, what it
// recorded, its error bodies, and the routing of its two APIs (and hexID
// and the verification limits, which the fake Sinch uses too).

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// verifyTTL is how long a Twilio Verify or Sinch verification stays
// pending, and verifyMaxSends and verifyMaxChecks are Twilio's per
// verification limits.
const (
	verifyTTL       = 10 * time.Minute
	verifyMaxSends  = 5
	verifyMaxChecks = 5
)

// TwilioOptions shape a fake Twilio account.
type TwilioOptions struct {
	// Now is the fake's clock (verification expiry); nil is time.Now.
	Now func() time.Time
	// From lists the numbers the account may send from; empty accepts
	// any valid number.
	From []string
	// Landlines are numbers Twilio finds are not mobiles: 21614 from
	// Messaging, 60205 from Verify.
	Landlines []string
	// BlockedCountries are ISO regions without geo permission: 21408
	// from Messaging, 60605 from Verify.
	BlockedCountries []string
	// CodeLength is the length of Verify's codes (default 6).
	CodeLength int
}

// TwilioMessage is one message created through the Messages API.
type TwilioMessage struct {
	SID, To, From, MessagingServiceSID, Body string
	At                                       time.Time
}

// TwilioVerification is one Verify verification.
type TwilioVerification struct {
	SID, To, Channel, Code string
	Status                 string // pending, approved, canceled
	Sends, Checks          int
	Created                time.Time
}

// Twilio is a fake of Twilio's Programmable Messaging and Verify v2 APIs
// on one origin (point sms.twilio.base_url at URL).
type Twilio struct {
	base
	// URL is the fake's origin, e.g. "http://127.0.0.1:41234".
	URL string
	// AccountSID and AuthToken are the credentials it accepts, and so are
	// APIKeySID and APIKeySecret, an API key of the account (Twilio's
	// recommended credential: HTTP Basic with the key's SID and secret,
	// the account's SID still in the paths).
	AccountSID, AuthToken   string
	APIKeySID, APIKeySecret string
	// MessagingServiceSID and VerifyServiceSID are the account's services.
	MessagingServiceSID, VerifyServiceSID string

	opts          TwilioOptions
	now           func() time.Time
	messages      []TwilioMessage
	verifications []*TwilioVerification
}

// NewTwilio starts a fake Twilio with fresh credentials and services,
// stopped when tb ends.
func NewTwilio(tb testing.TB, opts TwilioOptions) *Twilio {
	tb.Helper()
	if opts.CodeLength == 0 {
		opts.CodeLength = 6
	}
	t := &Twilio{
		AccountSID:          "AC" + hexID(),
		AuthToken:           hexID(),
		APIKeySID:           "SK" + hexID(),
		APIKeySecret:        hexID(),
		MessagingServiceSID: "MG" + hexID(),
		VerifyServiceSID:    "VA" + hexID(),
		opts:                opts,
		now:                 orNow(opts.Now),
	}
	srv := httptest.NewServer(t)
	tb.Cleanup(srv.Close)
	t.URL = srv.URL
	return t
}

// hexID returns 32 random hex digits, the body of a Twilio SID.
func hexID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Messages returns the messages created so far.
func (t *Twilio) Messages() []TwilioMessage {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.messages)
}

// Verifications returns the verifications started so far.
func (t *Twilio) Verifications() []TwilioVerification {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]TwilioVerification, len(t.verifications))
	for i, v := range t.verifications {
		out[i] = *v
	}
	return out
}

// Code returns the code of the newest verification of to ("" if none).
func (t *Twilio) Code(to string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.verifications) - 1; i >= 0; i-- {
		if t.verifications[i].To == to {
			return t.verifications[i].Code
		}
	}
	return ""
}

// twilioErr is Twilio's error body.
type twilioErr struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
}

func twilioError(status, code int, format string, args ...any) twilioErr {
	return twilioErr{Code: code, Message: fmt.Sprintf(format, args...), MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), Status: status}
}

func (t *Twilio) fail(w http.ResponseWriter, status, code int, format string, args ...any) {
	writeJSON(w, status, twilioError(status, code, format, args...))
}

// ServeHTTP implements http.Handler.
func (t *Twilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.serve(w, r, t.route, func(f Failure) any {
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		return twilioError(f.Status, f.Code, "%s", msg)
	})
}

func (t *Twilio) route(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	match := func(u, p string) bool {
		return subtle.ConstantTimeCompare([]byte(user), []byte(u)) == 1 && subtle.ConstantTimeCompare([]byte(pass), []byte(p)) == 1
	}
	if !ok || !match(t.AccountSID, t.AuthToken) && !match(t.APIKeySID, t.APIKeySecret) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		e := twilioError(http.StatusUnauthorized, 20003, "Authenticate")
		e.Detail = "Your AccountSid or AuthToken was incorrect."
		writeJSON(w, http.StatusUnauthorized, e)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	notFound := func() {
		t.fail(w, http.StatusNotFound, 20404, "The requested resource %s was not found", r.URL.Path)
	}
	if r.Method != http.MethodPost {
		t.fail(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		t.fail(w, http.StatusBadRequest, 20001, "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		t.fail(w, http.StatusBadRequest, 20001, "Could not parse the request body")
		return
	}
	switch {
	case len(parts) == 4 && parts[0] == "2010-04-01" && parts[1] == "Accounts" && parts[3] == "Messages.json":
		if parts[2] != t.AccountSID {
			notFound()
			return
		}
		t.createMessage(w, r)
	case len(parts) >= 4 && parts[0] == "v2" && parts[1] == "Services":
		if parts[2] != t.VerifyServiceSID {
			notFound()
			return
		}
		switch {
		case len(parts) == 4 && parts[3] == "Verifications":
			t.createVerification(w, r)
		case len(parts) == 4 && parts[3] == "VerificationCheck":
			t.checkVerification(w, r)
		case len(parts) == 5 && parts[3] == "Verifications":
			t.updateVerification(w, r, parts[4])
		default:
			notFound()
		}
	default:
		notFound()
	}
}

// checkTo validates a destination like Twilio: 0 when it is fine, else
// the status and code to answer.
func (t *Twilio) checkTo(to string, invalid, landline, blocked int) (int, int, string) {
	region, ok := validNumber(to)
	switch {
	case !ok:
		return http.StatusBadRequest, invalid, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to)
	case numberSet(t.opts.Landlines).has(to):
		return http.StatusBadRequest, landline, "'To' number is not a valid mobile number"
	case numberSet(t.opts.BlockedCountries).has(region):
		return http.StatusBadRequest, blocked, fmt.Sprintf("Permission to send an SMS has not been enabled for the region indicated by the 'To' number: %s.", to)
	}
	return 0, 0, ""
}
