package gateway

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestContendedAccountChangeIsRetryable: a change of an account that
// kept losing the race for its record (auth.ErrRecordContended, wrapped
// as the users backend returns it) is a retryable 503 account_busy,
// never a 500 (docs/contract.md, "Sessions end when credentials
// change").
func TestContendedAccountChangeIsRetryable(t *testing.T) {
	err := fmt.Errorf("account: disable: storeusers: save: %w", auth.ErrRecordContended)
	if e := classify(err); e.Status != http.StatusServiceUnavailable || e.Code != "account_busy" {
		t.Errorf("classify(%v) = %d %s, want 503 account_busy", err, e.Status, e.Code)
	}
}
