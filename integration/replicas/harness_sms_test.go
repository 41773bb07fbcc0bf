package replicas

// The console SMS file the gateways of a world share, and the codes read
// from it.

import (
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// smsLine is one message of the console SMS file.
type smsLine struct {
	To   string `json:"to"`
	Body string `json:"body"`
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// smsLines reads the shared console SMS file.
func (w *world) smsLines(t *testing.T) []smsLine {
	t.Helper()
	b, err := os.ReadFile(w.sms)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []smsLine
	for l := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var m smsLine
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("sms file line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// smsCount is how many messages were sent so far.
func (w *world) smsCount(t *testing.T) int {
	t.Helper()
	return len(w.smsLines(t))
}

// code returns the code of the first message to phone after the first
// `after` messages, waiting briefly for it.
func (w *world) code(t *testing.T, phone string, after int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := w.smsLines(t)
		for _, l := range lines[min(after, len(lines)):] {
			if l.To == phone {
				if m := codeRE.FindStringSubmatch(l.Body); m != nil {
					return m[1]
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no code to %s after message %d", phone, after)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
