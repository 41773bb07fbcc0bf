package instrumented_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/instrumented"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// TestStoreConformance: the decorator changes nothing a caller can see.
func TestStoreConformance(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	storetest.Run(t,
		func(t *testing.T) auth.Store {
			st, err := instrumented.NewStore(memstore.New(clock), prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		func(_ *testing.T, d time.Duration) { clock.Advance(d) })
}

// downStore fails every call as an unreachable store would, and has no
// sets.
type downStore struct{}

var errDown = fmt.Errorf("test: %w", auth.ErrStoreUnavailable)

func (downStore) Get(context.Context, string) ([]byte, error)                 { return nil, errDown }
func (downStore) Set(context.Context, string, []byte, time.Duration) error    { return errDown }
func (downStore) Delete(context.Context, string) (bool, error)                { return false, errDown }
func (downStore) Expire(context.Context, string, time.Duration) (bool, error) { return false, errDown }
func (downStore) Incr(context.Context, string, time.Duration) (int64, error)  { return 0, errDown }
func (downStore) TTL(context.Context, string) (time.Duration, error)          { return 0, errDown }
func (downStore) Ping(context.Context) error                                  { return errDown }
func (downStore) SetNX(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, errDown
}

func (downStore) SetIfExists(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, errDown
}

func TestStoreCountsErrorsNotMisses(t *testing.T) {
	ctx := t.Context()
	reg := prometheus.NewRegistry()
	up, err := instrumented.NewStore(memstore.New(storetest.NewClock(time.Now())), reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up.Get(ctx, "missing"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Get(missing) = %v, want ErrNotFound passed through", err)
	}
	if err := up.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := up.Get(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n := seriesCount(t, reg, "gatehouse_store_errors_total"); n != 18 {
		t.Errorf("%d error series, want one per operation (18) from the start", n)
	}
	if got := errorsOf(t, reg, "get"); got != 0 {
		t.Errorf("a missing key counted as %v store errors, want 0", got)
	}
	if got := callsOf(t, reg, "get"); got != 2 {
		t.Errorf("get calls observed = %d, want 2", got)
	}

	downReg := prometheus.NewRegistry()
	down, err := instrumented.NewStore(downStore{}, downReg)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := down.(auth.SetStore); ok {
		t.Error("the decorator of a store without sets claims to have sets")
	}
	if _, ok := up.(auth.SetStore); !ok {
		t.Error("the decorator of memstore hides its sets")
	}
	for range 3 {
		if err := down.Ping(ctx); !errors.Is(err, auth.ErrStoreUnavailable) {
			t.Fatalf("Ping = %v, want the store's error passed through", err)
		}
	}
	if _, err := down.Incr(ctx, "c", time.Minute); !errors.Is(err, errDown) {
		t.Fatalf("Incr = %v, want the store's error passed through", err)
	}
	if got := errorsOf(t, downReg, "ping"); got != 3 {
		t.Errorf("ping errors = %v, want 3", got)
	}
	if got := errorsOf(t, downReg, "incr"); got != 1 {
		t.Errorf("incr errors = %v, want 1", got)
	}
	if _, err := instrumented.NewStore(downStore{}, downReg); err == nil {
		t.Error("a second store registered its series in the same registry")
	}
}

// TestStoreCallsDoNotAllocate: the hot path (a session Get) costs no
// allocation beyond the wrapped store's.
func TestStoreCallsDoNotAllocate(t *testing.T) {
	st, err := instrumented.NewStore(downStore{}, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if n := testing.AllocsPerRun(1000, func() { _, _ = st.Get(ctx, "s:x") }); n != 0 {
		t.Errorf("Get allocates %v times per call, want 0", n)
	}
}

func errorsOf(t *testing.T, reg *prometheus.Registry, op string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "gatehouse_store_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == op {
				return m.GetCounter().GetValue()
			}
		}
	}
	t.Fatalf("no gatehouse_store_errors_total{op=%q}", op)
	return 0
}

func callsOf(t *testing.T, reg *prometheus.Registry, op string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "gatehouse_store_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == op {
				return m.GetHistogram().GetSampleCount()
			}
		}
	}
	t.Fatalf("no gatehouse_store_duration_seconds{op=%q}", op)
	return 0
}

func seriesCount(t *testing.T, reg *prometheus.Registry, name string) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return len(mf.GetMetric())
		}
	}
	return 0
}
