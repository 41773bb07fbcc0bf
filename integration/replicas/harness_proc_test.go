package replicas

// One running `gatehouse serve`: starting it on free loopback ports,
// signals and exit, its JSON log, and its admin endpoints and metrics.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testbin"
)

// proc is one running `gatehouse serve`.
type proc struct {
	t       *testing.T
	name    string
	base    string // http://127.0.0.1:port
	admin   string // http://127.0.0.1:port
	listen  string // the configured addresses
	adminAt string
	cfgPath string
	*testbin.Proc
}

// start runs a gateway process of w and waits until it answers /healthz.
// It is stopped (SIGTERM, then SIGKILL) when t ends.
func (w *world) start(t *testing.T, name string) *proc {
	t.Helper()
	var lastErr error
	for range 3 {
		p, err := w.tryStart(t, name)
		if err == nil {
			return p
		}
		lastErr = err
	}
	t.Fatalf("start %s: %v", name, lastErr)
	return nil
}

func (w *world) tryStart(t *testing.T, name string) (*proc, error) {
	listen, admin := freeAddr(t), freeAddr(t)
	p := &proc{
		t: t, name: name, base: "http://" + listen, admin: "http://" + admin, listen: listen, adminAt: admin,
		cfgPath: filepath.Join(w.dir, name+".yaml"),
	}
	if err := os.WriteFile(p.cfgPath, []byte(w.config(listen, admin)), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "-c", p.cfgPath)
	cmd.Dir = w.dir
	var err error
	if p.Proc, err = testbin.Start(cmd, filepath.Join(w.dir, name+".log")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.Done():
			return nil, fmt.Errorf("exited at start: %s\n%s", p.Cmd.ProcessState, p.logText())
		default:
		}
		if resp, err := http.Get(p.admin + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("no /healthz within 10s\n%s", p.logText())
}

// writeConfig replaces the process's configuration file with w's current
// settings plus extra text.
func (p *proc) writeConfig(t *testing.T, w *world, extra string) {
	t.Helper()
	if err := os.WriteFile(p.cfgPath, []byte(w.config(p.listen, p.adminAt)+extra), 0o600); err != nil {
		t.Fatal(err)
	}
}

// countLogs returns how many lines with msg the process logged.
func (p *proc) countLogs(t *testing.T, msg string) int {
	t.Helper()
	n := 0
	for _, l := range p.logLines(t) {
		if l["msg"] == msg {
			n++
		}
	}
	return n
}

// stop ends the process if it still runs.
func (p *proc) stop() { p.Stop(syscall.SIGTERM, 10*time.Second) }

// signal sends sig to the process.
func (p *proc) signal(sig os.Signal) {
	p.t.Helper()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %s to %s: %v", sig, p.name, err)
	}
}

// waitExit waits for the process to exit and returns its exit code.
func (p *proc) waitExit(timeout time.Duration) (int, bool) {
	select {
	case <-p.Done():
		return p.Cmd.ProcessState.ExitCode(), true
	case <-time.After(timeout):
		return 0, false
	}
}

// logText is everything the process logged.
func (p *proc) logText() string {
	b, _ := os.ReadFile(p.Log)
	return string(b)
}

// logLines returns the JSON log lines the process wrote; any line that is
// not JSON fails the test.
func (p *proc) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.logText()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("%s logged a line that is not JSON: %q", p.name, sc.Text())
			continue
		}
		out = append(out, m)
	}
	return out
}

// waitLog waits until the process logged a line with msg.
func (p *proc) waitLog(t *testing.T, msg string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, l := range p.logLines(t) {
			if l["msg"] == msg {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q within %v:\n%s", p.name, msg, timeout, p.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// adminGet returns the status and body of an admin endpoint.
func (p *proc) adminGet(t *testing.T, path string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(p.admin + path)
	if err != nil {
		t.Fatalf("GET %s%s: %v", p.name, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric returns one sample of /metrics by its exact name and labels as in
// the text format (0 if absent).
func (p *proc) metric(t *testing.T, series string) float64 {
	t.Helper()
	_, body := p.adminGet(t, "/metrics")
	for l := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return f
		}
	}
	return 0
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
