package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Headers of a webhook delivery.
const (
	// HeaderTimestamp carries the Unix time (seconds) of the delivery.
	HeaderTimestamp = "X-Gatehouse-Timestamp"
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256, keyed
	// with the shared secret, of the timestamp, ".", and the body.
	HeaderSignature = "X-Gatehouse-Signature"
	// HeaderDelivery carries a random id, the same for no two
	// deliveries, for the receiver's logs. The signature does not cover
	// it, so a replay may carry any id: a receiver drops a replay inside
	// the timestamp tolerance by its signature (docs/sms.md, "Webhook
	// receivers").
	HeaderDelivery = "X-Gatehouse-Delivery"
)

// DefaultWebhookTolerance is how far a receiver should accept a
// delivery's timestamp from its own clock.
const DefaultWebhookTolerance = 5 * time.Minute

// Errors of VerifyWebhook.
var (
	ErrWebhookSignature = errors.New("webhook: bad or missing signature")
	ErrWebhookStale     = errors.New("webhook: timestamp missing or outside the tolerance")
)

// WebhookConfig configures the webhook provider (sms.webhook).
type WebhookConfig struct {
	URL    string // where deliveries are POSTed
	Secret string // the HMAC key shared with the receiver
	// Timeout bounds each delivery (DefaultTimeout when 0).
	Timeout time.Duration
	// Transport carries the calls; nil uses a fresh transport.
	Transport http.RoundTripper
	// Clock stamps deliveries; nil is the system clock.
	Clock auth.Clock
}

// WebhookPayload is the JSON body of a delivery.
type WebhookPayload struct {
	To        string    `json:"to"`         // E.164
	Code      string    `json:"code"`       // the one-time code
	Message   string    `json:"message"`    // otp.message, rendered
	ExpiresAt time.Time `json:"expires_at"` // RFC 3339, UTC
}

// Webhook delivers each code as a signed JSON POST to a service of your
// own, which sends the SMS. A 2xx answer means sent; 400 or 422 means the
// receiver refused the number (ErrInvalidPhone); anything else, a
// redirect, a timeout or a network error is ErrSMSFailed (one after the
// delivery reached the receiver, with auth.ErrDeliveryUncertain).
type Webhook struct {
	url     string
	secret  []byte
	client  *http.Client
	timeout time.Duration
	clock   auth.Clock
}

// NewWebhook returns the webhook provider.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.Secret == "" {
		return nil, errors.New("sms: webhook needs a secret")
	}
	if u, err := url.Parse(cfg.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("sms: webhook url must be an absolute http:// or https:// URL")
	}
	clock := cfg.Clock
	if clock == nil {
		clock = auth.SystemClock{}
	}
	timeout := orDefault(cfg.Timeout)
	return &Webhook{url: cfg.URL, secret: []byte(cfg.Secret), client: newClient(cfg.Transport, timeout), timeout: timeout, clock: clock}, nil
}

// Send POSTs msg to the receiver.
func (w *Webhook) Send(ctx context.Context, msg auth.Message) error {
	ctx, cancel, err := callContext(ctx, w.timeout)
	if err != nil {
		return &Error{Provider: "webhook", Op: "send", kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	body, err := json.Marshal(WebhookPayload{To: msg.To, Code: msg.Code, Message: msg.Body, ExpiresAt: msg.ExpiresAt.UTC()})
	if err != nil {
		return &Error{Provider: "webhook", Op: "send", kind: auth.ErrSMSFailed, cause: err}
	}
	ctx, wrote := traceWrite(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return &Error{Provider: "webhook", Op: "send", kind: auth.ErrSMSFailed, cause: errors.New("bad url")}
	}
	id, err := auth.RandomToken(16)
	if err != nil {
		return &Error{Provider: "webhook", Op: "send", kind: auth.ErrSMSFailed, cause: err}
	}
	ts := strconv.FormatInt(w.clock.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, SignWebhook(w.secret, ts, body))
	req.Header.Set(HeaderDelivery, id)
	resp, err := w.client.Do(req) //nolint:bodyclose // readBody closes it
	if err != nil {
		return &Error{Provider: "webhook", Op: "send", kind: auth.ErrSMSFailed, cause: transportError(err), maybeSent: wrote()}
	}
	readBody(resp)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnprocessableEntity:
		return &Error{Provider: "webhook", Op: "send", Status: resp.StatusCode, Detail: "receiver refused the number", kind: auth.ErrInvalidPhone}
	default:
		return &Error{Provider: "webhook", Op: "send", Status: resp.StatusCode, kind: auth.ErrSMSFailed}
	}
}

// SignWebhook returns the X-Gatehouse-Signature value for a delivery:
// "sha256=" and the hex HMAC-SHA256 of timestamp + "." + body.
func SignWebhook(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook is the receiver's check of a delivery, for Go receivers
// (docs/sms.md gives the recipe for others): the signature must match in
// constant time, and the timestamp must be within tolerance of now. It
// returns ErrWebhookSignature or ErrWebhookStale. Dropping a replay
// inside the tolerance is left to the receiver: a delivery whose
// X-Gatehouse-Signature it accepted before, whatever its
// X-Gatehouse-Delivery, which the signature does not cover.
func VerifyWebhook(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrWebhookStale
	}
	want := SignWebhook(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(h.Get(HeaderSignature))) {
		return ErrWebhookSignature
	}
	if math.Abs(float64(now.Unix()-sec)) > tolerance.Seconds() {
		return fmt.Errorf("%w: %ds off", ErrWebhookStale, now.Unix()-sec)
	}
	return nil
}

// String names the provider in logs.
func (w *Webhook) String() string { return "webhook" }

var _ auth.Sender = (*Webhook)(nil)
