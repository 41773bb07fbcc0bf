package gateway_test

// The SMS box the console sender writes to, and the codes tests read from it.

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sync"
	"testing"
)

// smsBox is where the ConsoleSender writes; tests read codes from it.
type smsBox struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *smsBox) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

type smsMessage struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

func (b *smsBox) messages(t *testing.T) []smsMessage {
	t.Helper()
	b.mu.Lock()
	data := append([]byte(nil), b.buf.Bytes()...)
	b.mu.Unlock()
	var out []smsMessage
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m smsMessage
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("console sender wrote a line that is not JSON: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func (b *smsBox) count(t *testing.T) int {
	t.Helper()
	return len(b.messages(t))
}

var codeRE = regexp.MustCompile(`code is (\d+)`)

// code returns the code of the newest SMS sent to phone.
func (b *smsBox) code(t *testing.T, phone string) string {
	t.Helper()
	msgs := b.messages(t)
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To != phone {
			continue
		}
		m := codeRE.FindStringSubmatch(msgs[i].Body)
		if m == nil {
			t.Fatalf("SMS to %s has no code: %q", phone, msgs[i].Body)
		}
		return m[1]
	}
	t.Fatalf("no SMS was sent to %s (sent: %v)", phone, msgs)
	return ""
}
