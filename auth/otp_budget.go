package auth

import (
	"context"
	"errors"
	"time"
)

// BudgetUse is how much of one cap of otp.budget its current window has
// counted (docs/contract.md, "Admin console"): every anonymous send tried,
// refused ones included, less the ones given back because nothing was
// sent.
type BudgetUse struct {
	Scope    string        `json:"scope"` // "day", or "country:" and the region code
	Used     int64         `json:"used"`
	Limit    int           `json:"limit"`
	ResetsIn time.Duration `json:"-"`
	// ResetsInSeconds is ResetsIn for JSON (0: no window running).
	ResetsInSeconds int `json:"resets_in"`
}

// BudgetUse reads the caps of otp.budget that are set: the day's, and
// each allowed country's (without otp.allowed_countries there is no list
// of countries to read).
func (o *OTP) BudgetUse(ctx context.Context) ([]BudgetUse, error) {
	type cap struct {
		scope, kind, value string
		limit              int
	}
	var caps []cap
	if o.cfg.BudgetPerDay > 0 {
		caps = append(caps, cap{"day", "day", "", o.cfg.BudgetPerDay})
	}
	if o.cfg.BudgetPerCountryPerHour > 0 {
		for _, c := range o.cfg.AllowedCountries {
			caps = append(caps, cap{"country:" + c, "country", c, o.cfg.BudgetPerCountryPerHour})
		}
	}
	out := make([]BudgetUse, 0, len(caps))
	for _, c := range caps {
		key := o.budgetKey(c.kind, c.value)
		n, err := o.count(ctx, key)
		if err != nil {
			return nil, err
		}
		given, err := o.count(ctx, refundKey(key))
		if err != nil {
			return nil, err
		}
		u := BudgetUse{Scope: c.scope, Used: max(0, n-given), Limit: c.limit}
		if n > 0 {
			ttl, err := o.store.TTL(ctx, key)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return nil, err
			}
			u.ResetsIn = max(0, ttl)
			u.ResetsInSeconds = int(u.ResetsIn.Round(time.Second) / time.Second)
		}
		out = append(out, u)
	}
	return out, nil
}
