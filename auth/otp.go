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
	"strings"
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
	// MaxAccountFailures bounds wrong codes per account per hour, across
	// resends and restarted logins (0 = 100).
	MaxAccountFailures int
	Message            *template.Template // otp.message
}

// Challenge is one code sent to one phone for one user. Only a keyed hash
// of the code is stored.
type Challenge struct {
	ID       string `json:"-"` // opaque id, kept in the pending session
	User     string `json:"u"`
	Phone    string `json:"p"`
	Purpose  string `json:"k"`
	CodeHash []byte `json:"h"`
	SentAt   int64  `json:"s"` // unix nanos of the last send
	Expires  int64  `json:"e"` // unix nanos
}

// ExpiresAt is when the code stops working.
func (c *Challenge) ExpiresAt() time.Time { return time.Unix(0, c.Expires) }

// OTP issues and checks one-time codes. Codes come from crypto/rand without
// modulo bias, are stored only as HMAC-SHA256(key, id|code), die after TTL or
// MaxAttempts wrong tries, and succeed at most once even under concurrent
// submits (the challenge key is deleted, and only one Delete wins).
type OTP struct {
	store  Store
	sender Sender
	key    []byte
	cfg    OTPConfig
	clock  Clock
	log    *slog.Logger
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
	return &OTP{store: store, sender: sender, key: key, cfg: cfg, clock: clock, log: log}
}

// Config returns the settings the service runs with.
func (o *OTP) Config() OTPConfig { return o.cfg }

// Start creates a challenge for user and sends a new code to phone. It
// enforces the per-phone send quota (RateLimitError). When the provider
// fails, nothing is left behind and the error wraps ErrSMSFailed.
func (o *OTP) Start(ctx context.Context, user, phone, purpose string) (*Challenge, error) {
	if phone == "" {
		return nil, ErrNoPhone
	}
	if err := o.takeQuota(ctx, phone); err != nil {
		return nil, err
	}
	return o.issue(ctx, &Challenge{User: user, Phone: phone, Purpose: purpose})
}

// StartDecoy records a challenge for phone that belongs to no user: it
// takes the send quota and answers Verify like a real one, but nothing is
// sent and it can never sign anyone in. It keeps unknown numbers
// indistinguishable from known ones.
func (o *OTP) StartDecoy(ctx context.Context, phone, purpose string) (*Challenge, error) {
	if err := o.takeQuota(ctx, phone); err != nil {
		return nil, err
	}
	return o.issue(ctx, &Challenge{Phone: phone, Purpose: purpose})
}

// Resend replaces the challenge id with a fresh one and a new code (the old
// code stops working), honouring the resend cooldown and the send quota.
func (o *OTP) Resend(ctx context.Context, id string) (*Challenge, error) {
	old, err := o.load(ctx, id)
	if err != nil {
		return nil, err
	}
	now := o.clock.Now()
	if wait := time.Unix(0, old.SentAt).Add(o.cfg.ResendCooldown).Sub(now); wait > 0 {
		return nil, &RateLimitError{RetryAfter: wait, Reason: "resend_cooldown"}
	}
	if err := o.takeQuota(ctx, old.Phone); err != nil {
		return nil, err
	}
	ch, err := o.issue(ctx, &Challenge{User: old.User, Phone: old.Phone, Purpose: old.Purpose})
	if err != nil {
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
// wrong codes.
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
		o.kill(ctx, id)
		return nil, fmt.Errorf("otp: attempts used up: %w", ErrOTPExpired)
	}
	want := o.hash(id, code)
	if !hmac.Equal(want, ch.CodeHash) {
		if _, err := o.store.Incr(ctx, accountFailKey(ch.User), time.Hour); err != nil {
			return nil, fmt.Errorf("otp: count failure: %w", err)
		}
		if n >= int64(o.cfg.MaxAttempts) {
			o.kill(ctx, id)
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

// Cancel deletes a challenge (logout, abandoned login).
func (o *OTP) Cancel(ctx context.Context, id string) {
	o.kill(ctx, id)
}

func (o *OTP) kill(ctx context.Context, id string) {
	if _, err := o.store.Delete(ctx, challengeKey(id)); err != nil {
		o.log.WarnContext(ctx, "otp: could not delete challenge", "error", err)
	}
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

func (o *OTP) takeQuota(ctx context.Context, phone string) error {
	if o.cfg.MaxSends <= 0 {
		return nil
	}
	key := sendQuotaKey(phone)
	n, err := o.store.Incr(ctx, key, o.cfg.SendWindow)
	if err != nil {
		return fmt.Errorf("otp: send quota: %w", err)
	}
	if n <= int64(o.cfg.MaxSends) {
		return nil
	}
	ttl, err := o.store.TTL(ctx, key)
	if err != nil {
		ttl = o.cfg.SendWindow
	}
	return &RateLimitError{RetryAfter: ttl, Reason: "send_quota"}
}

func (o *OTP) issue(ctx context.Context, ch *Challenge) (*Challenge, error) {
	id, err := RandomToken(16)
	if err != nil {
		return nil, err
	}
	code, err := GenerateCode(o.cfg.Length)
	if err != nil {
		return nil, err
	}
	now := o.clock.Now()
	ch.ID = id
	ch.CodeHash = o.hash(id, code)
	ch.SentAt = now.UnixNano()
	ch.Expires = now.Add(o.cfg.TTL).UnixNano()
	data, err := json.Marshal(ch)
	if err != nil {
		return nil, err
	}
	if err := o.store.Set(ctx, challengeKey(id), data, o.cfg.TTL); err != nil {
		return nil, fmt.Errorf("otp: save challenge: %w", err)
	}
	body, err := o.render(code)
	if err != nil {
		o.kill(ctx, id)
		return nil, err
	}
	if ch.User == "" {
		return ch, nil // decoy: nothing to send
	}
	msg := Message{To: ch.Phone, Code: code, Body: body, ExpiresAt: ch.ExpiresAt()}
	if err := o.sender.Send(ctx, msg); err != nil {
		o.kill(ctx, id)
		return nil, fmt.Errorf("otp: send: %w", err)
	}
	return ch, nil
}

func (o *OTP) render(code string) (string, error) {
	if o.cfg.Message == nil {
		return code, nil
	}
	var b strings.Builder
	minutes := int((o.cfg.TTL + time.Minute - 1) / time.Minute)
	err := o.cfg.Message.Execute(&b, struct {
		App     string
		Code    string
		Minutes int
	}{o.cfg.App, code, minutes})
	if err != nil {
		return "", fmt.Errorf("otp: render message: %w", err)
	}
	return b.String(), nil
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

func challengeKey(id string) string     { return "otp:{" + id + "}:c" }
func attemptsKey(id string) string      { return "otp:{" + id + "}:n" }
func sendQuotaKey(phone string) string  { return "otp:q:" + hashKey(phone) }
func accountFailKey(user string) string { return "otp:f:" + hashKey(user) }
