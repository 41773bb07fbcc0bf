package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"text/template"
	"time"
)

// OTPConfig are the one-time code settings (config.OTP, resolved).
type OTPConfig struct {
	App            string        // shown in the message as {{.App}}
	Length         int           // digits, 6..10
	TTL            time.Duration // lifetime of one code
	MaxAttempts    int           // wrong codes per challenge
	ResendCooldown time.Duration // minimum gap between sends of one challenge
	MaxSends       int           // sends per phone number per SendWindow
	SendWindow     time.Duration
	// MaxSendsPerIP bounds sends (decoys included) per client IP per
	// IPSendWindow; 0 disables the per-IP quota. The IP comes from the
	// Requester in the context.
	MaxSendsPerIP int
	IPSendWindow  time.Duration
	// AllowedCountries are the ISO 3166 alpha-2 regions (upper-case) codes
	// may be sent to; empty allows every country.
	AllowedCountries []string
	// WebOTPDomain, when set, appends the origin-bound line
	// "@domain #code" to each message so browsers can offer to fill in the
	// code on that site only. The Requester's Host, when set, replaces it.
	WebOTPDomain string
	// MaxAccountFailures bounds wrong codes per account per hour, across
	// resends and restarted logins (0 = 100).
	MaxAccountFailures int
	Message            *template.Template // otp.message
}

// Requester is who asked for a code, as the gateway saw the request.
type Requester struct {
	// IP is the client address, for the per-IP send quota ("" skips it).
	// IPv6 clients are counted by /64.
	IP string
	// Host is the host of the page the code will be typed on, already
	// checked to be one of the gateway's own hosts: the origin of the
	// WebOTP line. "" uses OTPConfig.WebOTPDomain.
	Host string
}

type requesterKey struct{}

// WithRequester returns a context carrying r for OTP's Start, StartDecoy
// and Resend.
func WithRequester(ctx context.Context, r Requester) context.Context {
	return context.WithValue(ctx, requesterKey{}, r)
}

// RequesterFrom returns the Requester in ctx, or the zero Requester.
func RequesterFrom(ctx context.Context) Requester {
	r, _ := ctx.Value(requesterKey{}).(Requester)
	return r
}

// ErrCountryNotAllowed: the phone number is in a country outside
// otp.allowed_countries. It matches ErrInvalidPhone as well.
var ErrCountryNotAllowed = fmt.Errorf("%w: country not allowed", ErrInvalidPhone)

// Challenge is one code sent to one phone for one user. Only a keyed hash
// of the code is stored.
type Challenge struct {
	ID       string `json:"-"` // opaque id, kept in the pending session
	User     string `json:"u"`
	Phone    string `json:"p"`
	Purpose  string `json:"k"`
	CodeHash []byte `json:"h,omitempty"` // local codes and decoys
	// Ref is the provider's verification reference when the provider
	// made the code (CodeChecker); "" when Gatehouse did.
	Ref     string `json:"r,omitempty"`
	SentAt  int64  `json:"s"` // unix nanos of the last send
	Expires int64  `json:"e"` // unix nanos
}

// ExpiresAt is when the code stops working.
func (c *Challenge) ExpiresAt() time.Time { return time.Unix(0, c.Expires) }

// OTP issues and checks one-time codes. Codes come from crypto/rand without
// modulo bias, are stored only as HMAC-SHA256(key, id|code), die after TTL or
// MaxAttempts wrong tries, and succeed at most once even under concurrent
// submits (the challenge key is deleted, and only one Delete wins).
//
// When the sender is a CodeChecker the provider makes and checks the code
// instead; everything else (TTL, attempts, cooldown, quotas, single use)
// is still enforced here.
//
// Before anything is sent, the number must be in AllowedCountries and the
// per-IP and per-phone send quotas must allow it. A send that failed for
// certain (the provider refused it or could not be reached) gives its
// quota back, so an outage does not lock people out once it is over; one
// that may have gone out (a timeout) does not.
type OTP struct {
	store   Store
	sender  Sender
	checker CodeChecker // nil: codes are made and checked here
	key     []byte
	cfg     OTPConfig
	clock   Clock
	log     *slog.Logger
	// sendLatency and checkLatency track how long real provider calls
	// take, so that decoys (which call nothing) take about as long.
	sendLatency, checkLatency latency
}

