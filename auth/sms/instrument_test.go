package sms_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
	"github.com/prometheus/client_golang/prometheus"
)

// metricValue returns the value of a counter, or the sample count of a
// histogram, with exactly labels (0 when there is none).
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue next
				}
			}
			if h := m.GetHistogram(); h != nil {
				return float64(h.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestInstrumentKeepsCapabilities(t *testing.T) {
	f := newFakeTwilio(t)
	msg, _ := sms.NewTwilioMessaging(twilioConfig(f))
	ver, _ := sms.NewTwilioVerify(twilioConfig(f))
	s, _ := newFakeSinch(t, nil)
	sin, _ := sms.NewSinch(sms.SinchConfig{KeyID: s.KeyID, KeySecret: s.KeySecret, BaseURL: s.URL})
	tests := []struct {
		name                string
		sender              auth.Sender
		checker, cancelable bool
	}{
		{"twilio_messaging", msg, false, false},
		{"twilio_verify", ver, true, true},
		{"sinch", sin, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := sms.Instrument(tt.sender, tt.name, nil, nil)
			_, isChecker := w.(auth.CodeChecker)
			_, isCanceler := w.(auth.VerificationCanceler)
			if isChecker != tt.checker || isCanceler != tt.cancelable {
				t.Fatalf("wrapped: checker %v canceler %v, want %v %v", isChecker, isCanceler, tt.checker, tt.cancelable)
			}
		})
	}
}

func TestMetricsCountProviderCalls(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t)
	ver, _ := sms.NewTwilioVerify(twilioConfig(f))
	reg := prometheus.NewRegistry()
	m, err := sms.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	p := sms.Instrument(ver, "twilio_verify", m, slog.New(slog.NewJSONHandler(&logs, nil))).(auth.CodeChecker)

	ref, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
	if err != nil {
		t.Fatal(err)
	}
	code := f.Code(alicePhone)
	p.CheckCode(ctx, ref, alicePhone, wrongCode(code))
	p.CheckCode(ctx, ref, alicePhone, code)
	p.StartVerification(ctx, auth.Message{To: "+1555"})
	f.FailNext(fakesms.Failure{Status: 500, Code: 20500})
	p.StartVerification(ctx, auth.Message{To: alicePhone})

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"gatehouse_sms_sent_total", map[string]string{"provider": "twilio_verify"}, 1},
		{"gatehouse_sms_checks_total", map[string]string{"provider": "twilio_verify", "result": "right"}, 1},
		{"gatehouse_sms_checks_total", map[string]string{"provider": "twilio_verify", "result": "wrong"}, 1},
		{"gatehouse_sms_failures_total", map[string]string{"provider": "twilio_verify", "operation": "send", "reason": "invalid_phone"}, 1},
		{"gatehouse_sms_failures_total", map[string]string{"provider": "twilio_verify", "operation": "send", "reason": "failed"}, 1},
		{"gatehouse_sms_request_duration_seconds", map[string]string{"provider": "twilio_verify", "operation": "send"}, 3},
		{"gatehouse_sms_request_duration_seconds", map[string]string{"provider": "twilio_verify", "operation": "check"}, 2},
	}
	for _, tt := range tests {
		if got := metricValue(t, reg, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"phone":"+1 ••• ••• 0100"`) || strings.Contains(out, alicePhone) || strings.Contains(out, code) {
		t.Fatalf("failure log must mask the number and never show the code:\n%s", out)
	}
}
