package testredis_test

import (
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// ping sends PING to addr and reports the error, if any.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := conn.Read(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return errors.New("unexpected reply " + string(buf[:n]))
	}
	return nil
}

func TestStartAnswersPingAndStopsAtCleanup(t *testing.T) {
	var addr string
	t.Run("inner", func(t *testing.T) {
		addr = testredis.Start(t)
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Fatalf("addr = %q, want a 127.0.0.1 address", addr)
		}
		if err := ping(addr); err != nil {
			t.Fatalf("PING %s: %v", addr, err)
		}
	})
	if addr == "" {
		t.Skip("inner test skipped")
	}
	if err := ping(addr); err == nil {
		t.Fatalf("server at %s still answers after its test ended", addr)
	}
}

func TestStopAndRestartKeepTheAddress(t *testing.T) {
	s := testredis.NewServer(t)
	addr := s.Addr

	s.Stop()
	if err := ping(addr); err == nil {
		t.Fatal("server answers PING after Stop")
	}
	s.Stop() // a second Stop is harmless

	s.Restart()
	if s.Addr != addr {
		t.Fatalf("Addr after Restart = %q, want %q", s.Addr, addr)
	}
	if err := ping(addr); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
}

func TestTwoServersGetDifferentPorts(t *testing.T) {
	a, b := testredis.Start(t), testredis.Start(t)
	if a == b {
		t.Fatalf("both servers on %s", a)
	}
}

// recordingTB records Skip and Fatal instead of acting on them, and ends
// the goroutine like the real ones do.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Skip(args ...any) {
	r.skipped = strings.TrimSpace(fmtArgs(args))
	runtime.Goexit()
}

func (r *recordingTB) Fatal(args ...any) {
	r.failed = strings.TrimSpace(fmtArgs(args))
	runtime.Goexit()
}

func fmtArgs(args []any) string {
	var b strings.Builder
	for _, a := range args {
		if s, ok := a.(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

func TestMissingRedisServer(t *testing.T) {
	tests := []struct {
		name        string
		ci          string
		wantSkipped bool
		wantFailed  bool
	}{
		{name: "developer machine skips", ci: "", wantSkipped: true},
		{name: "CI fails", ci: "true", wantFailed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv("CI", tt.ci)
			rec := &recordingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				testredis.Start(rec)
			}()
			<-done
			if got := rec.skipped != ""; got != tt.wantSkipped {
				t.Errorf("skipped = %v (%q), want %v", got, rec.skipped, tt.wantSkipped)
			}
			if got := rec.failed != ""; got != tt.wantFailed {
				t.Errorf("failed = %v (%q), want %v", got, rec.failed, tt.wantFailed)
			}
			if msg := rec.skipped + rec.failed; !strings.Contains(msg, "make test") {
				t.Errorf("message %q does not say how to install redis-server", msg)
			}
		})
	}
}
