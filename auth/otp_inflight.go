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

// flight is one hidden call at the provider (a send, a check, a
// cancel): claimed says who settled its fate first, the answer (its due
// time came) or the provider (its result, on done).
type flight struct {
	claimed atomic.Bool
	done    chan error
}

// errNoRoom marks a hidden call not made because its in-flight bound
// was reached (atDecoyTime).
var errNoRoom = errors.New("no room at the provider")

// atDecoyTime makes call, a provider call for a hidden challenge whose
// asker may not learn that the number has an account, to be answered
// at due, when a decoy's would be, whatever the provider's time: a
// result before then is returned as it comes (landed true; the caller
// answers at due); at due the answer is given without it (landed
// false) and the call goes on, detached from the request (its values
// kept, not its end), bounded by OTPConfig.SendTimeout, handing its
// result to late when it ends. A call takes a token of room (its
// in-flight bound) while at the provider; with none free, call is not
// made and the error is errNoRoom (landed true). The shutdown waits for
// the calls (Wait).
func (o *OTP) atDecoyTime(ctx context.Context, room chan struct{}, due time.Time, call func(context.Context) error, late func(context.Context, error)) (landed bool, err error) {
	select {
	case room <- struct{}{}:
	default:
		return true, fmt.Errorf("%d in flight: %w", cap(room), errNoRoom)
	}
	f := &flight{done: make(chan error, 1)}
	o.flights.Add(1)
	go func(ctx context.Context) {
		defer o.flights.Done()
		defer func() { <-room }()
		cctx, cancel := context.WithTimeout(ctx, o.cfg.SendTimeout)
		err := call(cctx)
		cancel()
		if f.claimed.CompareAndSwap(false, true) {
			f.done <- err
			return
		}
		late(ctx, err)
	}(context.WithoutCancel(ctx))
	t := time.NewTimer(time.Until(due))
	defer t.Stop()
	select {
	case err := <-f.done:
		return true, err
	case <-t.C:
	case <-ctx.Done():
	}
	if f.claimed.CompareAndSwap(false, true) {
		return false, nil
	}
	return true, <-f.done
}

// sendHidden sends the stored challenge ch's code (msg), for an asker
// who may not learn that the number has an account: the answer is given
// at ch.due, when a decoy's would be, whatever the provider's time
// (atDecoyTime). The provider's answer before then is the answer (its
// failure a providerError, stood in for by the caller); after then, the
// challenge is answered as sent and the send goes on, and its failure
// then turns the challenge into a decoy (late). At most
// OTPConfig.MaxSendsInFlight such sends are at the provider at once:
// past it nothing is sent and the failure is ErrSendsInFlight.
func (o *OTP) sendHidden(ctx context.Context, ch *Challenge, msg Message) (*Challenge, error) {
	sent := *ch // the send's own: the answer's is read meanwhile
	landed, err := o.atDecoyTime(ctx, o.inFlight, ch.due,
		func(ctx context.Context) error { return o.deliver(ctx, &sent, msg) },
		func(ctx context.Context, err error) { o.late(ctx, &sent, err) })
	switch {
	case errors.Is(err, errNoRoom):
		o.kill(ctx, ch.ID)
		return nil, &providerError{fmt.Errorf("otp: send: %d in flight: %w: %w", cap(o.inFlight), ErrSendsInFlight, ErrSMSFailed)}
	case !landed:
		ch.detached = true
		return ch, nil
	case err != nil:
		o.kill(ctx, ch.ID)
		return nil, err // its stand-in is answered at ch.due
	}
	waitUntil(ctx, ch.due)
	return &sent, nil
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

// Wait returns once every hidden call at the provider (a send, a check,
// a cancel) has ended (each within OTPConfig.SendTimeout), its result
// met, or when ctx ends, with its error: a shutdown waits for the calls
// answered before it (docs/contract.md, "SMS delivery").
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
