package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// RegulationConfig is config.Regulation, resolved.
type RegulationConfig struct {
	MaxFailures int           // failures within FindTime that trigger a ban
	FindTime    time.Duration // counting window
	BanTime     time.Duration // how long a ban lasts
	// MaxAccountFailures is how many failures in a row lock a subject
	// (0 = 100); AccountLockTime both how long failures are remembered
	// after the latest one and how long a lock lasts (0 = 24h).
	MaxAccountFailures int
	AccountLockTime    time.Duration
}

// Defaults of RegulationConfig's account lock.
const (
	DefaultMaxAccountFailures = 100
	DefaultAccountLockTime    = 24 * time.Hour
)

// Regulator bans subjects (docs/contract.md, "Regulation": an account, or
// the normalised spelling of an unknown name; see Subject) and client
// networks after repeated failed passwords or codes, and locks a subject
// that failed MaxAccountFailures times in a row however slowly. Counters,
// bans and locks live in the store, so every replica sees them. A ban or
// lock holds even against the right password.
type Regulator struct {
	store Store
	names keyNamer // names the store keys of subjects and clients
	cfg   RegulationConfig

	// sweepMu guards sweepAfter, where the next sweep of the list of
	// bans starts (sweepList).
	sweepMu    sync.Mutex
	sweepAfter string
}

// NewRegulator returns a regulator over store. key names its store keys:
// they carry HMACs of subjects and client networks, never the values
// (docs/contract.md, "Store keys"). It must be the same on every replica:
// derive it from the signing key (Signer.DeriveKey("regulation")).
// NewRegulator panics when key is shorter than MinKeyLen.
func NewRegulator(store Store, key []byte, cfg RegulationConfig) *Regulator {
	names := keyNamer{requireKey("NewRegulator", key)}
	if cfg.MaxAccountFailures <= 0 {
		cfg.MaxAccountFailures = DefaultMaxAccountFailures
	}
	if cfg.AccountLockTime <= 0 {
		cfg.AccountLockTime = DefaultAccountLockTime
	}
	return &Regulator{store: store, names: names, cfg: cfg}
}

// IPFactor multiplies max_failures for client IPs: many people can share
// one address (an office NAT, a front proxy without trusted_proxies), so an
// IP is banned only when it fails against many accounts (password
// spraying), while a single account is protected at max_failures.
const IPFactor = 10

// Reasons a RateLimitError from Check gives.
const (
	ReasonBanned = "banned" // a ban of max_failures in find_time (subject or client)
	ReasonLocked = "locked" // the subject's lock of max_account_failures in a row
)

// subjectKey and ipKey name a subject's and a client's counters: the
// subject as Subject gives it, the client by clientNet (an IPv6 client
// owns its whole /64), each as an HMAC under the regulator's key.
func (r *Regulator) subjectKey(subject string) string { return "u:" + r.names.name("subject", subject) }
func (r *Regulator) ipKey(ip string) string           { return "ip:" + r.names.name("net", clientNet(ip)) }

// siteKey names the counters of site, an IPv6 /48 (clientSite), which its
// /64s share (docs/contract.md, "Regulation"). Under "ip:", the console
// lists and lifts a site's ban as it does an address's.
func (r *Regulator) siteKey(site string) string { return "ip:" + r.names.name("site", site) }

// clientChecks are the checks of the client ip's bans: its own (an IPv6
// client's /64), and with site its IPv6 /48's.
func (r *Regulator) clientChecks(ip string, site bool) []check {
	if ip == "" {
		return nil
	}
	out := []check{{"reg:ban:" + r.ipKey(ip), ReasonBanned}}
	if s := clientSite(ip); site && s != "" {
		out = append(out, check{"reg:ban:" + r.siteKey(s), ReasonBanned})
	}
	return out
}

// check is one key Check reads the TTL of, and what its presence means.
type check struct{ key, reason string }

// checks are what Check reads, in order: the subject's lock and ban, the
// client's bans (its own and its IPv6 /48's).
func (r *Regulator) checks(subject, ip string) []check {
	out := make([]check, 0, 4)
	if subject != "" {
		out = append(out, lockChecks(r.subjectKey(subject))...)
	}
	return append(out, r.clientChecks(ip, true)...)
}

// Check returns a RateLimitError matching ErrBanned (Reason ReasonLocked
// or ReasonBanned) when subject is locked or banned or ip is banned, nil
// otherwise. Store failures are returned: callers fail closed.
func (r *Regulator) Check(ctx context.Context, subject, ip string) error {
	return r.checkAll(ctx, r.checks(subject, ip))
}