// NewOTP returns the code service. key keys the code hashes and must be the
// same on every replica (derive it from the signing key).
func NewOTP(store Store, sender Sender, key []byte, cfg OTPConfig, clock Clock, log *slog.Logger) *OTP {
	if cfg.MaxAccountFailures == 0 {
		cfg.MaxAccountFailures = 100
	}
	if clock == nil {
		clock = SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.AllowedCountries = slices.Clone(cfg.AllowedCountries)
	for i, c := range cfg.AllowedCountries {
		cfg.AllowedCountries[i] = strings.ToUpper(c)
	}
	checker, _ := sender.(CodeChecker)
	return &OTP{store: store, sender: sender, checker: checker, key: key, cfg: cfg, clock: clock, log: log}
}

// Config returns the settings the service runs with.
func (o *OTP) Config() OTPConfig { return o.cfg }

// CodeLength is the number of digits of the codes people receive, or 0
// when the provider makes them (its own length, not otp.length).
func (o *OTP) CodeLength() int {
	if o.checker != nil {
		return 0
	}
	return o.cfg.Length
}

// Start creates a challenge for user and sends a new code to phone. It
// refuses a number outside AllowedCountries (ErrCountryNotAllowed) and
// enforces the per-IP and per-phone send quotas (RateLimitError). When the
// provider fails, nothing is left behind and the error wraps ErrSMSFailed
// (or ErrInvalidPhone when the provider refused the number). The
// Requester in ctx gives the client IP and the WebOTP host.
func (o *OTP) Start(ctx context.Context, user, phone, purpose string) (*Challenge, error) {
	if phone == "" {
		return nil, ErrNoPhone
	}
	return o.start(ctx, &Challenge{User: user, Phone: phone, Purpose: purpose})
}

// StartDecoy records a challenge for phone that belongs to no user: it
// takes the send quotas and answers Verify like a real one, but nothing is
// sent and it can never sign anyone in. It keeps unknown numbers
// indistinguishable from known ones, down to the time a send takes.
func (o *OTP) StartDecoy(ctx context.Context, phone, purpose string) (*Challenge, error) {
	return o.start(ctx, &Challenge{Phone: phone, Purpose: purpose})
}

func (o *OTP) start(ctx context.Context, ch *Challenge) (*Challenge, error) {
	// A decoy may stand for something that is not a number at all (a
	// password reset for an unknown name): only numbers have a country.
	if ch.User != "" || PhoneCountry(ch.Phone) != "" {
		if err := o.countryAllowed(ch.Phone); err != nil {
			return nil, err
		}
	}
	refund, err := o.takeQuotas(ctx, ch.Phone)
	if err != nil {
		return nil, err
	}
	out, err := o.issue(ctx, ch)
	if err != nil {
		o.refundIfUnsent(ctx, err, refund)
		return nil, err
	}
	return out, nil
}

// Resend replaces the challenge id with a fresh one and a new code (the old
// code stops working), honouring the resend cooldown and the send quotas.
// When the send fails the old challenge stays as it was.
func (o *OTP) Resend(ctx context.Context, id string) (*Challenge, error) {
	old, err := o.load(ctx, id)
	if err != nil {
		return nil, err
	}
	now := o.clock.Now()
	if wait := time.Unix(0, old.SentAt).Add(o.cfg.ResendCooldown).Sub(now); wait > 0 {
		return nil, &RateLimitError{RetryAfter: wait, Reason: "resend_cooldown"}
	}
	if err := o.countryAllowed(old.Phone); err != nil {
		return nil, err
	}
	refund, err := o.takeQuotas(ctx, old.Phone)
	if err != nil {
		return nil, err
	}
	ch, err := o.issue(ctx, &Challenge{User: old.User, Phone: old.Phone, Purpose: old.Purpose})
	if err != nil {
		o.refundIfUnsent(ctx, err, refund)
		return nil, err
	}
	if _, err := o.store.Delete(ctx, challengeKey(id)); err != nil {
		o.log.WarnContext(ctx, "otp: could not delete replaced challenge", "error", err)
	}
	return ch, nil
}

// Peek returns the challenge without touching its attempts, or ErrOTPExpired.
func (o *OTP) Peek(ctx context.Context, id string) (*Challenge, error) {
	return o.load(ctx, id)
}

// ResendIn is how long until the challenge may be resent (0 = now).
func (o *OTP) ResendIn(ch *Challenge) time.Duration {
	wait := time.Unix(0, ch.SentAt).Add(o.cfg.ResendCooldown).Sub(o.clock.Now())
	if wait < 0 {
		return 0
	}
	return wait
}

// Verify checks code against challenge id. It returns the challenge on
// success (and the challenge is gone), ErrOTPInvalid for a wrong code while
// attempts remain, ErrOTPExpired when the challenge is expired, used or out
// of attempts, and a RateLimitError when the account has too many recent
// wrong codes. For provider-made codes an unreachable provider is
// ErrSMSFailed; the attempt still counts.
func (o *OTP) Verify(ctx context.Context, id, code string) (*Challenge, error) {
	ch, err := o.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := o.accountAllowed(ctx, ch.User); err != nil {
		return nil, err
	}
	n, err := o.store.Incr(ctx, attemptsKey(id), o.cfg.TTL)
	if err != nil {
		return nil, fmt.Errorf("otp: count attempt: %w", err)
	}
	if n > int64(o.cfg.MaxAttempts) {
		o.killAndCancel(ctx, ch)
		return nil, fmt.Errorf("otp: attempts used up: %w", ErrOTPExpired)
	}
	right, err := o.check(ctx, ch, code)
	if err != nil {
		if errors.Is(err, ErrOTPExpired) {
			o.killAndCancel(ctx, ch)
		}
		return nil, err
	}
	if !right {
		if _, err := o.store.Incr(ctx, accountFailKey(ch.User), time.Hour); err != nil {
			return nil, fmt.Errorf("otp: count failure: %w", err)
		}
		if n >= int64(o.cfg.MaxAttempts) {
			o.killAndCancel(ctx, ch)
			return nil, fmt.Errorf("otp: last attempt failed: %w", ErrOTPExpired)
		}
		return nil, ErrOTPInvalid
	}
	won, err := o.store.Delete(ctx, challengeKey(id))
	if err != nil {
		return nil, fmt.Errorf("otp: consume: %w", err)
	}
	if !won {
		return nil, fmt.Errorf("otp: already used: %w", ErrOTPExpired)
	}
	ch.ID = id
	return ch, nil
}

// check compares code with the challenge's: locally, or by asking the
// provider that made it. Decoys take about as long as a provider check.
func (o *OTP) check(ctx context.Context, ch *Challenge, code string) (bool, error) {
	if ch.Ref == "" || o.checker == nil {
		if o.checker != nil {
			o.checkLatency.wait(ctx)
		}
		return hmac.Equal(o.hash(ch.ID, code), ch.CodeHash), nil
	}
	if !plausibleCode(code) {
		return false, nil // not worth a provider call
	}
	start := time.Now()
	right, err := o.checker.CheckCode(ctx, ch.Ref, ch.Phone, code)
	if err != nil {
		return false, fmt.Errorf("otp: check code: %w", err)
	}
	o.checkLatency.observe(time.Since(start))
	return right, nil
}

// plausibleCode reports whether code could be a provider's code: 4 to 10
// digits (providers choose their own length).
func plausibleCode(code string) bool {
	if len(code) < 4 || len(code) > 10 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// Cancel deletes a challenge (logout, abandoned login).
func (o *OTP) Cancel(ctx context.Context, id string) {
	o.kill(ctx, id)
}

func (o *OTP) kill(ctx context.Context, id string) {
	if _, err := o.store.Delete(ctx, challengeKey(id)); err != nil {
		o.log.WarnContext(ctx, "otp: could not delete challenge", "error", err)
	}
}

// killAndCancel deletes a challenge that can no longer succeed and, for a
// provider-made code, cancels the provider's verification so that the
// next code is a fresh one rather than refused for spent attempts.
func (o *OTP) killAndCancel(ctx context.Context, ch *Challenge) {
	o.kill(ctx, ch.ID)
	c, ok := o.checker.(VerificationCanceler)
	if !ok || ch.Ref == "" {
		return
	}
	if err := c.CancelVerification(ctx, ch.Ref); err != nil {
		o.log.WarnContext(ctx, "otp: could not cancel the provider's verification", "error", err)
	}
}

// countryAllowed refuses numbers outside AllowedCountries.
func (o *OTP) countryAllowed(phone string) error {
	if len(o.cfg.AllowedCountries) == 0 {
		return nil
	}
	if !slices.Contains(o.cfg.AllowedCountries, PhoneCountry(phone)) {
		return ErrCountryNotAllowed
	}
	return nil
}

func (o *OTP) accountAllowed(ctx context.Context, user string) error {
	if user == "" {
		return nil
	}
	b, err := o.store.Get(ctx, accountFailKey(user))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("otp: read failures: %w", err)
	}
	var n int
	fmt.Sscan(string(b), &n)
	if n < o.cfg.MaxAccountFailures {
		return nil
	}
	ttl, err := o.store.TTL(ctx, accountFailKey(user))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("otp: read failures: %w", err)
	}
	return &RateLimitError{RetryAfter: ttl, Reason: "account_code_failures"}
}

