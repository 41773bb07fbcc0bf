package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// ErrCountryNotAllowed is returned for a phone number in a country
// outside otp.allowed_countries. It matches ErrInvalidPhone as well.
var ErrCountryNotAllowed = fmt.Errorf("%w: country not allowed", ErrInvalidPhone)

// ErrBudgetExhausted is returned when the anonymous sends reached a cap
// of otp.budget (per day, per country, per number prefix): no more codes
// for anyone who has not proved something, until the window ends. It
// wraps the RateLimitError that says when.
var ErrBudgetExhausted = errors.New("sms budget exhausted")

// phonePrefix is an E.164 number without its last four digits.
func phonePrefix(e164 string) string {
	if len(e164) <= 4 {
		return e164
	}
	return e164[:len(e164)-4]
}

// ErrNumberTypeNotAllowed is returned for a number whose kind (premium
// rate, VoIP, pager, …) is outside otp.allowed_number_types: what SMS
// pumping texts. It matches ErrInvalidPhone as well.
var ErrNumberTypeNotAllowed = fmt.Errorf("%w: kind of number not allowed", ErrInvalidPhone)

// noCountry is libphonenumber's region of the numbers of no country:
// satellite phones (Iridium +881, Inmarsat +870), the international
// networks (+882, +883), international freephone and premium rate.
const noCountry = "001"

// countryAllowed refuses numbers outside AllowedCountries, and numbers
// of no country whatever it says: an empty list allows every country,
// and those are none, but among the dearest numbers to text, and some
// of them mobile by their kind (docs/contract.md, "SMS delivery").
func (o *OTP) countryAllowed(phone string) error {
	cc := PhoneCountry(phone)
	if cc == noCountry || len(o.cfg.AllowedCountries) > 0 && !slices.Contains(o.cfg.AllowedCountries, cc) {
		return ErrCountryNotAllowed
	}
	if len(o.cfg.AllowedNumberTypes) > 0 && !slices.Contains(o.cfg.AllowedNumberTypes, PhoneNumberType(phone)) {
		return ErrNumberTypeNotAllowed
	}
	return nil
}

// accountAllowed refuses a code for ch when its account (see
// accountFailKey) had MaxAccountFailures wrong codes in the last hour. A
// counter that cannot be read refuses it too (ErrStoreUnavailable).
func (o *OTP) accountAllowed(ctx context.Context, ch *Challenge) error {
	n, err := o.count(ctx, o.accountFailKey(ch))
	if err != nil {
		return fmt.Errorf("otp: read failures: %w", err)
	}
	if n < int64(o.cfg.MaxAccountFailures) {
		return nil
	}
	ttl, err := o.store.TTL(ctx, o.accountFailKey(ch))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("otp: read failures: %w", err)
	}
	return &RateLimitError{RetryAfter: ttl, Reason: "account_code_failures"}
}

// IPv6SiteShare is how many clients' limits the /64s of one IPv6 /48
// share between them: the send quota (otp.max_sends_per_ip), the
// sign-up limit, the client's count of failures and the passwordless
// passkey starts (docs/contract.md, "SMS delivery", "Sign-up",
// "Regulation", "HTTP endpoints"). A site of several networks, an office
// say, gets as many as four IPv4 addresses would, and one holder of a
// /48 no more.
const IPv6SiteShare = 4

// takeQuotas reserves one send of ch on the client IP's quota (an IPv6
// client's /64 and its /48's) and on the phone's. It returns a function
// that gives them back. A decoy that stands for no number (a password reset asked for by an unknown name)
// takes only what does not depend on a number, the client's quota and
// the day's cap: it has no number, range or country to count under, and
// keys of its name's own would answer otherwise than its account's number
// does (docs/contract.md, "Password reset, step one").
func (o *OTP) takeQuotas(ctx context.Context, ch *Challenge) (refund func(context.Context), err error) {
	var keys []string
	phone, number := ch.Phone, ch.toNumber()
	perPhone := o.sendQuotaKey(phone)
	if ch.Proved {
		// Its own budget per number, of the same size: anonymous
		// triggers cannot spend it. The person proved who they are, so
		// their address is not what limits them.
		perPhone = o.provedQuotaKey(phone)
	} else if ch.Known {
		// Its own budget per number too: a known device of the account
		// (docs/contract.md, "Known devices") spends neither the
		// anonymous one nor the password's.
		perPhone = o.knownQuotaKey(phone)
	} else if ip := RequesterFrom(ctx).IP; ip != "" && o.cfg.MaxSendsPerIP > 0 {
		if err := o.reserve(ctx, o.ipQuotaKey(ip), o.cfg.MaxSendsPerIP, o.cfg.IPSendWindow, "ip_send_quota"); err != nil {
			return nil, err
		}
		keys = append(keys, o.ipQuotaKey(ip))
		// An IPv6 client's /48 shares IPv6SiteShare clients' quotas:
		// counted by /64 alone, one holder of a /48 had 65,536.
		if site := clientSite(ip); site != "" {
			if err := o.reserve(ctx, o.siteQuotaKey(site), IPv6SiteShare*o.cfg.MaxSendsPerIP, o.cfg.IPSendWindow, "ip_send_quota"); err != nil {
				o.release(ctx, o.ipQuotaKey(ip))
				return nil, err
			}
			keys = append(keys, o.siteQuotaKey(site))
		}
	}
	if !ch.Proved && !ch.Known {
		for _, b := range []struct {
			key    string
			limit  int
			window time.Duration
			number bool
		}{
			{o.budgetKey("day", ""), o.cfg.BudgetPerDay, 24 * time.Hour, false},
			{o.budgetKey("country", PhoneCountry(phone)), o.cfg.BudgetPerCountryPerHour, time.Hour, true},
			{o.budgetKey("prefix", phonePrefix(phone)), o.cfg.BudgetPerPrefixPerHour, time.Hour, true},
		} {
			if b.limit <= 0 || b.number && !number {
				continue
			}
			if err := o.reserve(ctx, b.key, b.limit, b.window, "sms_budget"); err != nil {
				for _, k := range keys {
					o.release(ctx, k)
				}
				return nil, fmt.Errorf("%w: %w", ErrBudgetExhausted, err)
			}
			keys = append(keys, b.key)
		}
	}
	if o.cfg.MaxSends > 0 && number {
		if err := o.reserve(ctx, perPhone, o.cfg.MaxSends, o.cfg.SendWindow, "send_quota"); err != nil {
			for _, k := range keys {
				o.release(ctx, k)
			}
			return nil, err
		}
		keys = append(keys, perPhone)
	}
	return func(ctx context.Context) {
		for _, k := range keys {
			o.release(ctx, k)
		}
	}, nil
}

