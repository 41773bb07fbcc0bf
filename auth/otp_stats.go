package auth

// Daily counts of text messages sent and refused, by destination country
// (docs/contract.md, "Admin console"): what the console's SMS page
// shows, with the cost the price table estimates. Counters like the
// quotas', one per day, country and outcome, kept SendStatsDays days.

import (
	"context"
	"errors"
	"slices"
	"time"
)

// SendStatsDays is how many days of send counts are kept and shown.
const SendStatsDays = 7

// Outcomes of a send the counts tell apart.
const (
	statSent    = "sent"
	statRefused = "refused"
)

// SendStat is one day's counts for one destination country.
type SendStat struct {
	Day     string `json:"day"`     // 2026-12-04 (UTC)
	Country string `json:"country"` // ISO 3166 alpha-2; "ZZ" for a number of no known country
	Sent    int64  `json:"sent"`    // texts handed to the provider
	// Refused counts the sends the gateway refused: quotas, the budget,
	// a country or kind of number not allowed, a provider's back-off,
	// the cap of sends in flight (OTPConfig.MaxSendsInFlight).
	Refused int64 `json:"refused"`
}

func statDay(t time.Time) string             { return t.UTC().Format("2006-01-02") }
func statKey(day, outcome, cc string) string { return "otp:st:" + day + ":" + outcome + ":" + cc }
func statCountriesKey(day string) string     { return "otp:st:" + day + ":cc" }
func statCountry(phone string) string {
	if cc := PhoneCountry(phone); cc != "" {
		return cc
	}
	return "ZZ"
}

// refusal reports whether err is the gateway declining a send (not the
// provider failing one).
func refusal(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrBudgetExhausted) || errors.Is(err, ErrInvalidPhone) || errors.Is(err, ErrSendsInFlight)
}

// tally counts a send to phone that ended with err: a real send, or a
// refusal (a decoy's too: it stands for an account). Counting never fails
// the send; a store that cannot count is logged.
func (o *OTP) tally(ctx context.Context, phone string, decoy bool, err error) {
	outcome := statRefused
	switch {
	case err == nil && decoy:
		return // nothing was sent
	case err == nil:
		outcome = statSent
	case !refusal(err):
		return
	}
	ctx = context.WithoutCancel(ctx)
	day, cc := statDay(o.clock.Now()), statCountry(phone)
	window := (SendStatsDays + 1) * 24 * time.Hour
	if _, err := o.store.Incr(ctx, statKey(day, outcome, cc), window); err != nil {
		o.log.WarnContext(ctx, "otp: could not count a send", "error", err)
		return
	}
	if sets, ok := o.store.(SetStore); ok {
		if err := sets.SAdd(ctx, statCountriesKey(day), cc, window); err != nil {
			o.log.WarnContext(ctx, "otp: could not count a send", "error", err)
		}
	}
}

// SendStats returns the counts of the last SendStatsDays days, newest
// day first, countries in order.
func (o *OTP) SendStats(ctx context.Context) ([]SendStat, error) {
	sets, ok := o.store.(SetStore)
	if !ok {
		return nil, nil
	}
	var out []SendStat
	now := o.clock.Now()
	for i := range SendStatsDays {
		day := statDay(now.AddDate(0, 0, -i))
		ccs, err := sets.SMembers(ctx, statCountriesKey(day))
		if err != nil {
			return nil, err
		}
		slices.Sort(ccs)
		for _, cc := range ccs {
			st := SendStat{Day: day, Country: cc}
			if st.Sent, err = o.count(ctx, statKey(day, statSent, cc)); err != nil {
				return nil, err
			}
			if st.Refused, err = o.count(ctx, statKey(day, statRefused, cc)); err != nil {
				return nil, err
			}
			out = append(out, st)
		}
	}
	return out, nil
}