// takeQuotas reserves one send on the client IP's quota and on the
// phone's. It returns a function that gives both back.
func (o *OTP) takeQuotas(ctx context.Context, phone string) (refund func(context.Context), err error) {
	var keys []string
	if ip := RequesterFrom(ctx).IP; ip != "" && o.cfg.MaxSendsPerIP > 0 {
		if err := o.reserve(ctx, ipQuotaKey(ip), o.cfg.MaxSendsPerIP, o.cfg.IPSendWindow, "ip_send_quota"); err != nil {
			return nil, err
		}
		keys = append(keys, ipQuotaKey(ip))
	}
	if o.cfg.MaxSends > 0 {
		if err := o.reserve(ctx, sendQuotaKey(phone), o.cfg.MaxSends, o.cfg.SendWindow, "send_quota"); err != nil {
			for _, k := range keys {
				o.release(ctx, k)
			}
			return nil, err
		}
		keys = append(keys, sendQuotaKey(phone))
	}
	return func(ctx context.Context) {
		for _, k := range keys {
			o.release(ctx, k)
		}
	}, nil
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

// unsentError marks a failure before anything was handed to the provider.
type unsentError struct{ err error }

func (e *unsentError) Error() string { return e.err.Error() }
func (e *unsentError) Unwrap() error { return e.err }

func (o *OTP) count(ctx context.Context, key string) (int64, error) {
	b, err := o.store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int64
	fmt.Sscan(string(b), &n)
	return n, nil
}

// issue makes the challenge, stores it and sends its code: a local code
// through Send, or a provider's through StartVerification. A challenge is
// stored only once its code is on the way (a local one just before, and
// deleted again when the send fails), so a failure leaves nothing behind.
// Decoys send nothing but take about as long as a send.
func (o *OTP) issue(ctx context.Context, ch *Challenge) (*Challenge, error) {
	id, err := RandomToken(16)
	if err != nil {
		return nil, &unsentError{err}
	}
	now := o.clock.Now()
	ch.ID = id
	ch.SentAt = now.UnixNano()
	ch.Expires = now.Add(o.cfg.TTL).UnixNano()
	msg := Message{To: ch.Phone, ExpiresAt: ch.ExpiresAt()}

	if ch.User != "" && o.checker != nil {
		start := time.Now()
		ref, err := o.checker.StartVerification(ctx, msg)
		if err != nil {
			return nil, fmt.Errorf("otp: send: %w", err)
		}
		o.sendLatency.observe(time.Since(start))
		ch.Ref = ref
		if err := o.save(ctx, ch); err != nil {
			return nil, err
		}
		return ch, nil
	}

	code, err := GenerateCode(o.cfg.Length)
	if err != nil {
		return nil, &unsentError{err}
	}
	ch.CodeHash = o.hash(id, code)
	body, err := o.render(ctx, code)
	if err != nil {
		return nil, &unsentError{err}
	}
	if err := o.save(ctx, ch); err != nil {
		return nil, &unsentError{err}
	}
	if ch.User == "" {
		o.sendLatency.wait(ctx)
		return ch, nil // decoy: nothing to send
	}
	msg.Code, msg.Body = code, body
	start := time.Now()
	if err := o.sender.Send(ctx, msg); err != nil {
		o.kill(ctx, id)
		return nil, fmt.Errorf("otp: send: %w", err)
	}
	o.sendLatency.observe(time.Since(start))
	return ch, nil
}

func (o *OTP) save(ctx context.Context, ch *Challenge) error {
	data, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	if err := o.store.Set(ctx, challengeKey(ch.ID), data, o.cfg.TTL); err != nil {
		return fmt.Errorf("otp: save challenge: %w", err)
	}
	return nil
}

// render fills in otp.message and, when WebOTP is on, appends the
// origin-bound line "@host #code" that browsers match against the page.
func (o *OTP) render(ctx context.Context, code string) (string, error) {
	var b strings.Builder
	if o.cfg.Message == nil {
		b.WriteString(code)
	} else if err := o.renderTemplate(&b, code); err != nil {
		return "", err
	}
	if o.cfg.WebOTPDomain != "" {
		host := RequesterFrom(ctx).Host
		if host == "" {
			host = o.cfg.WebOTPDomain
		}
		fmt.Fprintf(&b, "\n\n@%s #%s", host, code)
	}
	return b.String(), nil
}

func (o *OTP) renderTemplate(b *strings.Builder, code string) error {
	minutes := int((o.cfg.TTL + time.Minute - 1) / time.Minute)
	err := o.cfg.Message.Execute(b, struct {
		App     string
		Code    string
		Minutes int
	}{o.cfg.App, code, minutes})
	if err != nil {
		return fmt.Errorf("otp: render message: %w", err)
	}
	return nil
}

func (o *OTP) load(ctx context.Context, id string) (*Challenge, error) {
	if id == "" {
		return nil, ErrNoChallenge
	}
	data, err := o.store.Get(ctx, challengeKey(id))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("otp: no challenge: %w", ErrOTPExpired)
	}
	if err != nil {
		return nil, fmt.Errorf("otp: load: %w", err)
	}
	var ch Challenge
	if err := json.Unmarshal(data, &ch); err != nil {
		return nil, fmt.Errorf("otp: corrupt challenge: %w", ErrOTPExpired)
	}
	if !o.clock.Now().Before(ch.ExpiresAt()) {
		return nil, fmt.Errorf("otp: expired: %w", ErrOTPExpired)
	}
	ch.ID = id
	return &ch, nil
}

