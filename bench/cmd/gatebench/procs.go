package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one server process the benchmark started.
type proc struct {
	name string
	addr string // host:port it listens on
	cmd  *exec.Cmd
	out  *headWriter
}

// headWriter keeps the first max bytes written to it (start-up messages
// and errors) and discards the rest, so a process logging every request
// costs its formatting and one pipe write, never a growing file.
type headWriter struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (w *headWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (w *headWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// freeAddr returns a loopback address with a port that was free a moment
// ago.
func freeAddr(ctx context.Context) (string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }() // never accepted on: the port is what we wanted
	return ln.Addr().String(), nil
}

// start runs name with args; the process is killed if gatebench dies.
// When ctx ends it gets the SIGTERM stop sends.
func start(ctx context.Context, name, addr string, bin string, args ...string) (*proc, error) {
	cmd := exec.CommandContext(ctx, bin, args...) //nolint:gosec // G204: bin is redis-server or a binary gatebench was told to measure (-gatehouse, -benchsrv, -compare)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	out := &headWriter{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return &proc{name: name, addr: addr, cmd: cmd, out: out}, nil
}

// waitTCP waits until p accepts connections.
func (p *proc) waitTCP(ctx context.Context, timeout time.Duration) error {
	d := net.Dialer{Timeout: 200 * time.Millisecond}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.cmd.ProcessState != nil {
			break
		}
		c, err := d.DialContext(ctx, "tcp", p.addr)
		if err == nil {
			_ = c.Close() // nothing was sent: the connect was the test
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not start listening on %s; its output:\n%s", p.name, p.addr, p.out.String())
}

// waitHTTP waits until GET url answers 200.
func (p *proc) waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		resp, err := c.Do(req)
		if err == nil {
			_ = resp.Body.Close() // unread: only the status matters
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: %s never answered 200; its output:\n%s", p.name, url, p.out.String())
}

// stop sends SIGTERM, then SIGKILL after a grace period.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat.
var clockTicks = func() float64 {
	out, err := exec.Command("getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil && n > 0 {
			return float64(n)
		}
	}
	return 100
}()

// cpuTime returns the process's user+system CPU time so far.
func (p *proc) cpuTime() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after its
	// closing parenthesis start at field 3.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat format")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc stat format")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(float64(ut+st) / clockTicks * float64(time.Second)), nil
}

// rss returns the process's resident set size and its peak, in bytes.
func (p *proc) rss() (cur, peak int64, err error) { return pidRSS(p.cmd.Process.Pid) }

// childrenRSS returns the summed current RSS of p's child processes
// (gatehouse's hash-worker).
func (p *proc) childrenRSS() (int64, error) {
	// Each thread lists the children it forked.
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	var children []string
	for _, f := range files {
		data, err := os.ReadFile(f) //nolint:gosec // G304: a /proc/PID/task/*/children file of our own child
		if err != nil {
			return 0, err
		}
		children = append(children, strings.Fields(string(data))...)
	}
	var sum int64
	for _, f := range children {
		child, err := strconv.Atoi(f)
		if err != nil {
			return 0, err
		}
		cur, _, err := pidRSS(child)
		if err != nil {
			return 0, err
		}
		sum += cur
	}
	return sum, nil
}

// pidRSS returns VmRSS and VmHWM of process pid.
func pidRSS(pid int) (cur, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var dst *int64
		switch k {
		case "VmRSS":
			dst = &cur
		case "VmHWM":
			dst = &peak
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, err
		}
		*dst = kb << 10
	}
	return cur, peak, nil
}

// redisServer starts a private, diskless redis-server on addr.
func redisServer(ctx context.Context, dir, addr string) (*proc, error) {
	_, port, _ := net.SplitHostPort(addr)
	p, err := start(ctx, "redis-server", addr, "redis-server",
		"--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no",
		"--dir", dir, "--protected-mode", "yes", "--loglevel", "warning")
	if err != nil {
		return nil, err
	}
	if err := p.waitTCP(ctx, 5*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	return p, ctx.Err()
}
