// Command gatebench runs Gatehouse's performance benchmark (`make bench`).
//
// It starts a private redis-server, the reference servers of
// bench/cmd/benchsrv (a plain net/http handler, a handler doing one
// go-redis GET, a bare httputil.ReverseProxy and the upstream app) and two
// gatehouse processes (Redis store and memory store) built from a
// generated configuration, signs in through the JSON API, and then drives
// every scenario with wrk in one series of alternating rounds. It prints a
// table of req/s, p50, p99 and server CPU per request (utime+stime from
// /proc ÷ requests) with the ratios to the reference servers, measures
// RSS with 10k active sessions in Redis and the memory store's
// per-session cost, and writes everything as Markdown
// (bench/results/latest.md by default).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// options are gatebench's flags.
type options struct {
	gatehouse  string
	benchsrv   string
	rounds     int
	duration   time.Duration
	conns      int
	floodConns int
	sessions   int
	out        string
	only       map[string]bool
	keep       bool
	compare    string // another gatehouse binary measured in the same series
}

func main() {
	var o options
	var only string
	flag.StringVar(&o.gatehouse, "gatehouse", "bin/gatehouse", "the gatehouse binary to measure")
	flag.StringVar(&o.benchsrv, "benchsrv", "bin/benchsrv", "the reference servers (bench/cmd/benchsrv)")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of the whole series")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "duration of each measured run")
	flag.IntVar(&o.conns, "c", 64, "wrk connections (keep-alive)")
	flag.IntVar(&o.floodConns, "flood", 200, "concurrent wrong-password attempts in the flood scenarios")
	flag.IntVar(&o.sessions, "sessions", 10000, "active sessions for the memory measurement")
	flag.StringVar(&o.out, "o", "bench/results/latest.md", "Markdown report to write (\"\" for none)")
	flag.StringVar(&only, "only", "", "comma-separated scenario keys to run (default: all)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configs, keys, logs)")
	flag.StringVar(&o.compare, "compare", "", "an earlier gatehouse binary: its forward-auth, proxy and flood scenarios run in the same series, as \"before\"")
	flag.Parse()
	if only != "" {
		o.only = map[string]bool{}
		for _, k := range strings.Split(only, ",") {
			o.only[strings.TrimSpace(k)] = true
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "gatebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	for _, bin := range []string{"wrk", "redis-server", o.gatehouse, o.benchsrv} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found (make bench builds and installs what it needs): %w", bin, err)
		}
	}
	dir, err := os.MkdirTemp("", "gatebench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "gatebench: keeping", dir)
	} else {
		defer func() { _ = os.RemoveAll(dir) }() // best effort: a temporary directory
	}
	e := &env{dir: dir, cookie: map[*proc]string{}}
	defer e.close()
	if o.keep {
		defer e.saveLogs()
	}
	if err := e.startAll(ctx, o); err != nil {
		return err
	}

	started := time.Now()
	res := runSeries(ctx, e, o)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var mem *memReport
	if o.sessions > 0 && (o.only == nil || o.only["memory"]) {
		if mem, err = measureMemory(ctx, e, o); err != nil {
			return fmt.Errorf("memory: %w", err)
		}
	}
	report := render(ctx, o, res, mem, time.Since(started))
	fmt.Print(report)
	if o.out != "" {
		// The report is public (bench/results/latest.md is committed):
		// readable by all, like any file of the repository.
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil { //nolint:gosec // G301: a directory of public reports (see above)
			return err
		}
		if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil { //nolint:gosec // G306: a public report, no secret (see above)
			return err
		}
		fmt.Fprintln(os.Stderr, "gatebench: wrote", o.out)
	}
	return nil
}
