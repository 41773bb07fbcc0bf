package sms_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// TestWebhookReplayIsRefused: whoever captures a delivery (a logging
// proxy, a shared network on the way to an http:// receiver) sends it
// again within the receiver's five minutes. The signature covers the
// timestamp and the body, not X-Gatehouse-Delivery, so a receiver that
// dropped repeated ids, as docs/sms.md told it to, accepted the same
// delivery again under a fresh id, and texted the code again each time.
// A receiver that follows docs/sms.md (the fake) drops a repeated
// signature, whatever the id says, and still takes every delivery
// Gatehouse makes.
func TestWebhookReplayIsRefused(t *testing.T) {
	f := fakesms.NewWebhook(t, nil)
	p, err := sms.NewWebhook(sms.WebhookConfig{URL: f.URL, Secret: f.Secret})
	if err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(5 * time.Minute)
	for _, code := range []string{"123456", "654321"} {
		msg := auth.Message{To: alicePhone, Code: code, Body: "Your code is " + code + ".", ExpiresAt: expires}
		if err := p.Send(context.Background(), msg); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	ds := f.Deliveries()
	if len(ds) != 2 {
		t.Fatalf("%d deliveries accepted, want 2", len(ds))
	}
	replay := func(d fakesms.Delivery, id string) int {
		req, err := http.NewRequest(http.MethodPost, f.URL, bytes.NewReader(d.Body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = d.Header.Clone()
		if id != "" {
			req.Header.Set(sms.HeaderDelivery, id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	tests := []struct{ name, id string }{
		{"the same id", ""},
		{"a fresh id", "fresh-id-of-the-attackers"},
		{"another fresh id", "AAAAAAAAAAAAAAAAAAAAAA"},
	}
	for _, tt := range tests {
		if got := replay(ds[0], tt.id); got != http.StatusConflict {
			t.Errorf("a delivery replayed with %s: %d, want 409", tt.name, got)
		}
	}
	if n := len(f.Deliveries()); n != 2 {
		t.Fatalf("the receiver accepted %d deliveries, want the 2 Gatehouse made", n)
	}
}