// checkAll is Check of the keys in checks, in order.
func (r *Regulator) checkAll(ctx context.Context, checks []check) error {
	for _, c := range checks {
		ttl, err := r.store.TTL(ctx, c.key)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("regulation: check: %w", err)
		}
		return &RateLimitError{RetryAfter: ttl, Banned: true, Reason: c.reason}
	}
	return nil
}

// Penalty is what one failure caused.
type Penalty struct {
	Banned bool // the subject or the client was banned now
	// SubjectBanned says the subject itself was among those banned now.
	SubjectBanned bool
	Locked        bool // the subject was locked now
	// LastTry says the subject's next failure within find_time bans it.
	LastTry bool
}

// Fail records a failed password or code against subject and ip.
func (r *Regulator) Fail(ctx context.Context, subject, ip string) (Penalty, error) {
	return r.FailAs(ctx, subject, ShownSubject(subject, true), ip)
}

// FailAs is Fail, with shown what a ban of subject shows in the console
// (ShownSubject: never a name typed that no account has, which may be a
// password typed in the wrong field).
func (r *Regulator) FailAs(ctx context.Context, subject, shown, ip string) (Penalty, error) {
	if subject == "" {
		return r.failClient(ctx, Penalty{}, ip)
	}
	return r.failCounter(ctx, r.subjectKey(subject), subjectLabel(shown), ip)
}

// failCounter counts a failure against counter key k (a subject's or a
// known device's, whose bans show label) and the client ip: a ban at
// max_failures within find_time, a lock at max_account_failures in a
// row.
func (r *Regulator) failCounter(ctx context.Context, k, label, ip string) (Penalty, error) {
	var p Penalty
	banned, n, err := r.count(ctx, k, label, r.cfg.MaxFailures)
	if err != nil {
		return p, err
	}
	p.Banned, p.SubjectBanned = banned, banned
	p.LastTry = !banned && n == int64(r.cfg.MaxFailures)-1
	if p.Locked, err = r.countInARow(ctx, k, label); err != nil {
		return p, err
	}
	return r.failClient(ctx, p, ip)
}

// failClient is p with a failure of the client ip counted ("" counts
// none): banned at IPFactor × max_failures within find_time; an IPv6
// client's /48 too, at IPv6SiteShare times that, which bans every /64 of
// the site (docs/contract.md, "Regulation"). Counted by /64 alone, one
// holder of a /48 had 65,536 counts, and wrote as many failures as the
// hashing slots let through, each a subject's run kept a day.
func (r *Regulator) failClient(ctx context.Context, p Penalty, ip string) (Penalty, error) {
	if ip == "" {
		return p, nil
	}
	banned, _, err := r.count(ctx, r.ipKey(ip), addressLabel(ip), r.cfg.MaxFailures*IPFactor)
	if err != nil {
		return p, err
	}
	p.Banned = p.Banned || banned
	if site := clientSite(ip); site != "" {
		banned, _, err := r.count(ctx, r.siteKey(site), netLabel(site), IPv6SiteShare*r.cfg.MaxFailures*IPFactor)
		if err != nil {
			return p, err
		}
		p.Banned = p.Banned || banned
	}
	return p, nil
}

// count adds a failure to s's find_time window and bans s for ban_time
// when it reaches limit; the ban's value is label, what the console's
// list of bans shows. It reports whether it banned s, and the count.
func (r *Regulator) count(ctx context.Context, s, label string, limit int) (bool, int64, error) {
	n, err := r.store.Incr(ctx, "reg:n:"+s, r.cfg.FindTime)
	if err != nil {
		return false, 0, fmt.Errorf("regulation: count: %w", err)
	}
	if n < int64(limit) {
		return false, n, nil
	}
	won, err := r.store.SetNX(ctx, "reg:ban:"+s, []byte(label), r.cfg.BanTime)
	if err != nil {
		return false, n, fmt.Errorf("regulation: ban: %w", err)
	}
	if won {
		if err := r.listed(ctx, "ban:"+s, r.cfg.BanTime); err != nil {
			return false, n, err
		}
	}
	if _, err := r.store.Delete(ctx, "reg:n:"+s); err != nil {
		return false, n, fmt.Errorf("regulation: reset: %w", err)
	}
	return won, n, nil
}

