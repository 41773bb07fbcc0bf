package testredis

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// startTimeout bounds how long a server may take to answer PING.
	startTimeout = 5 * time.Second
	// stopTimeout bounds how long a server may take to exit after SIGTERM
	// before it is killed.
	stopTimeout = 5 * time.Second
	// startAttempts is how many times a start is tried, each on a fresh
	// port, when the server dies before answering (typically because
	// another process took the port between picking and binding it).
	startAttempts = 5
)

// notInstalled is the message used when redis-server is missing.
const notInstalled = "redis-server not installed; `make test` installs it"

// Server is a running redis-server owned by one test. Its methods must be
// called from the test's goroutine, like testing.TB's Fatal.
type Server struct {
	// Addr is the server's host:port on 127.0.0.1. It stays the same
	// across Restart.
	Addr string

	tb   testing.TB
	bin  string
	dir  string
	port int
	// args returns the command line (after the binary) that starts the
	// server on port; nil means a plain standalone server.
	args   func(port int) ([]string, error)
	proc   *process // nil while stopped
	paused bool
}

// process is one run of redis-server.
type process struct {
	cmd  *exec.Cmd
	out  string        // path of the file holding stdout and stderr
	done chan struct{} // closed when the process has exited
}

// Start starts a private redis-server for tb, stops it when tb ends and
// returns its address. It skips tb (fails it in CI) if redis-server is not
// installed.
func Start(tb testing.TB) string {
	tb.Helper()
	return NewServer(tb).Addr
}

// NewServer starts a private redis-server for tb and stops it when tb
// ends. It skips tb (fails it in CI) if redis-server is not installed.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	return newServer(tb, nil)
}

// newServer starts a server whose command line args builds (nil: a
// standalone server).
func newServer(tb testing.TB, args func(s *Server, port int) ([]string, error)) *Server {
	tb.Helper()
	bin := lookPath(tb, "redis-server")
	s := &Server{tb: tb, bin: bin, dir: tb.TempDir()}
	if args != nil {
		s.args = func(port int) ([]string, error) { return args(s, port) }
	}
	tb.Cleanup(s.stop)

	var lastErr error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("testredis: pick a port: %v", err)
		}
		s.port = port
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if lastErr = s.start(); lastErr == nil {
			return s
		}
	}
	tb.Fatalf("testredis: %v", lastErr)
	return nil
}

// lookPath finds a Redis program or skips tb (fails it in CI).
func lookPath(tb testing.TB, name string) string {
	tb.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatal(notInstalled)
		}
		tb.Skip(notInstalled)
	}
	return bin
}

// NewAOFServer is NewServer with an append-only file written every
// second (appendfsync everysec), as production standalone servers run:
// Kill and Restart bring it back with what the file holds.
func NewAOFServer(tb testing.TB) *Server {
	tb.Helper()
	return newServer(tb, func(s *Server, _ int) ([]string, error) {
		args := s.standaloneArgs()
		for i, a := range args {
			if a == "--appendonly" {
				args[i+1] = "yes"
			}
		}
		return append(args, "--appendfsync", "everysec"), nil
	})
}

// Dir is the server's working directory (its log files, and nodes.conf
// or sentinel.conf for cluster nodes and sentinels).
func (s *Server) Dir() string { return s.dir }

// Kill ends the server with SIGKILL, like a crash: no shutdown, clients
// see their connections reset. Restart brings it back on the same port.
func (s *Server) Kill() {
	s.tb.Helper()
	if s.proc == nil {
		return
	}
	_ = s.proc.cmd.Process.Kill()
	<-s.proc.done
	s.proc, s.paused = nil, false
}

// Pause freezes the server with SIGSTOP: connections stay open and
// commands are accepted by the kernel but never answered, like a hung
// host. Resume continues it.
func (s *Server) Pause() {
	s.tb.Helper()
	if s.proc == nil || s.paused {
		return
	}
	if err := s.proc.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.tb.Fatalf("testredis: pause: %v", err)
	}
	s.paused = true
}

// Resume continues a paused server.
func (s *Server) Resume() {
	s.tb.Helper()
	if s.proc == nil || !s.paused {
		return
	}
	if err := s.proc.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.tb.Fatalf("testredis: resume: %v", err)
	}
	s.paused = false
}

// Stop stops the server; its port refuses connections until Restart.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.tb.Helper()
	s.stop()
}

// Restart starts the server again on the same port after Stop (or stops
// and starts it if it is running). The data is gone: nothing is persisted.
func (s *Server) Restart() {
	s.tb.Helper()
	s.stop()
	var lastErr error
	for range startAttempts {
		if lastErr = s.start(); lastErr == nil {
			return
		}
		time.Sleep(100 * time.Millisecond) // the port may still be held briefly
	}
	s.tb.Fatalf("testredis: restart: %v", lastErr)
}

// start launches redis-server on s.port and waits until it answers PING.
func (s *Server) start() error {
	out, err := os.CreateTemp(s.dir, "redis-*.log")
	if err != nil {
		return fmt.Errorf("create log file: %w", err)
	}
	defer out.Close() // the child keeps its own descriptor

	args := s.standaloneArgs()
	if s.args != nil {
		if args, err = s.args(s.port); err != nil {
			return err
		}
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	p := &process{cmd: cmd, out: out.Name(), done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()

	if err := waitReady(s.Addr, p.done); err != nil {
		p.kill()
		return fmt.Errorf("redis-server on %s: %w\n--- server output ---\n%s", s.Addr, err, p.output())
	}
	s.proc = p
	return nil
}

// standaloneArgs is the command line of a private standalone server on
// s.port that keeps nothing on disk.
func (s *Server) standaloneArgs() []string {
	return []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--daemonize", "no",
		"--loglevel", "warning",
		// A new replica gets its first sync at once, not after the
		// default five seconds spent waiting for more replicas.
		"--repl-diskless-sync-delay", "0",
	}
}

// stop ends the running process, if any.
func (s *Server) stop() {
	if s.proc == nil {
		return
	}
	if s.paused {
		_ = s.proc.cmd.Process.Signal(syscall.SIGCONT)
		s.paused = false
	}
	s.proc.kill()
	s.proc = nil
}

// kill asks the process to exit and kills it if it does not in time. It
// returns once the process is gone.
func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(stopTimeout):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// output returns what the process printed, for error messages.
func (p *process) output() string {
	b, err := os.ReadFile(p.out)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", filepath.Base(p.out), err)
	}
	return strings.TrimSpace(string(b))
}

// waitReady polls addr with PING until it answers PONG, the process exits
// or startTimeout passes.
func waitReady(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(startTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited before answering PING")
		default:
		}
		if lastErr = ping(addr); lastErr == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("no answer to PING within %s: %w", startTimeout, lastErr)
}

// ping sends one inline PING and expects +PONG.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return err
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("unexpected reply %q", line)
	}
	return nil
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before redis-server binds it; NewServer then retries.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
