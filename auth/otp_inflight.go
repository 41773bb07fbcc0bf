package auth

// Hidden sends, whose asker may not learn that the number has an
// account, answered in a decoy's time however long the provider takes
// (docs/contract.md, "SMS delivery").

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// DefaultMaxSendsInFlight is OTPConfig.MaxSendsInFlight's default: with
// a provider that hangs until sms.timeout (10 s by default), about six
// hidden sends a second per replica, far above what the default
// otp.budget lets through in a day's busiest hour.
const DefaultMaxSendsInFlight = 64

// DefaultSendTimeout is OTPConfig.SendTimeout's default, sms.timeout's.
const DefaultSendTimeout = 10 * time.Second

// ErrSendsInFlight marks a hidden send not made because
// OTPConfig.MaxSendsInFlight of them were at the provider already. It
// goes with ErrSMSFailed, never alone; such a send is answered as a
// decoy and counted as refused (docs/contract.md, "SMS delivery").
var ErrSendsInFlight = errors.New("too many sends in flight at the provider")

// flight is one hidden send at the provider: claimed says who settled
// its fate first, the answer (its due time came) or the provider (its
// result, on done).
type flight struct {
	claimed atomic.Bool
	done    chan error
}

// sendHidden sends the stored challenge ch's code (msg), for an asker
// who may not learn that the number has an account: the answer is given
// at ch.due, when a decoy's would be, whatever the provider's time.
// The provider's answer before then is the answer (its failure a
// providerError, stood in for by the caller); after then, the challenge
// is answered as sent and the send goes on, detached from the request
// (its values kept, not its end), bounded by OTPConfig.SendTimeout, and
// its failure then turns the challenge into a decoy (late). At most
// OTPConfig.MaxSendsInFlight such sends are at the provider at once:
// past it nothing is sent and the failure is ErrSendsInFlight.
func (o *OTP) sendHidden(ctx context.Context, ch *Challenge, msg Message) (*Challenge, error) {
	select {
	case o.inFlight <- struct{}{}:
	default:
		o.kill(ctx, ch.ID)
		return nil, &providerError{fmt.Errorf("otp: send: %d in flight: %w: %w", cap(o.inFlight), ErrSendsInFlight, ErrSMSFailed)}
	}
	sent := *ch // the send's own: the answer's is read meanwhile
	f := &flight{done: make(chan error, 1)}
	o.flights.Add(1)
	go o.fly(context.WithoutCancel(ctx), &sent, msg, f)
	t := time.NewTimer(time.Until(ch.due))
	defer t.Stop()
	select {
	case err := <-f.done:
		return o.landed(ctx, &sent, err)
	case <-t.C:
	case <-ctx.Done():
	}
	if f.claimed.CompareAndSwap(false, true) {
		ch.detached = true
		return ch, nil
	}
	return o.landed(ctx, &sent, <-f.done)
}

// landed answers the hidden send ch whose provider answered, with err,
// before ch.due: its failure is the caller's to stand in for; its
// success is told at ch.due.
func (o *OTP) landed(ctx context.Context, ch *Challenge, err error) (*Challenge, error) {
	if err != nil {
		o.kill(ctx, ch.ID)
		return nil, err
	}
	waitUntil(ctx, ch.due)
	return ch, nil
}

// fly makes the send of sendHidden and hands its result to the answer,
// or, once the answer was given, ends it itself (late). ctx has the
// request's values, not its cancellation.
func (o *OTP) fly(ctx context.Context, ch *Challenge, msg Message, f *flight) {
	defer o.flights.Done()
	defer func() { <-o.inFlight }()
	sctx, cancel := context.WithTimeout(ctx, o.cfg.SendTimeout)
	err := o.deliver(sctx, ch, msg)
	cancel()
	if f.claimed.CompareAndSwap(false, true) {
		f.done <- err
		return
	}
	o.late(ctx, ch, err)
}

// late ends the hidden send ch, answered as sent before the provider's
// answer, err: it is counted, and its failure is met as one before the
// answer would have been (standIn): the challenge becomes a decoy,
// which nothing was sent for and no code passes, its quotas stay spent,
// and the failure is reported (withLateReport) for the trail.
func (o *OTP) late(ctx context.Context, ch *Challenge, err error) {
	o.tally(ctx, ch.Phone, false, err)
	if err == nil {
		return
	}
	o.backOffIfAsked(ctx, err)
	d := &Challenge{ID: ch.ID, Phone: ch.Phone, Purpose: ch.Purpose, Hidden: true, SentAt: ch.SentAt, Expires: ch.Expires}
	if _, serr := o.replace(ctx, d); serr != nil {
		o.log.WarnContext(ctx, "otp: a failed send's challenge was not turned into a decoy", "error", serr)
	}
	ch.sendErr, ch.detached = err, true
	if report, ok := ctx.Value(lateReportKey{}).(func(context.Context, *Challenge)); ok {
		report(ctx, ch)
		return
	}
	o.log.WarnContext(ctx, "otp: a send failed after its answer", "error", err)
}

// Wait returns once every hidden send at the provider has ended (each
// within OTPConfig.SendTimeout), its failure met, or when ctx ends, with
// its error: a shutdown waits for the sends answered before it
// (docs/contract.md, "SMS delivery").
func (o *OTP) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		o.flights.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type lateReportKey struct{}

// withLateReport returns ctx carrying report, which a hidden send that
// fails after its answer (OTP.late) calls with its challenge, sendErr
// set, as the caller of one that failed before meets its stand-in.
func withLateReport(ctx context.Context, report func(context.Context, *Challenge)) context.Context {
	return context.WithValue(ctx, lateReportKey{}, report)
}
