package sms

// TwilioVerify: Twilio Verify makes, sends and checks the code.

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/auth"
	twclient "github.com/twilio/twilio-go/client"
	twverify "github.com/twilio/twilio-go/rest/verify/v2"
)

// TwilioVerify has Twilio Verify make, send and check the code. Gatehouse
// still enforces its own TTL, attempts, cooldown and quotas.
type TwilioVerify struct {
	conn    *twilioConn
	service string
}

// NewTwilioVerify returns the twilio_verify provider. cfg needs the
// account SID, the auth token and VerifyServiceSID.
func NewTwilioVerify(cfg TwilioConfig) (*TwilioVerify, error) {
	if cfg.VerifyServiceSID == "" {
		return nil, errors.New("sms: twilio_verify needs verify_service_sid")
	}
	c, err := newTwilioConn(cfg)
	if err != nil {
		return nil, err
	}
	return &TwilioVerify{conn: c, service: cfg.VerifyServiceSID}, nil
}

// Send starts a verification, like StartVerification.
func (t *TwilioVerify) Send(ctx context.Context, msg auth.Message) error {
	_, err := t.StartVerification(ctx, msg)
	return err
}

// StartVerification creates a verification on channel sms for msg.To and
// returns its SID. Within its ten minutes Twilio answers a new one for the
// same number with the pending verification (and the same code).
func (t *TwilioVerify) StartVerification(ctx context.Context, msg auth.Message) (string, error) {
	ctx, cancel, err := callContext(ctx, t.conn.timeout)
	if err != nil {
		return "", &Error{Provider: "twilio", Op: "send", kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	h, rt := t.conn.handler(ctx)
	params := &twverify.CreateVerificationParams{}
	params.SetTo(msg.To).SetChannel("sms")
	v, err := twverify.NewApiService(h).CreateVerification(t.service, params)
	if err != nil {
		ans := rt.accepted()
		if ans == nil {
			return "", twilioError("send", err, rt)
		}
		sid := str(ans, "sid")
		v = &twverify.VerifyV2Verification{Sid: &sid}
	}
	// The SID goes into the cancel call's path, which twilio-go does not
	// escape: only letters and digits (docs/contract.md, "SMS delivery").
	if v.Sid == nil || !twilioToken.MatchString(*v.Sid) {
		return "", &Error{Provider: "twilio", Op: "send", Status: int(rt.status.Load()), Detail: "verification without a valid sid", kind: auth.ErrSMSFailed, maybeSent: true}
	}
	return *v.Sid, nil
}

// CheckCode checks code for the pending verification of to. The check
// names the number rather than the SID: Twilio keeps one pending
// verification per number and service, and that works with every
// verification a resend may have reused.
func (t *TwilioVerify) CheckCode(ctx context.Context, ref, to, code string) (bool, error) {
	ctx, cancel, err := callContext(ctx, t.conn.timeout)
	if err != nil {
		return false, &Error{Provider: "twilio", Op: "check", kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	h, rt := t.conn.handler(ctx)
	params := &twverify.CreateVerificationCheckParams{}
	params.SetTo(to).SetCode(code)
	v, err := twverify.NewApiService(h).CreateVerificationCheck(t.service, params)
	if err != nil {
		var te *twclient.TwilioRestError
		if errors.As(err, &te) && te.Code == 60200 {
			return false, nil // Twilio found the code malformed: a wrong code
		}
		ans := rt.accepted()
		if ans == nil {
			return false, twilioError("check", err, rt)
		}
		status := str(ans, "status")
		valid, _ := ans["valid"].(bool)
		v = &twverify.VerifyV2VerificationCheck{Status: &status, Valid: &valid}
	}
	status := ""
	if v.Status != nil {
		status = *v.Status
	}
	switch status {
	case "approved":
		return v.Valid == nil || *v.Valid, nil
	case "pending":
		return false, nil
	default: // canceled, expired, failed, max_attempts_reached, deleted
		return false, &Error{Provider: "twilio", Op: "check", Status: int(rt.status.Load()), Detail: "verification " + status, kind: auth.ErrOTPExpired}
	}
}

// CancelVerification sets the verification ref to canceled, so the next
// verification for its number starts afresh. One already gone is fine.
func (t *TwilioVerify) CancelVerification(ctx context.Context, ref string) error {
	if !twilioToken.MatchString(ref) {
		return &Error{Provider: "twilio", Op: "cancel", Detail: "malformed verification sid", kind: auth.ErrSMSFailed}
	}
	ctx, cancel, err := callContext(ctx, t.conn.timeout)
	if err != nil {
		return &Error{Provider: "twilio", Op: "cancel", kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	h, rt := t.conn.handler(ctx)
	params := &twverify.UpdateVerificationParams{}
	params.SetStatus("canceled")
	if _, err := twverify.NewApiService(h).UpdateVerification(t.service, ref, params); err != nil {
		e := twilioError("cancel", err, rt)
		if errors.Is(e, auth.ErrOTPExpired) {
			return nil
		}
		return e
	}
	return nil
}

// String names the provider in logs.
func (t *TwilioVerify) String() string { return "twilio_verify" }