func (o *OTP) hash(id, code string) []byte {
	m := hmac.New(sha256.New, o.key)
	m.Write([]byte(id))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// GenerateCode returns n random decimal digits from crypto/rand, uniformly
// distributed (rand.Int rejects out-of-range samples: no modulo bias).
func GenerateCode(n int) (string, error) {
	if n < 1 || n > 18 {
		return "", fmt.Errorf("otp: bad code length %d", n)
	}
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, max)
	if err != nil {
		return "", fmt.Errorf("otp: random: %w", err)
	}
	return fmt.Sprintf("%0*d", n, v), nil
}

// RandomToken returns n random bytes, base64url-encoded without padding.
func RandomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashKey hides a secret or personal value (session id, phone) in key names.
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// clientNet is what per-client limits (the per-IP send quota, the
// client's regulation ban) count: the address, or for IPv6 its /64, which
// one subscriber usually has whole (counting single addresses would let a
// client rotate through 2^64 of them).
func clientNet(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// latency is a moving average of how long provider calls take.
type latency struct{ avg atomic.Int64 } // nanoseconds

// maxDecoyWait bounds how long a decoy imitates a provider call.
const maxDecoyWait = 3 * time.Second

func (l *latency) observe(d time.Duration) {
	old := l.avg.Load()
	if old == 0 {
		l.avg.Store(int64(d))
		return
	}
	l.avg.Store((7*old + int64(d)) / 8)
}

// wait sleeps about as long as the average call (±25%), or until ctx ends.
func (l *latency) wait(ctx context.Context) {
	avg := time.Duration(l.avg.Load())
	if avg <= 0 {
		return
	}
	d := min(avg*3/4+time.Duration(mrand.Int64N(int64(avg)/2+1)), maxDecoyWait)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func challengeKey(id string) string     { return "otp:{" + id + "}:c" }
func attemptsKey(id string) string      { return "otp:{" + id + "}:n" }
func sendQuotaKey(phone string) string  { return "otp:q:" + hashKey(phone) }
func ipQuotaKey(ip string) string       { return "otp:qi:" + hashKey(clientNet(ip)) }
func refundKey(quota string) string     { return quota + ":r" }
func accountFailKey(user string) string { return "otp:f:" + hashKey(user) }
