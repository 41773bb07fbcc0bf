package sms_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
)

// textAnswer is a transport that answers every request with status and
// body.
type textAnswer struct {
	status int
	body   string
}

func (a textAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: a.status, Status: http.StatusText(a.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(strings.NewReader(a.body)),
		Request: r, ContentLength: int64(len(a.body)),
	}, nil
}

// TestProviderTextInErrorsIsBounded: the text a provider's answer holds
// (a verification's status or reason, a documentation link, a
// reference) reaches an error, and so the logs, cut to 160 bytes and on
// one line (docs/contract.md, "SMS
// delivery"). Before, a broken or hostile provider's 2xx answer with a
// status of a megabyte put that megabyte, new lines included, in every
// log line of a failed check.
func TestProviderTextInErrorsIsBounded(t *testing.T) {
	ctx := context.Background()
	long := "line one\nline two\u202e" + strings.Repeat("x", 100_000)
	twilio := sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef",
		VerifyServiceSID: "VA0123456789abcdef0123456789abcdef"}
	twilioCheck := func(rt http.RoundTripper) error {
		cfg := twilio
		cfg.Transport = rt
		p, _ := sms.NewTwilioVerify(cfg)
		_, err := p.CheckCode(ctx, "VE0123456789abcdef0123456789abcdef", alicePhone, "123456")
		return err
	}
	sinchCheck := func(rt http.RoundTripper) error {
		p, _ := sms.NewSinch(sms.SinchConfig{KeyID: "key", KeySecret: "c2VjcmV0", Transport: rt})
		_, err := p.CheckCode(ctx, "0123456789", alicePhone, "1234")
		return err
	}
	q := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "\n", `\n`), "\u202e", `\u202e`)
	}
	for _, tc := range []struct {
		name   string
		call   func(http.RoundTripper) error
		answer textAnswer
	}{
		{"twilio check, 200 with a status", twilioCheck, textAnswer{200, `{"sid":"VE0123456789abcdef0123456789abcdef","status":"` + q(long) + `","valid":false}`}},
		{"twilio check, 404 with more_info", twilioCheck, textAnswer{404, `{"code":20404,"message":"Not found","more_info":"` + q(long) + `","status":404}`}},
		{"sinch check, 200 DENIED with a reason", sinchCheck, textAnswer{200, `{"id":"0123456789","status":"DENIED","reason":"` + q(long) + `"}`}},
		{"sinch check, 200 with a status", sinchCheck, textAnswer{200, `{"id":"0123456789","status":"` + q(long) + `"}`}},
		{"sinch check, 500 with a reference", sinchCheck, textAnswer{500, `{"errorCode":50000,"message":"x","reference":"` + q(long) + `"}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(tc.answer)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, "line one") {
				t.Errorf("the provider's text is not in the error at all: %.200q", msg)
			}
			if len(msg) > 400 || strings.ContainsAny(msg, "\n\u202e") {
				t.Errorf("error of %d bytes, want at most 400 on one line: %.300q", len(msg), msg)
			}
			if !errors.Is(err, auth.ErrSMSFailed) && !errors.Is(err, auth.ErrOTPExpired) {
				t.Errorf("err = %.200v, matches no auth sentinel", err)
			}
		})
	}
}
