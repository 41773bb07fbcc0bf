package sms_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

const (
	alicePhone = "+12015550100"
	frPhone    = "+33612345678"
	landline   = "+12015550111"
)

// shortTimeout is the provider timeout of the timeout cases; the fakes
// hang for far longer.
const shortTimeout = 300 * time.Millisecond

func twilioConfig(f *fakesms.Twilio) sms.TwilioConfig {
	return sms.TwilioConfig{
		AccountSID: f.AccountSID, AuthToken: f.AuthToken,
		From: "+12015550199", VerifyServiceSID: f.VerifyServiceSID,
		BaseURL: f.URL, Timeout: 5 * time.Second,
	}
}

func newFakeTwilio(t *testing.T) *fakesms.Twilio {
	return fakesms.NewTwilio(t, fakesms.TwilioOptions{
		From:             []string{"+12015550199"},
		Landlines:        []string{landline},
		BlockedCountries: []string{"FR"},
	})
}

// wantKind asserts that err matches sentinel and, for failures, that its
// text gives away neither the number nor the credentials.
func wantKind(t *testing.T, err, sentinel error, secrets ...string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want one matching %v", err, sentinel)
	}
	for _, s := range append(secrets, alicePhone, frPhone, landline) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error text %q shows %q", err, s)
		}
	}
}

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
		unsure  bool // a timeout: the message may have gone out
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
		{name: "connection dropped", to: alicePhone, fail: &fakesms.Failure{Drop: true}, want: auth.ErrSMSFailed},
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
			if len(f.Messages()) != before {
				t.Fatal("a message was recorded for a failed send")
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

func TestTwilioVerifyFlow(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t)
	p, err := sms.NewTwilioVerify(twilioConfig(f))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
	if err != nil {
		t.Fatalf("StartVerification: %v", err)
	}
	vs := f.Verifications()
	if len(vs) != 1 || vs[0].SID != ref || vs[0].Channel != "sms" || vs[0].To != alicePhone {
		t.Fatalf("ref %q, verifications %+v", ref, vs)
	}
	code := f.Code(alicePhone)
	if ok, err := p.CheckCode(ctx, ref, alicePhone, wrongCode(code)); ok || err != nil {
		t.Fatalf("wrong code: %v, %v", ok, err)
	}
	if ok, err := p.CheckCode(ctx, ref, alicePhone, code); !ok || err != nil {
		t.Fatalf("right code: %v, %v", ok, err)
	}
	// Approved: the verification is gone (Twilio answers 20404).
	_, err = p.CheckCode(ctx, ref, alicePhone, code)
	wantKind(t, err, auth.ErrOTPExpired)
}

func TestTwilioVerifyLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("five wrong checks end the verification", func(t *testing.T) {
		f := newFakeTwilio(t)
		p, _ := sms.NewTwilioVerify(twilioConfig(f))
		ref, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
		if err != nil {
			t.Fatal(err)
		}
		code := f.Code(alicePhone)
		for i := 0; i < 5; i++ {
			if ok, err := p.CheckCode(ctx, ref, alicePhone, wrongCode(code)); ok || err != nil {
				t.Fatalf("wrong code %d: %v, %v", i+1, ok, err)
			}
		}
		_, err = p.CheckCode(ctx, ref, alicePhone, code)
		wantKind(t, err, auth.ErrOTPExpired)
		// Canceling lets the next verification start afresh.
		if err := p.CancelVerification(ctx, ref); err != nil {
			t.Fatalf("CancelVerification: %v", err)
		}
		ref2, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
		if err != nil || ref2 == ref {
			t.Fatalf("after cancel: ref %q (old %q), %v", ref2, ref, err)
		}
		if ok, err := p.CheckCode(ctx, ref2, alicePhone, f.Code(alicePhone)); !ok || err != nil {
			t.Fatalf("new verification: %v, %v", ok, err)
		}
		if err := p.CancelVerification(ctx, ref2); err != nil {
			t.Fatalf("canceling an approved verification: %v", err)
		}
	})
	t.Run("a sixth send to one number is rate limited", func(t *testing.T) {
		f := newFakeTwilio(t)
		p, _ := sms.NewTwilioVerify(twilioConfig(f))
		var first string
		for i := 0; i < 5; i++ {
			ref, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
			if err != nil {
				t.Fatalf("send %d: %v", i+1, err)
			}
			if first == "" {
				first = ref
			} else if ref != first {
				t.Fatalf("resend within ten minutes made a new verification %q, want %q", ref, first)
			}
		}
		_, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
		wantKind(t, err, auth.ErrRateLimited)
		var rl *auth.RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != 10*time.Minute {
			t.Fatalf("err = %v, want a RateLimitError of 10m", err)
		}
	})
}

