package sms

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Operations and outcomes reported to an Observer.
const (
	OpSend   = "send"   // a message sent, or a verification started
	OpCheck  = "check"  // a code checked by the provider
	OpCancel = "cancel" // a verification canceled

	OutcomeOK           = "ok"
	OutcomeWrongCode    = "wrong_code"    // check: the code was not right
	OutcomeInvalidPhone = "invalid_phone" // the provider refused the number
	OutcomeRateLimited  = "rate_limited"  // the provider refused to send again so soon
	OutcomeExpired      = "expired"       // the verification can no longer succeed
	OutcomeFailed       = "failed"        // network, timeout, 5xx, credentials
)

// Event is one provider call.
type Event struct {
	Provider string        // "twilio_messaging", "twilio_verify", "sinch", "webhook", "console"
	Op       string        // OpSend, OpCheck or OpCancel
	Outcome  string        // one of the Outcome constants
	Duration time.Duration // how long the call took
}

// Observer receives an Event after every provider call. It must be safe
// for concurrent use and quick: it runs on the request's path.
type Observer interface {
	// ObserveSMS records one provider call.
	ObserveSMS(e Event)
}

// Outcome classifies the error of a provider call (nil is OutcomeOK).
func Outcome(err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, auth.ErrInvalidPhone):
		return OutcomeInvalidPhone
	case errors.Is(err, auth.ErrRateLimited):
		return OutcomeRateLimited
	case errors.Is(err, auth.ErrOTPExpired):
		return OutcomeExpired
	default:
		return OutcomeFailed
	}
}

// Instrument wraps s so that every call is reported to obs (which may be
// nil) under the name provider, and every failure is logged with the
// masked number. The result implements auth.CodeChecker and
// auth.VerificationCanceler exactly when s does.
func Instrument(s auth.Sender, provider string, obs Observer, log *slog.Logger) auth.Sender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base := instrumented{next: s, provider: provider, obs: obs, log: log}
	checker, isChecker := s.(auth.CodeChecker)
	canceler, isCanceler := s.(auth.VerificationCanceler)
	switch {
	case isChecker && isCanceler:
		return &instrumentedCanceler{instrumentedChecker{base, checker}, canceler}
	case isChecker:
		return &instrumentedChecker{base, checker}
	default:
		return &base
	}
}

type instrumented struct {
	next     auth.Sender
	provider string
	obs      Observer
	log      *slog.Logger
}

func (i *instrumented) done(ctx context.Context, op, to string, outcome string, start time.Time, err error) {
	d := time.Since(start)
	if i.obs != nil {
		i.obs.ObserveSMS(Event{Provider: i.provider, Op: op, Outcome: outcome, Duration: d})
	}
	if err != nil {
		args := []any{"provider", i.provider, "operation", op, "outcome", outcome, "duration", d.String(), "error", err}
		if to != "" {
			args = append(args, "phone", auth.MaskPhone(to))
		}
		level := slog.LevelWarn
		if outcome == OutcomeFailed {
			level = slog.LevelError
		}
		i.log.Log(ctx, level, "sms provider call failed", args...)
	}
}

// Send implements auth.Sender.
func (i *instrumented) Send(ctx context.Context, msg auth.Message) error {
	start := time.Now()
	err := i.next.Send(ctx, msg)
	i.done(ctx, OpSend, msg.To, Outcome(err), start, err)
	return err
}

type instrumentedChecker struct {
	instrumented
	checker auth.CodeChecker
}

// StartVerification implements auth.CodeChecker.
func (i *instrumentedChecker) StartVerification(ctx context.Context, msg auth.Message) (string, error) {
	start := time.Now()
	ref, err := i.checker.StartVerification(ctx, msg)
	i.done(ctx, OpSend, msg.To, Outcome(err), start, err)
	return ref, err
}

// CheckCode implements auth.CodeChecker.
func (i *instrumentedChecker) CheckCode(ctx context.Context, ref, to, code string) (bool, error) {
	start := time.Now()
	ok, err := i.checker.CheckCode(ctx, ref, to, code)
	outcome := Outcome(err)
	if err == nil && !ok {
		outcome = OutcomeWrongCode
	}
	i.done(ctx, OpCheck, to, outcome, start, err)
	return ok, err
}

type instrumentedCanceler struct {
	instrumentedChecker
	canceler auth.VerificationCanceler
}

// CancelVerification implements auth.VerificationCanceler.
func (i *instrumentedCanceler) CancelVerification(ctx context.Context, ref string) error {
	start := time.Now()
	err := i.canceler.CancelVerification(ctx, ref)
	i.done(ctx, OpCancel, "", Outcome(err), start, err)
	return err
}

var (
	_ auth.Sender               = (*instrumented)(nil)
	_ auth.CodeChecker          = (*instrumentedChecker)(nil)
	_ auth.VerificationCanceler = (*instrumentedCanceler)(nil)
)
