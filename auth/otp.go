package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"text/template"
	"time"
)

// OTPConfig are the one-time code settings (config.OTP, resolved).
type OTPConfig struct {
	// App names the gateway in every text: {{.App}} in Message, and the
	// notices. NewOTP keeps it as TextName has it, PublicURL (public_url)
	// the fallback's host (docs/contract.md, "SMS delivery").
	App            string
	PublicURL      string
	Length         int           // digits, 6..10
	TTL            time.Duration // lifetime of one code
	MaxAttempts    int           // wrong codes per challenge
	ResendCooldown time.Duration // minimum gap between sends of one challenge
	MaxSends       int           // sends per phone number per SendWindow
	SendWindow     time.Duration // the fixed window of MaxSends
	// MaxSendsPerIP bounds sends (decoys included) per client IP per
	// IPSendWindow; 0 disables the per-IP quota. The IP comes from the
	// Requester in the context.
	MaxSendsPerIP int
	IPSendWindow  time.Duration // the fixed window of MaxSendsPerIP
	// AllowedCountries are the ISO 3166 alpha-2 regions (upper-case) codes
	// may be sent to; empty allows every country.
	AllowedCountries []string
	// AllowedNumberTypes are the kinds of number (PhoneNumberType) codes
	// may be sent to; empty allows every kind.
	AllowedNumberTypes []string
	// BudgetPerDay, BudgetPerCountryPerHour and BudgetPerPrefixPerHour
	// cap the anonymous sends (not StartProved's) over all numbers, over
	// a destination country and over a number prefix (the number without
	// its last four digits); 0 turns a cap off.
	BudgetPerDay, BudgetPerCountryPerHour, BudgetPerPrefixPerHour int
	// WebOTPDomain, when set, appends the origin-bound line
	// "@domain #code" to each message so browsers can offer to fill in the
	// code on that site only. The Requester's Host, when set, replaces it.
	WebOTPDomain string
	// MaxAccountFailures bounds wrong codes per account per hour, across
	// resends and restarted logins (0 = 100).
	MaxAccountFailures int
	Message            *template.Template // otp.message
	// MaxSendsInFlight bounds the hidden sends (a code or notice whose
	// asker may not learn that the number has an account) at the
	// provider at once, answered or not (0 = DefaultMaxSendsInFlight);
	// past it a hidden send is answered as a decoy, nothing sent. It
	// bounds the hidden checks and cancels too, apart from the sends:
	// past it a hidden code is answered as a wrong one, unchecked
	// (checkHidden).
	MaxSendsInFlight int
	// SendTimeout bounds a hidden send, check or cancel that goes on
	// after its answer (sms.timeout; 0 = DefaultSendTimeout).
	SendTimeout time.Duration
}

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
	names   keyNamer // names the store keys of quotas and failures
	cfg     OTPConfig
	clock   Clock
	log     *slog.Logger
	// sendLatency, checkLatency and cancelLatency track how long real
	// provider calls take, so that decoys (which call nothing) take about
	// as long: the calls no stranger can cause (learnFrom).
	sendLatency, checkLatency, cancelLatency latency
	// inFlight holds a token for each hidden send at the provider
	// (sendHidden), MaxSendsInFlight at most.
	inFlight chan struct{}
	// checking holds a token for each hidden check or cancel at the
	// provider (checkHidden, killAndCancel), MaxSendsInFlight at most,
	// apart from the sends.
	checking chan struct{}
	flights  sync.WaitGroup // the hidden calls at the provider (Wait)
}

