package gateway_test

import (
	"net/http"
	"testing"
)

// TestResetOfADisabledNumberIsNoOracle: a reset asked for by a number
// answers as that number's quota says, alike for a number an enabled
// account has, one a disabled account has and one no account has, after
// the number's anonymous quota was spent with code-only sign-ins or with
// resets alone. Before, a disabled account's reset decoy stood for its
// name, not its number: it took none of the number's quotas, so step one
// answered 200 for dave's number where the others answered 429, telling
// anyone which numbers belong to a disabled account.
func TestResetOfADisabledNumberIsNoOracle(t *testing.T) {
	t.Parallel()
	numbers := []struct{ name, number string }{
		{"an account has it", alice.phone},
		{"a disabled account has it", dave.phone},
		{"no account has it", "+12015550177"},
	}
	for _, spend := range []struct{ name, endpoint, field string }{
		{"quota spent by code-only sign-ins", "sms/start", "phone"},
		{"quota spent by resets", "reset", "username"},
	} {
		t.Run(spend.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			type answer struct {
				status     int
				retryAfter string
				body       string
			}
			var first answer
			for i, n := range numbers {
				c := h.newClient(t)
				for range h.cfg.OTP.MaxSends.Count {
					c.api(smsHost, spend.endpoint, map[string]string{spend.field: n.number})
				}
				r := c.api(appHost, "reset", map[string]string{"username": n.number})
				got := answer{r.status, r.header.Get("Retry-After"), string(r.body)}
				if got.status != http.StatusTooManyRequests {
					t.Errorf("%s: reset past the number's quota answered %d (%s), want 429", n.name, got.status, got.body)
				}
				if i == 0 {
					first = got
				} else if got != first {
					t.Errorf("%s: reset answered %+v, but %+v where %s", n.name, got, first, numbers[0].name)
				}
			}
		})
	}
}