func TestTwilioVerifyFailures(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t)
	tests := []struct {
		name string
		to   string
		edit func(*sms.TwilioConfig)
		fail *fakesms.Failure
		want error
		code int
	}{
		{name: "wrong credentials", to: alicePhone, edit: func(c *sms.TwilioConfig) { c.AuthToken = "0123456789abcdef0123456789abcdef" }, want: auth.ErrSMSFailed, code: 20003},
		{name: "unknown service", to: alicePhone, edit: func(c *sms.TwilioConfig) { c.VerifyServiceSID = "VA00000000000000000000000000000000" }, want: auth.ErrSMSFailed, code: 20404},
		{name: "invalid number", to: "+1555", want: auth.ErrInvalidPhone, code: 60200},
		{name: "landline", to: landline, want: auth.ErrInvalidPhone, code: 60205},
		{name: "blocked country", to: frPhone, want: auth.ErrInvalidPhone, code: 60605},
		{name: "503", to: alicePhone, fail: &fakesms.Failure{Status: 503, Code: 20503, Message: "Service Unavailable"}, want: auth.ErrSMSFailed, code: 20503},
		{name: "timeout", to: alicePhone, edit: func(c *sms.TwilioConfig) { c.Timeout = shortTimeout }, fail: &fakesms.Failure{Delay: 10 * time.Second}, want: auth.ErrSMSFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := twilioConfig(f)
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			p, err := sms.NewTwilioVerify(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tt.fail != nil {
				f.FailNext(*tt.fail)
			}
			_, err = p.StartVerification(ctx, auth.Message{To: tt.to})
			wantKind(t, err, tt.want, cfg.AuthToken)
			var e *sms.Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("err = %#v, want code %d", err, tt.code)
			}
		})
	}
	t.Run("check fails when Twilio does", func(t *testing.T) {
		p, _ := sms.NewTwilioVerify(twilioConfig(f))
		ref, err := p.StartVerification(ctx, auth.Message{To: "+12015550102"})
		if err != nil {
			t.Fatal(err)
		}
		f.FailNext(fakesms.Failure{Status: 500, Code: 20500})
		_, err = p.CheckCode(ctx, ref, "+12015550102", "123456")
		wantKind(t, err, auth.ErrSMSFailed)
	})
}

func TestTwilioConcurrentChecksApproveOnce(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t)
	p, _ := sms.NewTwilioVerify(twilioConfig(f))
	ref, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
	if err != nil {
		t.Fatal(err)
	}
	code := f.Code(alicePhone)
	var wg sync.WaitGroup
	var mu sync.Mutex
	right := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := p.CheckCode(ctx, ref, alicePhone, code); ok {
				mu.Lock()
				right++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if right != 1 {
		t.Fatalf("%d checks approved, want exactly 1", right)
	}
}

