package auth

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"text/template"
	"time"
)

// mapStore is the least Store for this package's internal tests (the
// memory store's package imports this one).
type mapStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *mapStore) Get(_ context.Context, k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

func (s *mapStore) Set(_ context.Context, k string, v []byte, _ time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
	return nil
}

func (s *mapStore) SetNX(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	if _, err := s.Get(ctx, k); err == nil {
		return false, nil
	}
	return true, s.Set(ctx, k, v, ttl)
}

func (s *mapStore) SetIfExists(_ context.Context, k string, v []byte, _ time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; !ok {
		return false, nil
	}
	s.m[k] = v
	return true, nil
}

func (s *mapStore) Delete(_ context.Context, k string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[k]
	delete(s.m, k)
	return ok, nil
}

func (s *mapStore) Expire(ctx context.Context, k string, _ time.Duration) (bool, error) {
	_, err := s.Get(ctx, k)
	return err == nil, nil
}

func (s *mapStore) Incr(_ context.Context, k string, _ time.Duration) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := strconv.ParseInt(string(s.m[k]), 10, 64)
	n++
	s.m[k] = []byte(strconv.FormatInt(n, 10))
	return n, nil
}

func (s *mapStore) TTL(ctx context.Context, k string) (time.Duration, error) {
	if _, err := s.Get(ctx, k); err != nil {
		return 0, err
	}
	return time.Hour, nil
}

func (s *mapStore) Ping(context.Context) error { return nil }

func (s *mapStore) CompareAndSwap(_ context.Context, k string, old, v []byte, _ time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.m[k]
	if (old == nil) == ok || (ok && !bytes.Equal(cur, old)) {
		return false, nil
	}
	s.m[k] = v
	return true, nil
}

func (s *mapStore) CompareAndDelete(_ context.Context, k string, old []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.m[k]; !ok || old == nil || !bytes.Equal(cur, old) {
		return false, nil
	}
	delete(s.m, k)
	return true, nil
}

// TestDecoyNeverSucceedsEvenWithItsCode: a decoy (a code "sent" to an
// unknown number, or for a reset of an unknown name) is answered like a
// real challenge, but its code is never right, even guessed: this is the
// one place that rule lives (docs/contract.md, "Login flows").
func TestDecoyNeverSucceedsEvenWithItsCode(t *testing.T) {
	ctx := context.Background()
	o := NewOTP(&mapStore{m: map[string][]byte{}}, nil, []byte("0123456789abcdef0123456789abcdef"), OTPConfig{
		App: "Acme", Length: 6, TTL: 5 * time.Minute, MaxAttempts: 5, MaxSends: 5, SendWindow: time.Hour,
		Message: template.Must(template.New("m").Parse("{{.Code}}")),
	}, SystemClock{}, nil)
	ch, err := o.StartDecoy(ctx, "+12015550199", PurposeLogin)
	if err != nil {
		t.Fatal(err)
	}
	// Give the decoy a code we know, as a lucky guess would find it.
	stored, err := o.load(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored.CodeHash = o.hash(ch.ID, "123456")
	if err := o.save(ctx, stored); err != nil {
		t.Fatal(err)
	}
	got, err := o.Verify(ctx, ch.ID, "123456")
	if !errors.Is(err, ErrOTPInvalid) || got != nil {
		t.Fatalf("the decoy's own code: %v, %v; want ErrOTPInvalid like a wrong code", got, err)
	}
}
