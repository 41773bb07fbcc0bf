package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// incrLog wraps a store and remembers every key counted with Incr, so a
// test can find a counter without knowing how its name is made.
type incrLog struct {
	auth.Store
	mu   sync.Mutex
	keys []string
}

func (s *incrLog) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.Store.Incr(ctx, key, window)
}

// counted returns the one key counted so far whose name starts with
// prefix.
func (s *incrLog) counted(t *testing.T, prefix string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	found := ""
	for _, k := range s.keys {
		if strings.HasPrefix(k, prefix) && k != found {
			if found != "" {
				t.Fatalf("two counters under %q: %q and %q", prefix, found, k)
			}
			found = k
		}
	}
	if found == "" {
		t.Fatalf("no counter under %q among %q", prefix, s.keys)
	}
	return found
}

// newCountedOTP is newOTP with the store wrapped in an incrLog.
func newCountedOTP(t *testing.T, mod func(*auth.OTPConfig)) (*otpFixture, *incrLog) {
	t.Helper()
	f := newOTP(t, mod)
	log := &incrLog{Store: f.store}
	f.otp = auth.NewOTP(log, f.sender, []byte("0123456789abcdef0123456789abcdef"), f.otp.Config(), f.clock, nil)
	return f, log
}

// corruptCounts are values no Incr writes: each must stop the request
// (ErrStoreUnavailable, a 503) rather than read as a count that lifts a
// limit (fmt.Sscan read them as 0, -5, 12 and 99).
var corruptCounts = []string{"x", "-5", "12abc", "99 junk"}

func TestOTPCorruptAccountFailuresFailClosed(t *testing.T) {
	ctx := context.Background()
	for _, v := range corruptCounts {
		t.Run(v, func(t *testing.T) {
			f, log := newCountedOTP(t, func(c *auth.OTPConfig) { c.MaxAccountFailures = 3 })
			ch, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
			if err != nil {
				t.Fatal(err)
			}
			code := sentCode(t, f.sender)
			if _, err := f.otp.Verify(ctx, ch.ID, wrong(code)); !errors.Is(err, auth.ErrOTPInvalid) {
				t.Fatalf("first wrong code: %v", err)
			}
			key := log.counted(t, "otp:f:")
			if err := f.store.Set(ctx, key, []byte(v), time.Hour); err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{wrong(code), code} {
				if _, err := f.otp.Verify(ctx, ch.ID, c); !errors.Is(err, auth.ErrStoreUnavailable) {
					t.Fatalf("Verify with the account's failures at %q: %v, want ErrStoreUnavailable", v, err)
				}
			}
		})
	}
}

func TestOTPCorruptRefundCounterFailsClosed(t *testing.T) {
	ctx := context.Background()
	for _, v := range corruptCounts {
		t.Run(v, func(t *testing.T) {
			f, log := newCountedOTP(t, func(c *auth.OTPConfig) { c.MaxSends = 1 })
			if _, err := f.otp.Start(ctx, "alice", "+12015550100", "login"); err != nil {
				t.Fatal(err)
			}
			key := log.counted(t, "otp:q:")
			if err := f.store.Set(ctx, key+":r", []byte(v), time.Hour); err != nil {
				t.Fatal(err)
			}
			_, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
			if !errors.Is(err, auth.ErrStoreUnavailable) {
				t.Fatalf("send over the quota with its refunds at %q: %v, want ErrStoreUnavailable", v, err)
			}
			if n := f.sender.count(); n != 1 {
				t.Fatalf("%d SMS sent, want 1", n)
			}
		})
	}
}
