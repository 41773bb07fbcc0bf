package sms_test

// Tests of TwilioMessaging: sends, failures and their kinds, abandoned
// requests, a base URL with a path, and Retry-After.

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

func TestTwilioMessagingSends(t *testing.T) {
	f := newFakeTwilio(t)
	tests := []struct {
		name          string
		from, service string
	}{
		{"from a number", "+12015550199", ""},
		{"through a messaging service", "", f.MessagingServiceSID},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := twilioConfig(f)
			cfg.From, cfg.MessagingServiceSID = tt.from, tt.service
			p, err := sms.NewTwilioMessaging(cfg)
			if err != nil {
				t.Fatal(err)
			}
			body := "Your Gatehouse code is 123456."
			if err := p.Send(context.Background(), auth.Message{To: alicePhone, Code: "123456", Body: body}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := f.Messages()
			if len(msgs) != i+1 {
				t.Fatalf("%d messages at the fake, want %d", len(msgs), i+1)
			}
			m := msgs[i]
			if m.To != alicePhone || m.Body != body || m.From != tt.from || m.MessagingServiceSID != tt.service {
				t.Fatalf("Twilio got %+v", m)
			}
		})
	}
}

func TestTwilioMessagingFailures(t *testing.T) {
	f := newFakeTwilio(t)
	tests := []struct {
		name    string
		to      string
		fail    *fakesms.Failure
		edit    func(*sms.TwilioConfig)
		want    error
		code    int
		unsure  bool // a timeout or a lost answer: the message may have gone out
		sent    bool // the fake sent it (its answer was lost)
		maxTime time.Duration
	}{
		{name: "wrong auth token", to: alicePhone, edit: func(c *sms.TwilioConfig) { c.AuthToken = "0123456789abcdef0123456789abcdef" }, want: auth.ErrSMSFailed, code: 20003},
		{name: "not a number", to: "+1555", want: auth.ErrInvalidPhone, code: 21211},
		{name: "landline", to: landline, want: auth.ErrInvalidPhone, code: 21614},
		{name: "country without geo permission", to: frPhone, want: auth.ErrCountryNotAllowed, code: 21408},
		{name: "opted out (replied STOP)", to: alicePhone, fail: &fakesms.Failure{Status: 400, Code: 21610, Message: "Attempt to send to unsubscribed recipient"}, want: auth.ErrOptedOut, code: 21610},
		{name: "sender not on the account", to: alicePhone, edit: func(c *sms.TwilioConfig) { c.From = "+12015550198" }, want: auth.ErrSMSFailed, code: 21606},
		{name: "500", to: alicePhone, fail: &fakesms.Failure{Status: 500, Code: 20500, Message: "Internal Server Error"}, want: auth.ErrSMSFailed, code: 20500},
		{name: "503 from a proxy, not JSON", to: alicePhone, fail: &fakesms.Failure{Status: 503, Body: "<html>Service Unavailable</html>"}, want: auth.ErrSMSFailed},
		{name: "429 too many requests", to: alicePhone, fail: &fakesms.Failure{Status: 429, Code: 20429, Message: "Too Many Requests", Header: http.Header{"Retry-After": {"120"}}}, want: auth.ErrRateLimited, code: 20429},
		// The request reached Twilio whole: whether it was sent before the
		// connection dropped cannot be told, so the send may have gone out.
		{name: "connection dropped", to: alicePhone, fail: &fakesms.Failure{Drop: true}, want: auth.ErrSMSFailed, unsure: true},
		{name: "answer cut short after the send", to: alicePhone, fail: &fakesms.Failure{After: true}, want: auth.ErrSMSFailed, unsure: true, sent: true},
		{name: "unreachable", to: alicePhone, edit: func(c *sms.TwilioConfig) { c.BaseURL = "http://127.0.0.1:1" }, want: auth.ErrSMSFailed},
		{name: "timeout", to: alicePhone, fail: &fakesms.Failure{Delay: 10 * time.Second}, edit: func(c *sms.TwilioConfig) { c.Timeout = shortTimeout },
			want: auth.ErrSMSFailed, unsure: true, maxTime: shortTimeout + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := twilioConfig(f)
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			p, err := sms.NewTwilioMessaging(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tt.fail != nil {
				f.FailNext(*tt.fail)
			}
			before := len(f.Messages())
			start := time.Now()
			err = p.Send(context.Background(), auth.Message{To: tt.to, Code: "123456", Body: "code 123456"})
			wantKind(t, err, tt.want, cfg.AuthToken, f.AuthToken)
			var e *sms.Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("err = %#v, want an *sms.Error with code %d", err, tt.code)
			}
			if got := auth.DeliveryUncertain(err); got != tt.unsure {
				t.Fatalf("DeliveryUncertain = %v, want %v", got, tt.unsure)
			}
			if tt.maxTime > 0 && time.Since(start) > tt.maxTime {
				t.Fatalf("gave up after %s, want within %s", time.Since(start), tt.maxTime)
			}
			if sent := len(f.Messages()) != before; sent != tt.sent {
				t.Fatalf("the fake sent the message: %v, want %v", sent, tt.sent)
			}
		})
	}
}

func TestTwilioDoesNothingForAnAbandonedRequest(t *testing.T) {
	f := newFakeTwilio(t)
	p, err := sms.NewTwilioMessaging(twilioConfig(f))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Send(ctx, auth.Message{To: alicePhone, Body: "x"}); !errors.Is(err, auth.ErrSMSFailed) {
		t.Fatalf("err = %v", err)
	}
	if n := len(f.Requests()); n != 0 {
		t.Fatalf("%d requests reached Twilio for a canceled context", n)
	}
}

func TestTwilioBaseURLWithPath(t *testing.T) {
	f := newFakeTwilio(t)
	// A reverse proxy mounting Twilio under /twilio/.
	proxy := http.StripPrefix("/twilio", f)
	srv := newServer(t, proxy)
	cfg := twilioConfig(f)
	cfg.BaseURL = srv + "/twilio/"
	p, err := sms.NewTwilioMessaging(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Send(context.Background(), auth.Message{To: alicePhone, Body: "hello 1"}); err != nil {
		t.Fatalf("Send through a base URL with a path: %v", err)
	}
}

// TestTwilioRetryAfterKept: Twilio's 429 keeps its Retry-After, so the
// gateway waits as long as Twilio asked (and gives the quota nothing
// back: a refused send is not a failed one).
func TestTwilioRetryAfterKept(t *testing.T) {
	f := newFakeTwilio(t)
	p, err := sms.NewTwilioMessaging(twilioConfig(f))
	if err != nil {
		t.Fatal(err)
	}
	f.FailNext(fakesms.Failure{Status: 429, Code: 20429, Message: "Too Many Requests", Header: http.Header{"Retry-After": {"120"}}})
	err = p.Send(context.Background(), auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"})
	var rl *auth.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Minute || errors.Is(err, auth.ErrSMSFailed) {
		t.Fatalf("err = %v, want a rate limit of Twilio's 120 s, not an SMS failure", err)
	}
}