// NewOTP returns the code service. key keys the code hashes and, through
// a key derived from it, the names of the store keys that count sends and
// wrong codes per phone, client and account (docs/contract.md, "Store
// keys"). It must be the same on every replica: derive it from the
// signing key (Signer.DeriveKey("otp")). NewOTP panics when key is
// shorter than MinKeyLen.
func NewOTP(store Store, sender Sender, key []byte, cfg OTPConfig, clock Clock, log *slog.Logger) *OTP {
	key = requireKey("NewOTP", key)
	if cfg.MaxAccountFailures == 0 {
		cfg.MaxAccountFailures = 100
	}
	if cfg.MaxSendsInFlight <= 0 {
		cfg.MaxSendsInFlight = DefaultMaxSendsInFlight
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = DefaultSendTimeout
	}
	if clock == nil {
		clock = SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg.App = TextName(cfg.App, cfg.PublicURL)
	cfg.AllowedCountries = slices.Clone(cfg.AllowedCountries)
	for i, c := range cfg.AllowedCountries {
		cfg.AllowedCountries[i] = strings.ToUpper(c)
	}
	checker, _ := sender.(CodeChecker)
	return &OTP{store: store, sender: sender, checker: checker, key: key, names: keyNamer{subKey(key, "otp store key names")}, cfg: cfg, clock: clock, log: log,
		inFlight: make(chan struct{}, cfg.MaxSendsInFlight), checking: make(chan struct{}, cfg.MaxSendsInFlight)}
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

// StartProved is Start for a code asked for after a proof (the right
// password, a signed-in session's step-up or phone change): its sends,
// and its resends, take the number's proved budget, apart from the one
// anonymous triggers spend, so that nobody can lock a person out of
// signing in by asking for codes to their number (docs/contract.md,
// "Send quotas").
func (o *OTP) StartProved(ctx context.Context, user, phone, purpose string) (*Challenge, error) {
	if phone == "" {
		return nil, ErrNoPhone
	}
	return o.start(ctx, &Challenge{User: user, Phone: phone, Purpose: purpose, Proved: true})
}

// StartKnown is Start for a code asked for from a known device of user's
// account (docs/contract.md, "Known devices"): its sends, and its
// resends, take the number's known-device budget, apart from the
// anonymous one and the proved one.
func (o *OTP) StartKnown(ctx context.Context, user, phone, purpose string) (*Challenge, error) {
	if phone == "" {
		return nil, ErrNoPhone
	}
	return o.start(ctx, &Challenge{User: user, Phone: phone, Purpose: purpose, Known: true})
}

// StartDecoy records a challenge for phone that belongs to no user: it
// takes the send quotas and answers Verify like a real one, but nothing is
// sent and it can never sign anyone in. It keeps unknown numbers
// indistinguishable from known ones, down to the time a send takes. It
// is hidden (Challenge.Hidden), as the real challenges it stands for
// are, so that its checks take their time (checkHidden).
func (o *OTP) StartDecoy(ctx context.Context, phone, purpose string) (*Challenge, error) {
	return o.start(ctx, &Challenge{Phone: phone, Purpose: purpose, Hidden: true})
}

func (o *OTP) start(ctx context.Context, ch *Challenge) (out *Challenge, err error) {
	// A notice is a message sent, counted (and priced) as one; a
	// stand-in's send failed.
	defer func() { o.tallySend(ctx, ch.Phone, ch.User == "" && ch.notice == "", out, err) }()
	if ch.toNumber() {
		if err := o.countryAllowed(ch.Phone); err != nil {
			return nil, err
		}
	}
	if err := o.providerBackedOff(ctx); err != nil {
		return nil, err
	}
	refund, err := o.takeQuotas(ctx, ch)
	if err != nil {
		return nil, err
	}
	if out, err = o.issue(ctx, ch); err != nil {
		o.backOffIfAsked(ctx, err)
		if standsIn(ch, err) {
			return o.standIn(ctx, ch, err)
		}
		o.refundIfUnsent(ctx, err, refund)
		return nil, err
	}
	return out, nil
}

// Resend replaces the challenge id with a fresh one and a new code (the old
// code stops working), honouring the resend cooldown and the send quotas.
// When the send fails the old challenge stays as it was; but a hidden
// one's failure at the provider is answered by a stand-in (standIn),
// which replaces it as a send would.
func (o *OTP) Resend(ctx context.Context, id string) (ch *Challenge, err error) {
	old, err := o.load(ctx, id)
	if err != nil {
		return nil, err
	}
	defer func() { o.tallySend(ctx, old.Phone, old.User == "", ch, err) }()
	now := o.clock.Now()
	if wait := time.Unix(0, old.SentAt).Add(o.cfg.ResendCooldown).Sub(now); wait > 0 {
		return nil, &RateLimitError{RetryAfter: wait, Reason: "resend_cooldown"}
	}
	if err := o.countryAllowed(old.Phone); err != nil {
		return nil, err
	}
	if err := o.providerBackedOff(ctx); err != nil {
		return nil, err
	}
	refund, err := o.takeQuotas(ctx, old)
	if err != nil {
		return nil, err
	}
	next := &Challenge{User: old.User, Phone: old.Phone, Purpose: old.Purpose, Proved: old.Proved, Known: old.Known, Hidden: old.Hidden, replaces: id}
	if ch, err = o.issue(ctx, next); err != nil {
		o.backOffIfAsked(ctx, err)
		if !standsIn(next, err) {
			o.refundIfUnsent(ctx, err, refund)
			return nil, err
		}
		if ch, err = o.standIn(ctx, next, err); err != nil {
			return nil, err
		}
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
// wrong codes (a decoy's number counts as its account, so a decoy answers
// wrong codes exactly as a real challenge does). For provider-made codes
// a provider that cannot be asked is ErrCheckFailed (the attempt still
// counts), but for a hidden challenge's code, which is answered as a
// wrong one (checkHidden).
func (o *OTP) Verify(ctx context.Context, id, code string) (*Challenge, error) {
	return o.VerifyThen(ctx, id, code, nil)
}

// VerifyThen is Verify, but a right code consumes the challenge only if
// accept (nil: always) agrees: its error is returned and the challenge
// stays, for another try with the same code (the attempt still counts).
// It lets a step check what only the code's holder may learn about (a
// new password against the account's own data) after the code, without
// making the person ask for a new one.
func (o *OTP) VerifyThen(ctx context.Context, id, code string, accept func(*Challenge) error) (*Challenge, error) {
	ch, err := o.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := o.accountAllowed(ctx, ch); err != nil {
		return nil, err
	}
	n, err := o.store.Incr(ctx, attemptsKey(id), o.cfg.TTL)
	if err != nil {
		return nil, fmt.Errorf("otp: count attempt: %w", err)
	}
	if n > int64(o.cfg.MaxAttempts) {
		o.killAndCancel(ctx, ch)
		return nil, fmt.Errorf("otp: attempts used up: %w", ErrOTPAttemptsUsed)
	}
	right, err := o.check(ctx, ch, code)
	// A hidden challenge's code the provider gave no verdict on is
	// answered, and counted, as a wrong one, as a decoy's is
	// (checkHidden).
	unchecked, _ := errors.AsType[*uncheckedError](err)
	if err != nil && unchecked == nil {
		if errors.Is(err, ErrOTPExpired) {
			o.killAndCancel(ctx, ch)
		}
		return nil, err
	}
	// A decoy's code is never right, even guessed: a decoy never signs
	// anyone in (the one place this rule lives), and it is counted and
	// answered like any wrong code.
	if !right || ch.User == "" {
		if _, err := o.store.Incr(ctx, o.accountFailKey(ch), time.Hour); err != nil {
			return nil, fmt.Errorf("otp: count failure: %w", err)
		}
		answer := ErrOTPInvalid
		switch n {
		case int64(o.cfg.MaxAttempts):
			o.killAndCancel(ctx, ch)
			answer = fmt.Errorf("otp: last attempt failed: %w", ErrOTPAttemptsUsed)
		case int64(o.cfg.MaxAttempts) - 1:
			answer = ErrOTPLastAttempt
		}
		if unchecked != nil {
			unchecked.answer = answer
			return nil, unchecked
		}
		return nil, answer
	}
	if accept != nil {
		if err := accept(ch); err != nil {
			// The provider's verification is spent by its approval:
			// the code stays good by its keyed hash (docs/contract.md,
			// "SMS delivery").
			if o.checker != nil && ch.Ref != "" && ch.Approved == nil {
				o.approve(ctx, ch, o.hash(ch.ID, code))
			}
			return nil, err
		}
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
