package sms_test

// Tests of answers a broken or hostile provider (or a proxy in front of
// it) may give: huge bodies, redirects, absurd Retry-After values, and
// references that are not a provider's ids.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// hugeBody is the size of the error bodies of TestProviderErrorBodiesAreBounded:
// far beyond what a provider call may read.
const hugeBody = 32 << 20

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// hugeAnswer is a transport that answers every request with status and a
// JSON object holding one string of hugeBody bytes, counting what the
// client read of it.
type hugeAnswer struct {
	status int
	read   *atomic.Int64
}

func (h hugeAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	body := io.MultiReader(strings.NewReader(`{"code":20500,"errorCode":50000,"message":"`),
		io.LimitReader(repeatReader('a'), hugeBody), strings.NewReader(`"}`))
	return &http.Response{
		StatusCode: h.status, Status: http.StatusText(h.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(countingReader{body, h.read}),
		Request: r, ContentLength: -1,
	}, nil
}

// repeatReader is an endless stream of one byte.
type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestProviderErrorBodiesAreBounded: a provider (or a proxy) answering an
// error with an endless body must not make Gatehouse read it all: a call
// reads at most about 1 MiB of any answer (docs/contract.md, "SMS
// delivery"). Twilio's error answers went whole to twilio-go's decoder.
func TestProviderErrorBodiesAreBounded(t *testing.T) {
	ctx := context.Background()
	const limit = 2 << 20
	for _, status := range []int{http.StatusInternalServerError, http.StatusOK} {
		calls := map[string]func(rt http.RoundTripper) error{
			"twilio_messaging send": func(rt http.RoundTripper) error {
				p, _ := sms.NewTwilioMessaging(sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef", From: "+12015550199", Transport: rt})
				return p.Send(ctx, auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"})
			},
			"twilio_verify check": func(rt http.RoundTripper) error {
				p, _ := sms.NewTwilioVerify(sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef", VerifyServiceSID: "VA0123456789abcdef0123456789abcdef", Transport: rt})
				ok, err := p.CheckCode(ctx, "VE0123456789abcdef0123456789abcdef", alicePhone, "123456")
				if ok {
					t.Error("a huge answer approved a code")
				}
				return err
			},
			"sinch check": func(rt http.RoundTripper) error {
				p, _ := sms.NewSinch(sms.SinchConfig{KeyID: "key", KeySecret: "c2VjcmV0", Transport: rt})
				ok, err := p.CheckCode(ctx, "0123456789", alicePhone, "1234")
				if ok {
					t.Error("a huge answer approved a code")
				}
				return err
			},
			"webhook send": func(rt http.RoundTripper) error {
				p, _ := sms.NewWebhook(sms.WebhookConfig{URL: "http://hook.invalid/sms", Secret: "s", Transport: rt})
				return p.Send(ctx, auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"})
			},
		}
		for name, call := range calls {
			t.Run(http.StatusText(status)+"/"+name, func(t *testing.T) {
				var read atomic.Int64
				err := call(hugeAnswer{status: status, read: &read})
				if status != http.StatusOK && !errors.Is(err, auth.ErrSMSFailed) {
					t.Errorf("err = %v, want ErrSMSFailed", err)
				}
				if n := read.Load(); n > limit {
					t.Fatalf("read %d bytes of the answer, want at most %d", n, limit)
				}
			})
		}
	}
}

// TestTwilioRedirectIsNoAnswer: a Twilio call answered with a redirect
// (a captive proxy, a moved base_url) is a failure, whatever its body
// says: twilio-go takes a 3xx as success and decoded its body, so a
// redirect saying "approved" approved the code and one with any JSON body
// counted as a message sent. Nothing is sent where it points.
func TestTwilioRedirectIsNoAnswer(t *testing.T) {
	ctx := context.Background()
	var followed atomic.Int64
	elsewhere := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { followed.Add(1) }))
	redirect := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", elsewhere+r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusFound)
		switch {
		case strings.HasSuffix(r.URL.Path, "/Messages.json"):
			w.Write([]byte(`{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}`))
		case strings.HasSuffix(r.URL.Path, "/VerificationCheck"):
			w.Write([]byte(`{"sid":"VE0123456789abcdef0123456789abcdef","status":"approved","valid":true}`))
		default:
			w.Write([]byte(`{"sid":"VE0123456789abcdef0123456789abcdef","status":"pending"}`))
		}
	}))
	cfg := sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef",
		From: "+12015550199", VerifyServiceSID: "VA0123456789abcdef0123456789abcdef", BaseURL: redirect}
	m, _ := sms.NewTwilioMessaging(cfg)
	err := m.Send(ctx, auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"})
	wantKind(t, err, auth.ErrSMSFailed, cfg.AuthToken)
	if errors.Is(err, auth.ErrDeliveryUncertain) {
		t.Errorf("a redirect (a refusal, as Sinch's and the webhook's) kept its quota: %v", err)
	}
	v, _ := sms.NewTwilioVerify(cfg)
	_, err = v.StartVerification(ctx, auth.Message{To: alicePhone})
	wantKind(t, err, auth.ErrSMSFailed, cfg.AuthToken)
	ok, err := v.CheckCode(ctx, "VE0123456789abcdef0123456789abcdef", alicePhone, "123456")
	if ok {
		t.Fatal("a redirect approved the code")
	}
	wantKind(t, err, auth.ErrSMSFailed, cfg.AuthToken)
	if n := followed.Load(); n != 0 {
		t.Fatalf("%d requests followed the redirect", n)
	}
}

