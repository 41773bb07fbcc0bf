package testbin

import (
	"os"
	"os/exec"
	"strings"
	"time"
)

// Proc is a process a test started (the gateway, nginx, Caddy), its
// standard output and error going to a log file.
type Proc struct {
	Cmd *exec.Cmd
	Log string // path of the file holding its output

	done chan struct{}
	err  error
}

// Start starts cmd with its output in a new file at logPath. On Linux the
// kernel kills the process if the test binary dies without its cleanups.
func Start(cmd *exec.Cmd, logPath string) (*Proc, error) {
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, err
	}
	p := &Proc{Cmd: cmd, Log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	return p, nil
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is what waiting for the process returned; valid once Done is closed.
func (p *Proc) Err() error { return p.err }

// Stop sends sig and waits up to grace for the process to exit, then
// kills it. Stopping an exited process does nothing.
func (p *Proc) Stop(sig os.Signal, grace time.Duration) {
	if p.Exited() {
		return
	}
	_ = p.Cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.Cmd.Process.Kill()
		<-p.done
	}
}

// Tail returns the last n lines of the log.
func (p *Proc) Tail(n int) string { return Tail(p.Log, n) }

// Tail returns the last n lines of the file at path, or why it cannot.
func Tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
