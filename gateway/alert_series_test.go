package gateway_test

import (
	"net/http"
	"testing"
)

// TestAlertSeriesMove: each thing docs/operations.md's alert rules and
// dashboard watch for moves the series they watch, by exactly what
// happened: a wrong password (the failed-login rules), a right one, a
// client address banned for spraying and a name banned for guesses (the
// ban-burst rule). A series that stays flat while its thing happens
// makes an alert that never fires.
func TestAlertSeriesMove(t *testing.T) {
	t.Parallel()
	const (
		failed   = `gatehouse_logins_total{result="failed"}`
		accepted = `gatehouse_logins_total{result="password"}`
		wrong    = `gatehouse_audit_events_total{event="login_failed",reason="invalid_credentials"}`
		bans     = `gatehouse_bans_total`
	)
	tests := []struct {
		name   string
		happen func(t *testing.T, h *harness)
		moves  map[string]float64
	}{
		{"a wrong password", func(t *testing.T, h *harness) {
			h.loginFrom(t, "198.51.100.7", alice.name, "not her password").wantError(t, http.StatusUnauthorized, "invalid_credentials")
		}, map[string]float64{failed: 1, wrong: 1, accepted: 0, bans: 0}},
		{"a right password", func(t *testing.T, h *harness) {
			if r := h.loginFrom(t, "198.51.100.7", alice.name, alice.password); r.status != http.StatusOK {
				t.Fatalf("sign-in with the right password: %d", r.status)
			}
		}, map[string]float64{accepted: 1, failed: 0, wrong: 0, bans: 0}},
		{"a spraying address banned", func(t *testing.T, h *harness) {
			h.sprayFrom(t, "198.51.100.9")
		}, map[string]float64{bans: 1}},
		{"a name banned for guesses", func(t *testing.T, h *harness) {
			h.banByGuesses(t, "bob")
			h.loginFrom(t, "198.51.100.10", "bob", bob.password).wantError(t, http.StatusTooManyRequests, "banned")
		}, map[string]float64{bans: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{})
			before := map[string]float64{}
			for series := range tt.moves {
				before[series] = metricValue(t, h, series)
			}
			tt.happen(t, h)
			for series, want := range tt.moves {
				if got := metricValue(t, h, series) - before[series]; got != want {
					t.Errorf("%s moved by %v, want %v", series, got, want)
				}
			}
		})
	}
}