// TestProviderRetryAfterIsBounded: a provider's Retry-After stops sends
// for at most sms.MaxRetryAfter. Twilio's 20429 stops every send of the
// gateway (the provider back-off) for as long as it says: a broken or
// hostile answer of ten years stopped them for ten years, and past
// 292 years the wait wrapped around.
func TestProviderRetryAfterIsBounded(t *testing.T) {
	ctx := context.Background()
	for _, secs := range []string{"315360000", "99999999999"} {
		t.Run("twilio "+secs, func(t *testing.T) {
			f := newFakeTwilio(t)
			p, _ := sms.NewTwilioMessaging(twilioConfig(f))
			f.FailNext(fakesms.Failure{Status: 429, Code: 20429, Header: http.Header{"Retry-After": {secs}}})
			wantRetry(t, p.Send(ctx, auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"}))
		})
		t.Run("sinch "+secs, func(t *testing.T) {
			f, cfg := newFakeSinch(t, nil)
			p, _ := sms.NewSinch(cfg)
			f.FailNext(fakesms.Failure{Status: 429, Code: 42901, Header: http.Header{"Retry-After": {secs}}})
			_, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
			wantRetry(t, err)
		})
	}
}

// wantRetry asserts that err is a RateLimitError asking for a wait of
// more than nothing and at most sms.MaxRetryAfter.
func wantRetry(t *testing.T, err error) {
	t.Helper()
	var rl *auth.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want a RateLimitError", err)
	}
	if rl.RetryAfter <= 0 || rl.RetryAfter > sms.MaxRetryAfter {
		t.Fatalf("RetryAfter = %v, want (0, %v]", rl.RetryAfter, sms.MaxRetryAfter)
	}
}

// TestTwilioVerificationRefStaysInItsPath: the verification SID Twilio
// answers goes into the path of the cancel call, where twilio-go puts it
// unescaped; one that is not letters and digits (a broken answer, a
// proxy's) is refused when it comes back, and never sent.
func TestTwilioVerificationRefStaysInItsPath(t *testing.T) {
	ctx := context.Background()
	const service = "VA0123456789abcdef0123456789abcdef"
	const evil = "VE1/../../../2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json?x="
	var strays atomic.Int64
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "" || !strings.HasPrefix(r.URL.Path, "/v2/Services/"+service+"/Verifications") || strings.Contains(r.URL.Path, "..") {
			strays.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"sid":"` + evil + `","status":"pending"}`))
	}))
	v, _ := sms.NewTwilioVerify(sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef", VerifyServiceSID: service, BaseURL: srv})
	ref, err := v.StartVerification(ctx, auth.Message{To: alicePhone})
	if err == nil {
		t.Fatalf("StartVerification took the reference %q", ref)
	}
	wantKind(t, err, auth.ErrSMSFailed)
	if !errors.Is(err, auth.ErrDeliveryUncertain) {
		t.Errorf("err = %v: the verification may have started, its quota must stay spent", err)
	}
	if err := v.CancelVerification(ctx, evil); err == nil {
		t.Error("CancelVerification of a malformed reference succeeded")
	}
	if n := strays.Load(); n != 0 {
		t.Fatalf("%d requests went outside the verification's path", n)
	}
}

// TestSlowAnswersEndAtTheTimeout: a provider that sends its answer's
// headers at once and then its body a byte at a time (slow loris) holds a
// call no longer than sms.timeout, and approves nothing. (A webhook's
// answer is its 2xx status, whatever follows.)
func TestSlowAnswersEndAtTheTimeout(t *testing.T) {
	ctx := context.Background()
	drip := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for _, b := range []byte(`{"id":"0123456789","sid":"VE0123456789abcdef0123456789abcdef","status":"approved","valid":true}`) {
			w.Write([]byte{b})
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}))
	tw := sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef",
		From: "+12015550199", VerifyServiceSID: "VA0123456789abcdef0123456789abcdef", BaseURL: drip, Timeout: shortTimeout}
	m, _ := sms.NewTwilioMessaging(tw)
	v, _ := sms.NewTwilioVerify(tw)
	s, _ := sms.NewSinch(sms.SinchConfig{KeyID: "key", KeySecret: "c2VjcmV0", BaseURL: drip, Timeout: shortTimeout})
	w, _ := sms.NewWebhook(sms.WebhookConfig{URL: drip + "/sms", Secret: "s", Timeout: shortTimeout})
	msg := auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"}
	calls := map[string]func() (bool, error){
		"twilio_messaging send": func() (bool, error) { return false, m.Send(ctx, msg) },
		"twilio_verify check": func() (bool, error) {
			return v.CheckCode(ctx, "VE0123456789abcdef0123456789abcdef", alicePhone, "123456")
		},
		"sinch check":  func() (bool, error) { return s.CheckCode(ctx, "0123456789", alicePhone, "1234") },
		"webhook send": func() (bool, error) { return false, w.Send(ctx, msg) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			ok, err := call()
			if took := time.Since(start); took > shortTimeout+time.Second {
				t.Fatalf("took %s with a timeout of %s", took, shortTimeout)
			}
			if ok || (err == nil && name != "webhook send") {
				t.Fatalf("a cut answer counted: %v, %v", ok, err)
			}
		})
	}
}