// countInARow adds a failure to s's run of failures, which is forgotten
// only account_lock_time after its latest failure (or by SignedIn), and
// locks s for account_lock_time when the run reaches
// max_account_failures. It reports whether it locked s.
func (r *Regulator) countInARow(ctx context.Context, s, label string) (bool, error) {
	key := "reg:a:" + s
	n, err := r.store.Incr(ctx, key, r.cfg.AccountLockTime)
	if err != nil {
		return false, fmt.Errorf("regulation: count: %w", err)
	}
	if n < int64(r.cfg.MaxAccountFailures) {
		// Incr's window runs from the first failure: slide it, so that
		// only a quiet account_lock_time forgets the run.
		if n > 1 {
			if _, err := r.store.Expire(ctx, key, r.cfg.AccountLockTime); err != nil {
				return false, fmt.Errorf("regulation: count: %w", err)
			}
		}
		return false, nil
	}
	won, err := r.store.SetNX(ctx, "reg:lock:"+s, []byte(label), r.cfg.AccountLockTime)
	if err != nil {
		return false, fmt.Errorf("regulation: lock: %w", err)
	}
	if won {
		if err := r.listed(ctx, "lock:"+s, r.cfg.AccountLockTime); err != nil {
			return false, err
		}
	}
	if _, err := r.store.Delete(ctx, key); err != nil {
		return false, fmt.Errorf("regulation: reset: %w", err)
	}
	return won, nil
}

// Succeed clears subject's find_time count after a successful proof (a
// right password or code). The run towards a lock is kept until SignedIn,
// and the IP's count is kept: one good account must not launder a
// sprayer's IP.
func (r *Regulator) Succeed(ctx context.Context, subject string) error {
	if subject == "" {
		return nil
	}
	if _, err := r.store.Delete(ctx, "reg:n:"+r.subjectKey(subject)); err != nil {
		return fmt.Errorf("regulation: reset: %w", err)
	}
	return nil
}

// SignedIn forgets subject's failures, its run towards a lock included,
// after a completed sign-in (every proof the login asked for) or a
// completed password reset.
func (r *Regulator) SignedIn(ctx context.Context, subject string) error {
	if subject == "" {
		return nil
	}
	return r.forgetCounts(ctx, r.subjectKey(subject))
}

// lockChecks are the checks of the lock and the ban of counter key k (a
// subject's or an app's), in the order Check reads them.
func lockChecks(k string) []check {
	return []check{{"reg:lock:" + k, ReasonLocked}, {"reg:ban:" + k, ReasonBanned}}
}

// counterKeys are every store key of counter key k: lock, ban, failures
// in the window, failures in a row.
func counterKeys(k string) []string {
	return []string{"reg:lock:" + k, "reg:ban:" + k, "reg:n:" + k, "reg:a:" + k}
}

// forgetCounts deletes the failures of counter key k, in the window and
// in a row (not a ban or lock).
func (r *Regulator) forgetCounts(ctx context.Context, k string) error {
	for _, key := range []string{"reg:n:" + k, "reg:a:" + k} {
		if _, err := r.store.Delete(ctx, key); err != nil {
			return fmt.Errorf("regulation: reset: %w", err)
		}
	}
	return nil
}

// BanStatus is what regulation holds against a subject now.
type BanStatus struct {
	Reason    string        // ReasonLocked or ReasonBanned; "" when free
	Remaining time.Duration // how long it lasts still
}

// Status reports the lock or ban on subject, as Check would refuse it.
func (r *Regulator) Status(ctx context.Context, subject string) (BanStatus, error) {
	err := r.Check(ctx, subject, "")
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return BanStatus{Reason: rl.Reason, Remaining: rl.RetryAfter}, nil
	}
	return BanStatus{}, err
}

// Lift ends subject's lock and ban and forgets its failures, those of
// its authenticator app included (an administrator's unban,
// docs/contract.md "Admin console"); with ip, the
// client's ban and count too, and an IPv6 client's /48's. It reports whether there was a lock or ban.
func (r *Regulator) Lift(ctx context.Context, subject, ip string) (bool, error) {
	var keys []string
	if subject != "" {
		keys = append(keys, counterKeys(r.subjectKey(subject))...)
		for _, f := range countedFactors {
			keys = append(keys, counterKeys(r.factorKey(f, subject))...)
		}
	}
	if ip != "" {
		ik := r.ipKey(ip)
		keys = append(keys, "reg:ban:"+ik, "reg:n:"+ik)
		if site := clientSite(ip); site != "" {
			sk := r.siteKey(site)
			keys = append(keys, "reg:ban:"+sk, "reg:n:"+sk)
		}
	}
	lifted := false
	for _, key := range keys {
		ok, err := r.store.Delete(ctx, key)
		if err != nil {
			return lifted, fmt.Errorf("regulation: lift: %w", err)
		}
		if ok && (strings.HasPrefix(key, "reg:lock:") || strings.HasPrefix(key, "reg:ban:")) {
			lifted = true
		}
	}
	return lifted, nil
}
