package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	Send(ctx context.Context, msg Message) error
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
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var _ Sender = (*ConsoleSender)(nil)