func TestNewTwilioRefusesBadConfig(t *testing.T) {
	good := sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef", From: "+12015550199", VerifyServiceSID: "VA0123456789abcdef0123456789abcdef"}
	tests := []struct {
		name string
		edit func(*sms.TwilioConfig)
	}{
		{"no token", func(c *sms.TwilioConfig) { c.AuthToken = "" }},
		{"token with symbols", func(c *sms.TwilioConfig) { c.AuthToken = "abc-def" }},
		{"base url without scheme", func(c *sms.TwilioConfig) { c.BaseURL = "api.twilio.com" }},
		{"no sender", func(c *sms.TwilioConfig) { c.From = ""; c.VerifyServiceSID = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			_, err1 := sms.NewTwilioMessaging(c)
			_, err2 := sms.NewTwilioVerify(c)
			if err1 == nil && err2 == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// wrongCode returns a code of the same length that is not code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// TestTwilioToleratesOddSuccessBodies checks that a 2xx answer twilio-go
// cannot decode (a number where it wants a string, a date in another
// format) still counts as done: the SMS went out, and reporting a failure
// would make the person ask for a second one.
func TestTwilioToleratesOddSuccessBodies(t *testing.T) {
	ctx := context.Background()
	odd := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/Messages.json"):
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"sid":"SM1","status":"queued","num_segments":1}`))
		case strings.HasSuffix(r.URL.Path, "/Verifications"):
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"sid":"VE1","status":"pending","date_created":"Thu, 30 Jul 2015 20:00:00 +0000"}`))
		case strings.HasSuffix(r.URL.Path, "/VerificationCheck"):
			r.ParseForm()
			status := "pending"
			if r.PostForm.Get("Code") == "123456" {
				status = "approved"
			}
			w.Write([]byte(`{"sid":"VE1","status":"` + status + `","valid":` + strconv.FormatBool(status == "approved") + `,"date_created":"yesterday"}`))
		}
	}))
	cfg := sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef",
		From: "+12015550199", VerifyServiceSID: "VA0123456789abcdef0123456789abcdef", BaseURL: odd}
	m, _ := sms.NewTwilioMessaging(cfg)
	if err := m.Send(ctx, auth.Message{To: alicePhone, Body: "x"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	v, _ := sms.NewTwilioVerify(cfg)
	ref, err := v.StartVerification(ctx, auth.Message{To: alicePhone})
	if err != nil || ref != "VE1" {
		t.Fatalf("StartVerification: %q, %v", ref, err)
	}
	if ok, err := v.CheckCode(ctx, ref, alicePhone, "654321"); ok || err != nil {
		t.Fatalf("wrong code: %v, %v", ok, err)
	}
	if ok, err := v.CheckCode(ctx, ref, alicePhone, "123456"); !ok || err != nil {
		t.Fatalf("right code: %v, %v", ok, err)
	}
}

// TestTwilioAPIKey sends and verifies with an API key instead of the auth
// token: the key's SID and secret authenticate, the account SID still
// names the account in the paths.
func TestTwilioAPIKey(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t)
	withKey := func(secret string) sms.TwilioConfig {
		cfg := twilioConfig(f)
		cfg.AuthToken, cfg.APIKeySID, cfg.APIKeySecret = "", f.APIKeySID, secret
		return cfg
	}
	m, err := sms.NewTwilioMessaging(withKey(f.APIKeySecret))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(ctx, auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"}); err != nil {
		t.Fatalf("Send with an API key: %v", err)
	}
	if n := len(f.Messages()); n != 1 {
		t.Fatalf("%d messages at the fake, want 1", n)
	}
	v, err := sms.NewTwilioVerify(withKey(f.APIKeySecret))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := v.StartVerification(ctx, auth.Message{To: alicePhone})
	if err != nil {
		t.Fatalf("StartVerification with an API key: %v", err)
	}
	if ok, err := v.CheckCode(ctx, ref, alicePhone, f.Code(alicePhone)); !ok || err != nil {
		t.Fatalf("CheckCode with an API key: %v, %v", ok, err)
	}

	wrong, err := sms.NewTwilioMessaging(withKey("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	err = wrong.Send(ctx, auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"})
	wantKind(t, err, auth.ErrSMSFailed, f.APIKeySecret)

	both := withKey(f.APIKeySecret)
	both.AuthToken = f.AuthToken
	if _, err := sms.NewTwilioMessaging(both); err == nil {
		t.Error("an auth token and an API key together were accepted")
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
