package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// Message is one SMS carrying a one-time code.
type Message struct {
	To        string    // E.164
	Code      string    // the code itself, for providers that need it apart from Body
	Body      string    // the rendered otp.message
	ExpiresAt time.Time // when the code stops working
}

// Sender delivers a code by SMS. Implementations return an error wrapping
// ErrSMSFailed when the provider failed (network, 5xx, timeout) and
// ErrInvalidPhone when the provider rejected the number.
type Sender interface {
	// Send delivers msg.Body to msg.To, or returns why it could not.
	Send(ctx context.Context, msg Message) error
}

// CodeChecker is implemented by senders whose provider makes, sends and
// checks the code itself (Twilio Verify, Sinch Verification). When the
// sender given to NewOTP implements it, OTP calls StartVerification
// instead of Send and asks CheckCode whether a code is right, while still
// enforcing its own TTL, attempts, cooldown, quotas and single use.
type CodeChecker interface {
	// StartVerification asks the provider to text a code of its own to
	// msg.To (msg.Code and msg.Body are not used) and returns the
	// provider's reference for the verification. Errors are those of
	// Sender.Send, plus RateLimitError when the provider refuses to send
	// to that number again so soon.
	StartVerification(ctx context.Context, msg Message) (ref string, err error)
	// CheckCode reports whether code is right for the verification ref,
	// which was sent to the E.164 number to. A wrong code is (false, nil).
	// An error wraps ErrOTPExpired when the verification can no longer
	// succeed (expired, already approved, out of provider attempts), and
	// ErrSMSFailed when the provider failed.
	CheckCode(ctx context.Context, ref, to, code string) (bool, error)
}

// VerificationCanceler is implemented by CodeCheckers whose provider can
// cancel a pending verification, so that the next one starts afresh
// instead of being refused for the attempts the dead one used up.
type VerificationCanceler interface {
	// CancelVerification cancels the verification ref. Canceling one that
	// is already gone is not an error worth acting on.
	CancelVerification(ctx context.Context, ref string) error
}

// DeliveryUncertain reports whether a failed send may nevertheless have
// reached the provider and cost a message: the request timed out or was
// canceled while in flight, or it reached the provider and its answer
// was lost (ErrDeliveryUncertain). OTP refunds the send quotas only for
// failures that are certain (docs/sms.md, "What the quotas count").
func DeliveryUncertain(err error) bool {
	if errors.Is(err, ErrDeliveryUncertain) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// ConsoleSender is the development sender: it writes each message as one
// JSON line {"to","body","sent_at"} to a file (appending) or to a writer.
// Codes are in the body by design: never use it in production.
type ConsoleSender struct {
	mu    sync.Mutex
	w     io.Writer
	path  string
	clock Clock
}

// NewConsoleSender returns a sender appending to path, or writing to w
// (standard error when nil) when path is "".
func NewConsoleSender(path string, w io.Writer, clock Clock) *ConsoleSender {
	if w == nil {
		w = os.Stderr
	}
	if clock == nil {
		clock = SystemClock{}
	}
	return &ConsoleSender{w: w, path: path, clock: clock}
}

type consoleLine struct {
	To     string    `json:"to"`
	Body   string    `json:"body"`
	SentAt time.Time `json:"sent_at"`
}

// Send writes the message. A file that cannot be written is ErrSMSFailed.
func (c *ConsoleSender) Send(ctx context.Context, msg Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("console sender: %w: %w", ErrSMSFailed, err)
	}
	line, err := json.Marshal(consoleLine{To: msg.To, Body: msg.Body, SentAt: c.clock.Now().UTC()})
	if err != nil {
		return fmt.Errorf("console sender: %w: %w", ErrSMSFailed, err)
	}
	line = append(line, '\n')
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path == "" {
		_, err = c.w.Write(line)
	} else {
		err = appendFile(c.path, line)
	}
	if err != nil {
		return fmt.Errorf("console sender: %w: %w", ErrSMSFailed, err)
	}
	return nil
}

func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600) //nolint:gosec // sms.console.file, from the operator's configuration
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close() // the write's error is the one to report
		return err
	}
	return f.Close()
}

var _ Sender = (*ConsoleSender)(nil)
