package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

func TestOTPAllowedCountries(t *testing.T) {
	ctx := auth.WithRequester(context.Background(), auth.Requester{IP: "192.0.2.1"})
	f := newOTP(t, func(c *auth.OTPConfig) {
		c.AllowedCountries = []string{"us", "CA"}
		c.MaxSendsPerIP, c.IPSendWindow = 2, time.Hour
	})
	for _, start := range []func() error{
		func() error { _, err := f.otp.Start(ctx, "alice", "+33612345678", "login"); return err },
		func() error { _, err := f.otp.StartDecoy(ctx, "+33612345679", "login"); return err },
		func() error { _, err := f.otp.Start(ctx, "alice", "+442071838750", "login"); return err },
	} {
		err := start()
		if !errors.Is(err, auth.ErrCountryNotAllowed) || !errors.Is(err, auth.ErrInvalidPhone) {
			t.Fatalf("err = %v, want ErrCountryNotAllowed", err)
		}
	}
	if f.sender.count() != 0 {
		t.Fatal("a code went to a country that is not allowed")
	}
	// A decoy that stands for no number at all (a reset for an unknown
	// name) has no country to refuse: it must look like a real send.
	if _, err := f.otp.StartDecoy(ctx, "reset:nobody", "reset"); err != nil {
		t.Fatalf("decoy without a number: %v", err)
	}
	// The refused numbers took nothing from the client's quota.
	if _, err := f.otp.Start(ctx, "alice", "+12015550100", "login"); err != nil {
		t.Fatalf("US number: %v", err)
	}
}

// TestNoticesGoWhereCodesMay: a notice (the old number's "your phone
// was changed") goes only where a code may: not to a country outside
// otp.allowed_countries, nor to a number of no country, nor of a kind
// not allowed. Before, Notify sent to any number, past every check.
func TestNoticesGoWhereCodesMay(t *testing.T) {
	f := newOTP(t, func(c *auth.OTPConfig) {
		c.AllowedCountries = []string{"US"}
		c.AllowedNumberTypes = []string{"mobile", "fixed_line_or_mobile"}
	})
	ctx := context.Background()
	for _, tc := range []struct {
		name, to string
		sent     bool
	}{
		{"a country not allowed", "+447400123456", false},
		{"a number of no country", "+881631234567", false},
		{"a premium-rate number of an allowed country", "+19005550100", false},
		{"an allowed number", "+12015550100", true},
	} {
		before := f.sender.count()
		err := f.otp.Notify(ctx, tc.to, "Your phone was changed.")
		if sent := f.sender.count() > before; sent != tc.sent || (err == nil) != tc.sent {
			t.Errorf("%s: sent %v, err %v; want sent %v", tc.name, sent, err, tc.sent)
		}
		if !tc.sent && !errors.Is(err, auth.ErrInvalidPhone) {
			t.Errorf("%s: err %v, want the number refused", tc.name, err)
		}
	}
}

