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
	"math/big"
	"strings"
	"time"
)

// Challenge is one code sent to one phone for one user. Only a keyed hash
// of the code is stored.
type Challenge struct {
	ID       string `json:"-"`           // opaque id, kept in the pending session
	User     string `json:"u"`           // "" for a decoy
	Phone    string `json:"p"`           // E.164 destination
	Purpose  string `json:"k"`           // what the code is for (the gateway's "login", "reset"...)
	CodeHash []byte `json:"h,omitempty"` // local codes and decoys
	// Ref is the provider's verification reference when the provider
	// made the code (CodeChecker); "" when Gatehouse did.
	Ref     string `json:"r,omitempty"`
	SentAt  int64  `json:"s"` // unix nanos of the last send
	Expires int64  `json:"e"` // unix nanos
	// Proved says the code was asked for by someone who had already
	// proved something (the password, or a signed-in session): its sends
	// come from the number's own budget, which anonymous triggers
	// (passwordless start, reset, sign-up) cannot spend.
	Proved bool `json:"v,omitempty"`
	// Known says the code was asked for from a known device of the
	// account (docs/contract.md, "Known devices"): its sends come from
	// the number's known-device budget, which neither anonymous triggers
	// nor the codes after the password spend, so a browser someone left
	// signed in before (a shared computer) cannot spend the budget the
	// password's codes use.
	Known bool `json:"kd,omitempty"`
	// Hidden says its asker may not learn that the number has an
	// account (a code-only sign-in, a password reset, a sign-up, by
	// someone who proved nothing of it): a send of it that fails at the
	// provider is answered as the decoy of a number without one, which
	// calls no provider, would be (OTP.standIn; docs/contract.md, "SMS
	// delivery").
	Hidden bool `json:"hd,omitempty"`
	// Approved is the keyed hash of the code the provider approved
	// after its check of a hidden challenge was answered, without its
	// verdict (OTP.checkHidden), or approved for a step that then
	// refused what came with it (OTP.VerifyThen): that code typed again
	// passes, without the provider, whose verification it spent.
	Approved []byte `json:"a,omitempty"`
	// sendErr is the provider's failure a decoy stands in for
	// (OTP.standIn), for the caller to put on the trail; never stored.
	sendErr error
	// due is when a decoy, or a hidden send (OTP.sendHidden), is
	// answered: a decoy's time (latency.draw) from the send's start, the
	// same for a stand-in as for the send it replaces; never stored.
	due time.Time
	// detached says the answer came before the provider's (a hidden
	// send, OTP.sendHidden): the send goes on, and is counted and its
	// failure reported when it ends; never stored.
	detached bool
	// replaces is the id of the challenge a resend replaces, whose hold
	// on the number's verification at the provider it takes over
	// (OTP.claim); never stored.
	replaces string
	// notice is sent, in place of a code, by the first send of a decoy
	// for a number that has an account (OTP.StartNotice); never stored.
	notice string
}

// toNumber reports whether the challenge is for a phone number. A decoy
// may stand for something that is not a number at all (a password reset
// for an unknown name): only numbers have a country, a range and a send
// quota of their own.
func (c *Challenge) toNumber() bool {
	return c.User != "" || c.notice != "" || PhoneCountry(c.Phone) != ""
}

// ExpiresAt is when the code stops working.
func (c *Challenge) ExpiresAt() time.Time { return time.Unix(0, c.Expires) }

// issue makes the challenge, stores it and sends its code: a local code
// through Send, or a provider's through StartVerification. A challenge is
// stored just before its code is sent (a provider's without its
// reference, which is added once the provider gives it), and deleted
// again when the send fails, so a failure leaves nothing behind. Decoys
// send nothing but take about as long as a send (until ch.due), or send
// a notice (StartNotice), which is a send. A hidden send is answered at
// ch.due, as a decoy is, whatever the provider's time (sendHidden).
func (o *OTP) issue(ctx context.Context, ch *Challenge) (*Challenge, error) {
	if ch.due.IsZero() {
		ch.due = time.Now().Add(max(o.sendLatency.draw(), minSendWait))
	}
	id, err := RandomToken(16)
	if err != nil {
		return nil, &unsentError{err}
	}
	now := o.clock.Now()
	ch.ID = id
	ch.SentAt = now.UnixNano()
	ch.Expires = now.Add(o.cfg.TTL).UnixNano()
	msg := Message{To: ch.Phone, ExpiresAt: ch.ExpiresAt()}
	if ch.User == "" || o.checker == nil { // a code of ours
		code, err := GenerateCode(o.cfg.Length)
		if err != nil {
			return nil, &unsentError{err}
		}
		ch.CodeHash = o.hash(id, code)
		body, err := o.render(ctx, code)
		if err != nil {
			return nil, &unsentError{err}
		}
		msg.Code, msg.Body = code, body
		if ch.User == "" {
			msg.Code, msg.Body = "", ch.notice // a decoy whose number is told instead
		}
	}
	if err := o.save(ctx, ch); err != nil {
		return nil, &unsentError{err}
	}
	switch {
	case ch.User == "" && ch.notice == "":
		waitUntil(ctx, ch.due)
		return ch, nil // decoy: nothing to send
	case ch.Hidden:
		return o.sendHidden(ctx, ch, msg)
	}
	if err := o.deliver(ctx, ch, msg); err != nil {
		o.kill(ctx, id)
		return nil, err
	}
	return ch, nil
}

// deliver hands the stored challenge ch's code (msg) to the provider,
// and stores the provider's reference when it makes the code. A
// provider's failure is a providerError; the store's is returned as is.
// Its time teaches the decoys (learnFrom).
func (o *OTP) deliver(ctx context.Context, ch *Challenge, msg Message) error {
	start := time.Now()
	if ch.User != "" && o.checker != nil {
		if err := o.claim(ctx, ch); err != nil {
			return err
		}
		start = time.Now() // a takeover's cancel is no send's time
		ref, err := o.checker.StartVerification(ctx, msg)
		if err != nil {
			return &providerError{fmt.Errorf("otp: send: %w", err)}
		}
		learnFrom(ch, &o.sendLatency, start)
		ch.Ref = ref
		if _, err := o.replace(ctx, ch); err != nil {
			return err
		}
		return nil
	}
	if err := o.sender.Send(ctx, msg); err != nil {
		return &providerError{fmt.Errorf("otp: send: %w", err)}
	}
	learnFrom(ch, &o.sendLatency, start)
	return nil
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

// replace stores ch over the stored challenge of its id, and reports
// whether there was one: a challenge ended meanwhile (used up, cancelled,
// replaced by a resend) stays ended.
func (o *OTP) replace(ctx context.Context, ch *Challenge) (bool, error) {
	ttl := ch.ExpiresAt().Sub(o.clock.Now())
	if ttl <= 0 {
		return false, nil
	}
	data, err := json.Marshal(ch)
	if err != nil {
		return false, err
	}
	ok, err := o.store.SetIfExists(ctx, challengeKey(ch.ID), data, ttl)
	if err != nil {
		return false, fmt.Errorf("otp: save challenge: %w", err)
	}
	return ok, nil
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
