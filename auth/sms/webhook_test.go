package sms_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

func TestWebhookDelivers(t *testing.T) {
	f := fakesms.NewWebhook(t, nil)
	p, err := sms.NewWebhook(sms.WebhookConfig{URL: f.URL, Secret: f.Secret})
	if err != nil {
		t.Fatal(err)
	}
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	msg := auth.Message{To: alicePhone, Code: "123456", Body: "Your code is 123456.", ExpiresAt: expires}
	for _, m := range []auth.Message{msg, {To: alicePhone, Code: "654321", Body: "Your code is 654321.", ExpiresAt: expires}} {
		if err := p.Send(context.Background(), m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	ds := f.Deliveries()
	if len(ds) != 2 {
		t.Fatalf("%d deliveries accepted, want 2 (each with its own id)", len(ds))
	}
	got := ds[0].Payload
	if got.To != msg.To || got.Code != msg.Code || got.Message != msg.Body || !got.ExpiresAt.Equal(expires) || got.ExpiresAt.Location() != time.UTC {
		t.Fatalf("payload %+v", got)
	}
	if ds[0].Header.Get(sms.HeaderDelivery) == ds[1].Header.Get(sms.HeaderDelivery) {
		t.Fatal("two deliveries share an id")
	}
}

func TestWebhookFailures(t *testing.T) {
	f := fakesms.NewWebhook(t, nil)
	tests := []struct {
		name   string
		secret string
		to     string
		fail   *fakesms.Failure
		want   error
		status int
	}{
		{name: "wrong secret", secret: "not-the-secret", to: alicePhone, want: auth.ErrSMSFailed, status: 401},
		{name: "receiver refuses the number (422)", to: "+1555", want: auth.ErrInvalidPhone, status: 422},
		{name: "400", to: alicePhone, fail: &fakesms.Failure{Status: 400}, want: auth.ErrInvalidPhone, status: 400},
		{name: "404", to: alicePhone, fail: &fakesms.Failure{Status: 404}, want: auth.ErrSMSFailed, status: 404},
		{name: "429", to: alicePhone, fail: &fakesms.Failure{Status: 429}, want: auth.ErrSMSFailed, status: 429},
		{name: "500", to: alicePhone, fail: &fakesms.Failure{Status: 500}, want: auth.ErrSMSFailed, status: 500},
		{name: "redirect not followed", to: alicePhone, fail: &fakesms.Failure{Status: 307, Header: http.Header{"Location": {"https://elsewhere.example/"}}}, want: auth.ErrSMSFailed, status: 307},
		{name: "dropped", to: alicePhone, fail: &fakesms.Failure{Drop: true}, want: auth.ErrSMSFailed},
		{name: "timeout", to: alicePhone, fail: &fakesms.Failure{Delay: 10 * time.Second}, want: auth.ErrSMSFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := tt.secret
			if secret == "" {
				secret = f.Secret
			}
			p, err := sms.NewWebhook(sms.WebhookConfig{URL: f.URL + "?token=url-secret", Secret: secret, Timeout: shortTimeout})
			if err != nil {
				t.Fatal(err)
			}
			if tt.fail != nil {
				f.FailNext(*tt.fail)
			}
			before := len(f.Deliveries())
			start := time.Now()
			err = p.Send(context.Background(), auth.Message{To: tt.to, Code: "123456", Body: "code 123456", ExpiresAt: time.Now().Add(time.Minute)})
			wantKind(t, err, tt.want, "url-secret", "123456", f.Secret)
			var e *sms.Error
			if !errors.As(err, &e) || e.Status != tt.status {
				t.Fatalf("err = %#v, want HTTP %d", err, tt.status)
			}
			if time.Since(start) > shortTimeout+time.Second {
				t.Fatalf("took %s with a timeout of %s", time.Since(start), shortTimeout)
			}
			if len(f.Deliveries()) != before {
				t.Fatal("the receiver accepted a failed delivery")
			}
		})
	}
}

func TestVerifyWebhook(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Unix(1_900_000_000, 0)
	body := []byte(`{"to":"+12015550100","code":"123456"}`)
	sign := func(ts int64, b []byte) http.Header {
		h := http.Header{}
		s := strconv.FormatInt(ts, 10)
		h.Set(sms.HeaderTimestamp, s)
		h.Set(sms.HeaderSignature, sms.SignWebhook(secret, s, b))
		return h
	}
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		want   error
	}{
		{"good", sign(now.Unix(), body), body, nil},
		{"four minutes old", sign(now.Add(-4*time.Minute).Unix(), body), body, nil},
		{"six minutes old", sign(now.Add(-6*time.Minute).Unix(), body), body, sms.ErrWebhookStale},
		{"from the future", sign(now.Add(6*time.Minute).Unix(), body), body, sms.ErrWebhookStale},
		{"body changed", sign(now.Unix(), body), []byte(`{"to":"+12015550101","code":"123456"}`), sms.ErrWebhookSignature},
		{"no timestamp", http.Header{sms.HeaderSignature: {sms.SignWebhook(secret, "", body)}}, body, sms.ErrWebhookStale},
		{"no signature", http.Header{sms.HeaderTimestamp: {strconv.FormatInt(now.Unix(), 10)}}, body, sms.ErrWebhookSignature},
		{"timestamp moved", func() http.Header {
			h := sign(now.Add(-time.Hour).Unix(), body)
			h.Set(sms.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
			return h
		}(), body, sms.ErrWebhookSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sms.VerifyWebhook(secret, tt.header, tt.body, now, sms.DefaultWebhookTolerance)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
