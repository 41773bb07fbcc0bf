package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RegulationConfig is config.Regulation, resolved.
type RegulationConfig struct {
	MaxFailures int           // failures within FindTime that trigger a ban
	FindTime    time.Duration // counting window
	BanTime     time.Duration // how long a ban lasts
}

// Regulator bans users and client IPs after repeated failed passwords or
// codes. Counters and bans live in the store, so every replica sees them.
// A ban holds even against the right password.
type Regulator struct {
	store Store
	cfg   RegulationConfig
}

// NewRegulator returns a regulator over store.
func NewRegulator(store Store, cfg RegulationConfig) *Regulator {
	return &Regulator{store: store, cfg: cfg}
}

// IPFactor multiplies max_failures for client IPs: many people can share
// one address (an office NAT, a front proxy without trusted_proxies), so an
// IP is banned only when it fails against many accounts (password
// spraying), while a single account is protected at max_failures.
const IPFactor = 10

// subjects are the counters a failure feeds: the login name (whether or
// not such a user exists, so bans do not reveal accounts) and the client IP.
func subjects(user, ip string) []string {
	var out []string
	if user != "" {
		out = append(out, "u:"+hashKey(strings.ToLower(user)))
	}
	if ip != "" {
		out = append(out, "ip:"+hashKey(ip))
	}
	return out
}

// Check returns a banned RateLimitError (errors.Is ErrBanned) when user or
// ip is banned, nil otherwise. Store failures are returned: callers fail
// closed.
func (r *Regulator) Check(ctx context.Context, user, ip string) error {
	for _, s := range subjects(user, ip) {
		ttl, err := r.store.TTL(ctx, "reg:ban:"+s)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("regulation: check: %w", err)
		}
		return &RateLimitError{RetryAfter: ttl, Banned: true, Reason: "banned"}
	}
	return nil
}

// Fail records a failure for user and ip and reports whether it caused a
// new ban.
func (r *Regulator) Fail(ctx context.Context, user, ip string) (bool, error) {
	banned := false
	for _, s := range subjects(user, ip) {
		n, err := r.store.Incr(ctx, "reg:n:"+s, r.cfg.FindTime)
		if err != nil {
			return banned, fmt.Errorf("regulation: count: %w", err)
		}
		limit := int64(r.cfg.MaxFailures)
		if strings.HasPrefix(s, "ip:") {
			limit *= IPFactor
		}
		if n < limit {
			continue
		}
		won, err := r.store.SetNX(ctx, "reg:ban:"+s, []byte{'1'}, r.cfg.BanTime)
		if err != nil {
			return banned, fmt.Errorf("regulation: ban: %w", err)
		}
		if _, err := r.store.Delete(ctx, "reg:n:"+s); err != nil {
			return banned, fmt.Errorf("regulation: reset: %w", err)
		}
		banned = banned || won
	}
	return banned, nil
}

// Succeed clears the user's failure count after a successful proof. The
// IP's count is kept: one good account must not launder a sprayer's IP.
func (r *Regulator) Succeed(ctx context.Context, user string) error {
	for _, s := range subjects(user, "") {
		if _, err := r.store.Delete(ctx, "reg:n:"+s); err != nil {
			return fmt.Errorf("regulation: reset: %w", err)
		}
	}
	return nil
}