// refusedForTheNumber reports whether err refused a send before anything
// went out for a reason of its number or of the client: a send quota, a
// cap of otp.budget, a provider's per-number limit or back-off, or the
// number's country or kind not being allowed. A decoy for the same
// client meets every such reason that is not the number's in the same
// way.
func refusedForTheNumber(err error) bool {
	var rl *RateLimitError
	return errors.As(err, &rl) && !rl.Banned || errors.Is(err, ErrCountryNotAllowed) || errors.Is(err, ErrNumberTypeNotAllowed)
}

// reserve takes one unit of the fixed-window quota under key. The store's
// counters only go up, so a unit given back by a send that surely failed
// is counted under key+":r" (expiring with the window) and subtracted.
// Concurrent requests cannot overshoot the limit, because each increments
// before it checks and refused requests keep their increment.
func (o *OTP) reserve(ctx context.Context, key string, limit int, window time.Duration, reason string) error {
	n, err := o.store.Incr(ctx, key, window)
	if err != nil {
		return fmt.Errorf("otp: send quota: %w", err)
	}
	if n <= int64(limit) {
		return nil
	}
	given, err := o.count(ctx, refundKey(key))
	if err != nil {
		return fmt.Errorf("otp: send quota: %w", err)
	}
	if n-given <= int64(limit) {
		return nil
	}
	// A refused request keeps its increment: giving it back here would let
	// a request that incremented earlier, but checks later, see the
	// refund and slip past the limit. Over the limit, everything is
	// refused until the window ends (or failed sends give units back).
	ttl, err := o.store.TTL(ctx, key)
	if err != nil || ttl <= 0 {
		ttl = window
	}
	return &RateLimitError{RetryAfter: ttl, Reason: reason}
}

// release gives back one unit of the quota under key.
func (o *OTP) release(ctx context.Context, key string) {
	ttl, err := o.store.TTL(ctx, key)
	if err == nil && ttl > 0 {
		_, err = o.store.Incr(ctx, refundKey(key), ttl)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		o.log.WarnContext(ctx, "otp: could not give back a send quota", "error", err)
	}
}

// refundIfUnsent gives the quotas back when err shows that no message went
// out: the provider was down or refused the request for its own reasons
// (ErrSMSFailed, not a timeout), or nothing was sent at all. A number the
// provider rejected (ErrInvalidPhone) keeps its cost, so that probing
// numbers is still limited.
func (o *OTP) refundIfUnsent(ctx context.Context, err error, refund func(context.Context)) {
	var ue *unsentError
	switch {
	case errors.As(err, &ue):
	case errors.Is(err, ErrSMSFailed) && !DeliveryUncertain(err):
	default:
		return
	}
	refund(ctx)
}

// providerError marks a failure of the provider's call (its refusal, its
// outage, a timeout): what a decoy, which calls none, never meets.
type providerError struct{ err error }

func (e *providerError) Error() string { return e.err.Error() }
func (e *providerError) Unwrap() error { return e.err }

// unsentError marks a failure before anything was handed to the provider.
type unsentError struct{ err error }

func (e *unsentError) Error() string { return e.err.Error() }
func (e *unsentError) Unwrap() error { return e.err }

// count reads the counter under key: 0 when there is none. A value that
// is not a count (Incr writes a decimal number, never negative) is an
// error wrapping ErrStoreUnavailable, so that the request fails closed: read
// as 0 it would lift the limit the counter keeps.
func (o *OTP) count(ctx context.Context, key string) (int64, error) {
	b, err := o.store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("counter holds %d bytes that are not a count: %w", len(b), ErrStoreUnavailable)
	}
	return n, nil
}

// providerBackedOff refuses a send while the provider asked for a pause,
// without calling it (each call would only be refused again, and spend
// the quota: eight logins made eight refused calls before).
func (o *OTP) providerBackedOff(ctx context.Context) error {
	ttl, err := o.store.TTL(ctx, o.backoffKey())
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("otp: provider back-off: %w", err)
	}
	return &RateLimitError{RetryAfter: ttl, Reason: "provider_rate_limited"}
}

// backOffIfAsked records the provider's pause when err is its rate limit.
func (o *OTP) backOffIfAsked(ctx context.Context, err error) {
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Reason != "provider_rate_limited" || rl.RetryAfter <= 0 {
		return
	}
	if serr := o.store.Set(ctx, o.backoffKey(), []byte("1"), rl.RetryAfter); serr != nil {
		o.log.WarnContext(ctx, "otp: provider back-off not recorded", "error", serr)
	}
}
