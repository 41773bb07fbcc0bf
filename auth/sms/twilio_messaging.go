package sms

// TwilioMessaging: the code Gatehouse made, sent through Twilio
// Programmable Messaging.

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/auth"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// TwilioMessaging sends the code Gatehouse made, in the text of
// otp.message, through Twilio Programmable Messaging.
type TwilioMessaging struct {
	conn          *twilioConn
	from, service string
}

// NewTwilioMessaging returns the twilio_messaging provider. cfg needs the
// account SID, the auth token and From or MessagingServiceSID.
func NewTwilioMessaging(cfg TwilioConfig) (*TwilioMessaging, error) {
	if cfg.From == "" && cfg.MessagingServiceSID == "" {
		return nil, errors.New("sms: twilio_messaging needs from or messaging_service_sid")
	}
	c, err := newTwilioConn(cfg)
	if err != nil {
		return nil, err
	}
	return &TwilioMessaging{conn: c, from: cfg.From, service: cfg.MessagingServiceSID}, nil
}

// Send creates one message to msg.To with msg.Body.
func (t *TwilioMessaging) Send(ctx context.Context, msg auth.Message) error {
	ctx, cancel, err := callContext(ctx, t.conn.timeout)
	if err != nil {
		return &Error{Provider: "twilio", Op: "send", kind: auth.ErrSMSFailed, cause: err}
	}
	defer cancel()
	h, rt := t.conn.handler(ctx)
	params := &twapi.CreateMessageParams{}
	params.SetTo(msg.To).SetBody(msg.Body)
	if t.from != "" {
		params.SetFrom(t.from)
	}
	if t.service != "" {
		params.SetMessagingServiceSid(t.service)
	}
	m, err := twapi.NewApiService(h).CreateMessage(params)
	if err != nil {
		if ans := rt.accepted(); ans != nil {
			status := str(ans, "status")
			m = &twapi.ApiV2010Message{Status: &status}
		} else {
			return twilioError("send", err, rt)
		}
	}
	if m.Status != nil {
		switch *m.Status {
		case "failed", "undelivered", "canceled":
			e := &Error{Provider: "twilio", Op: "send", Status: int(rt.status.Load()), Detail: "message " + *m.Status, kind: auth.ErrSMSFailed}
			if m.ErrorCode != nil {
				e.Code = *m.ErrorCode
			}
			return e
		}
	}
	return nil
}

// String names the provider in logs.
func (t *TwilioMessaging) String() string { return "twilio_messaging" }
