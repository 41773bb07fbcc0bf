package auth

import (
	"fmt"
	"testing"
	"time"
)

// TestKeptUsesStayBounded: the count of kept slots follows at most
// keptAccounts accounts; when full, a new account takes the open slots
// only, until a window has passed and the old counts are dropped.
func TestKeptUsesStayBounded(t *testing.T) {
	var k keptUses
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range keptAccounts {
		k.take(fmt.Sprint("a", i), t0)
	}
	if k.allowed("newcomer", t0.Add(keptWindow/2)) {
		t.Error("a new account was let take a kept slot with every count in use")
	}
	if !k.allowed("a1", t0.Add(keptWindow/2)) {
		t.Error("an account followed already, with its share left, was refused")
	}
	if !k.allowed("newcomer", t0.Add(keptWindow)) {
		t.Error("a new account was refused after the window, when every count had ended")
	}
	if len(k.uses) != 0 {
		t.Errorf("%d ended counts kept after a sweep, want 0", len(k.uses))
	}
}