func TestOTPPerIPQuota(t *testing.T) {
	f := newOTP(t, func(c *auth.OTPConfig) { c.MaxSendsPerIP, c.IPSendWindow = 3, time.Hour })
	ip1 := auth.WithRequester(context.Background(), auth.Requester{IP: "192.0.2.1"})
	ip2 := auth.WithRequester(context.Background(), auth.Requester{IP: "2001:db8::1"})
	for i, phone := range []string{"+12015550100", "+12015550101"} {
		if _, err := f.otp.Start(ip1, "u", phone, "login"); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
	if _, err := f.otp.StartDecoy(ip1, "+12015550102", "login"); err != nil {
		t.Fatalf("decoy: %v", err)
	}
	_, err := f.otp.Start(ip1, "u", "+12015550103", "login")
	var rl *auth.RateLimitError
	if !errors.As(err, &rl) || rl.Reason != "ip_send_quota" || rl.RetryAfter <= 0 || rl.RetryAfter > time.Hour {
		t.Fatalf("fourth send from one IP: %v, want the per-IP quota", err)
	}
	if _, err := f.otp.StartDecoy(ip1, "+12015550104", "login"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("decoys are limited like real sends: %v", err)
	}
	if _, err := f.otp.Start(ip2, "u", "+12015550103", "login"); err != nil {
		t.Fatalf("another IP: %v", err)
	}
	// IPv6 clients are counted by /64: another address of the same
	// subscriber shares the quota.
	sameNet := auth.WithRequester(context.Background(), auth.Requester{IP: "2001:db8::ffff:1"})
	for i := 0; i < 2; i++ {
		if _, err := f.otp.Start(sameNet, "u", "+12015550106", "login"); err != nil {
			t.Fatalf("send %d from the /64: %v", i+2, err)
		}
	}
	if _, err := f.otp.Start(sameNet, "u", "+12015550107", "login"); !errors.Is(err, auth.ErrRateLimited) {
		t.Fatalf("fourth send from one /64: %v, want rate limited", err)
	}
	f.clock.Advance(time.Hour + time.Second)
	if _, err := f.otp.Start(ip1, "u", "+12015550105", "login"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestOTPFailedSendsGiveTheQuotaBack(t *testing.T) {
	ip := auth.WithRequester(context.Background(), auth.Requester{IP: "192.0.2.1"})
	timeout := fmt.Errorf("provider: %w: %w", auth.ErrSMSFailed, context.DeadlineExceeded)
	tests := []struct {
		name     string
		fail     error
		refunded bool
	}{
		{"provider down", fmt.Errorf("provider: 503: %w", auth.ErrSMSFailed), true},
		{"timeout, may have been sent", timeout, false},
		{"answer lost after the provider took it", fmt.Errorf("provider: %w: %w", auth.ErrSMSFailed, auth.ErrDeliveryUncertain), false},
		{"number refused", fmt.Errorf("provider: 21211: %w", auth.ErrInvalidPhone), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOTP(t, func(c *auth.OTPConfig) { c.MaxSends = 2; c.MaxSendsPerIP, c.IPSendWindow = 2, time.Hour })
			f.sender.fail = tt.fail
			for i := 0; i < 2; i++ {
				if _, err := f.otp.Start(ip, "alice", "+12015550100", "login"); !errors.Is(err, tt.fail) {
					t.Fatalf("failing send %d: %v", i+1, err)
				}
			}
			f.sender.fail = nil
			_, err := f.otp.Start(ip, "alice", "+12015550100", "login")
			if tt.refunded && err != nil {
				t.Fatalf("after two failed sends: %v, want the quota back", err)
			}
			if !tt.refunded && !errors.Is(err, auth.ErrRateLimited) {
				t.Fatalf("after two sends that count: %v, want rate limited", err)
			}
		})
	}
}

func TestOTPQuotaHoldsUnderConcurrency(t *testing.T) {
	f := newOTP(t, func(c *auth.OTPConfig) { c.MaxSends = 5 })
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, limited := 0, 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, auth.ErrRateLimited):
				limited++
			}
		}()
	}
	wg.Wait()
	if ok != 5 || limited != 15 || f.sender.count() != 5 {
		t.Fatalf("%d sent, %d limited, %d SMS: want 5, 15, 5", ok, limited, f.sender.count())
	}
}

func TestOTPResendFailureKeepsTheOldCode(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, nil)
	ch, _ := f.otp.Start(ctx, "alice", "+12015550100", "login")
	code := sentCode(t, f.sender)
	f.clock.Advance(31 * time.Second)
	f.sender.fail = fmt.Errorf("provider: %w", auth.ErrSMSFailed)
	if _, err := f.otp.Resend(ctx, ch.ID); !errors.Is(err, auth.ErrSMSFailed) {
		t.Fatalf("resend: %v", err)
	}
	f.sender.fail = nil
	if _, err := f.otp.Verify(ctx, ch.ID, code); err != nil {
		t.Fatalf("the first code stopped working after a failed resend: %v", err)
	}
}

func TestOTPWebOTPLine(t *testing.T) {
	tests := []struct {
		name, domain, host, want string
	}{
		{"off", "", "crm.example.com", ""},
		{"public host", "auth.example.com", "", "@auth.example.com #"},
		{"portal host", "auth.example.com", "crm.example.com", "@crm.example.com #"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOTP(t, func(c *auth.OTPConfig) { c.WebOTPDomain = tt.domain })
			ctx := auth.WithRequester(context.Background(), auth.Requester{Host: tt.host})
			if _, err := f.otp.Start(ctx, "alice", "+12015550100", "login"); err != nil {
				t.Fatal(err)
			}
			m := f.sender.last(t)
			lines := strings.Split(m.Body, "\n")
			last := lines[len(lines)-1]
			if tt.want == "" {
				if strings.Contains(m.Body, "@") || len(lines) != 1 {
					t.Fatalf("body %q has a WebOTP line", m.Body)
				}
				return
			}
			if last != tt.want+m.Code || !strings.HasPrefix(m.Body, "Your Acme code is "+m.Code+".") {
				t.Fatalf("body %q: last line %q, want %q", m.Body, last, tt.want+m.Code)
			}
		})
	}
}

// slowSender takes d per message, like a provider over the network.
type slowSender struct {
	recordingSender
	d time.Duration
}

func (s *slowSender) Send(ctx context.Context, m auth.Message) error {
	time.Sleep(s.d)
	return s.recordingSender.Send(ctx, m)
}

func TestOTPDecoyTakesAsLongAsASend(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, nil)
	s := &slowSender{d: 120 * time.Millisecond}
	o := auth.NewOTP(f.store, s, []byte("0123456789abcdef0123456789abcdef"), f.otp.Config(), f.clock, nil)
	if _, err := o.Start(ctx, "alice", "+12015550100", "login"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := o.StartDecoy(ctx, "+12015550199", "login"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("a decoy took %s, a real send %s: unknown numbers would show", d, s.d)
	}
}
