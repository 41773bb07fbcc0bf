package fakesms

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/sms"
)

// Delivery is one webhook delivery the receiver accepted.
type Delivery struct {
	Payload sms.WebhookPayload
	Header  http.Header
	Body    []byte
}

// Webhook is a receiver for the webhook provider that checks deliveries
// the way docs/sms.md tells receivers to: POST, JSON, a valid signature
// with a timestamp within five minutes (401 otherwise) and no replayed
// delivery (409): one whose signature it accepted before, whatever its
// X-Gatehouse-Delivery, which the signature does not cover.
type Webhook struct {
	base
	// URL is where deliveries go (sms.webhook.url).
	URL string
	// Secret is the shared secret.
	Secret string

	now        func() time.Time
	deliveries []Delivery
	seen       map[string]bool // the signatures of the deliveries accepted
}

// NewWebhook starts a receiver with a fresh secret, stopped when tb ends.
// now is its clock (nil: time.Now).
func NewWebhook(tb testing.TB, now func() time.Time) *Webhook {
	tb.Helper()
	h := &Webhook{Secret: "whsec_" + hexID(), now: orNow(now), seen: map[string]bool{}}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	h.URL = srv.URL + "/sms"
	return h
}

// Deliveries returns the deliveries accepted so far.
func (h *Webhook) Deliveries() []Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.deliveries)
}

type webhookErr struct {
	Error string `json:"error"`
}

// ServeHTTP implements http.Handler.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, h.receive, func(f Failure) any {
		msg := f.Message
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		return webhookErr{Error: msg}
	})
}

func (h *Webhook) receive(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/sms" {
		writeJSON(w, http.StatusNotFound, webhookErr{"not found"})
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, webhookErr{"want application/json"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, webhookErr{"unreadable body"})
		return
	}
	if err := sms.VerifyWebhook([]byte(h.Secret), r.Header, body, h.now(), sms.DefaultWebhookTolerance); err != nil {
		msg := "bad signature"
		if errors.Is(err, sms.ErrWebhookStale) {
			msg = "stale timestamp"
		}
		writeJSON(w, http.StatusUnauthorized, webhookErr{msg})
		return
	}
	var p sms.WebhookPayload
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil || p.To == "" || p.Code == "" || p.Message == "" || p.ExpiresAt.IsZero() {
		writeJSON(w, http.StatusBadRequest, webhookErr{"bad payload"})
		return
	}
	if _, ok := validNumber(p.To); !ok {
		writeJSON(w, http.StatusUnprocessableEntity, webhookErr{"invalid number"})
		return
	}
	sig := r.Header.Get(sms.HeaderSignature) // verified: covers the timestamp and the body
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get(sms.HeaderDelivery) == "" || h.seen[sig] {
		writeJSON(w, http.StatusConflict, webhookErr{"replayed delivery"})
		return
	}
	h.seen[sig] = true
	h.deliveries = append(h.deliveries, Delivery{Payload: p, Header: r.Header.Clone(), Body: body})
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "queued"})
}
