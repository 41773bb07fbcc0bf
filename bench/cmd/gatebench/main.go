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
	"errors"
	"flag"
	"fmt"
	"net/http"
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

// env is everything the series runs against.
type env struct {
	dir      string
	scripts  map[string]string
	redis    *proc
	plain    *proc
	floor    *proc
	upstream *proc
	bare     *proc
	ghRedis  *proc
	ghMem    *proc
	// The -compare binary's gatehouses (nil without -compare).
	beforeRedis *proc
	beforeMem   *proc
	cookie      map[*proc]string // session cookie value per gatehouse
	all         []*proc
}

// saveLogs writes the head of each process's output to dir/NAME.log.
func (e *env) saveLogs() {
	for _, p := range e.all {
		_ = os.WriteFile(filepath.Join(e.dir, p.name+".log"), []byte(p.out.String()), 0o600)
	}
}

func (e *env) close() {
	for i := len(e.all) - 1; i >= 0; i-- {
		e.all[i].stop()
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

// startAll starts Redis, the reference servers and both gatehouses, and
// signs in to each gatehouse.
func (e *env) startAll(ctx context.Context, o options) error {
	var err error
	if e.scripts, err = writeScripts(e.dir); err != nil {
		return err
	}
	addr := func() string {
		a, aerr := freeAddr(ctx)
		if aerr != nil && err == nil {
			err = aerr
		}
		return a
	}
	redisAddr := addr()
	if err != nil {
		return err
	}
	if e.redis, err = redisServer(ctx, e.dir, redisAddr); err != nil {
		return err
	}
	e.all = append(e.all, e.redis)
	if err := writeIdentity(ctx, o.gatehouse, e.dir); err != nil {
		return err
	}

	srv := func(name string, args ...string) (*proc, error) {
		return e.startRef(ctx, o, name, args...)
	}
	if e.upstream, err = srv("upstream", "-mode", "upstream"); err != nil {
		return err
	}
	if e.plain, err = srv("plain", "-mode", "plain"); err != nil {
		return err
	}
	if e.bare, err = srv("bare-proxy", "-mode", "proxy", "-upstream", "http://"+e.upstream.addr); err != nil {
		return err
	}

	gh := func(name, driver string) (*proc, error) {
		return e.startGatehouse(ctx, o.gatehouse, name, driver)
	}
	if o.compare != "" {
		if e.beforeRedis, err = e.startGatehouse(ctx, o.compare, "before-redis", "redis"); err != nil {
			return err
		}
		if e.beforeMem, err = e.startGatehouse(ctx, o.compare, "before-memory", "memory"); err != nil {
			return err
		}
	}
	if e.ghRedis, err = gh("gatehouse-redis", "redis"); err != nil {
		return err
	}
	if e.ghMem, err = gh("gatehouse-memory", "memory"); err != nil {
		return err
	}
	return e.startFloor(ctx, o)
}

// startRef starts one of the reference servers of benchsrv.
func (e *env) startRef(ctx context.Context, o options, name string, args ...string) (*proc, error) {
	a, err := freeAddr(ctx)
	if err != nil {
		return nil, err
	}
	p, err := start(ctx, name, a, o.benchsrv, append([]string{"-listen", a}, args...)...)
	if err != nil {
		return nil, err
	}
	e.all = append(e.all, p)
	return p, p.waitTCP(ctx, 10*time.Second)
}

// startGatehouse starts bin with a generated configuration on driver and
// signs in through its API.
func (e *env) startGatehouse(ctx context.Context, bin, name, driver string) (*proc, error) {
	a, aerr := freeAddr(ctx)
	if aerr != nil {
		return nil, aerr
	}
	sms := filepath.Join(e.dir, name+"-sms.jsonl")
	cfg := filepath.Join(e.dir, name+".yaml")
	text := gatehouseConfig(e.dir, a, driver, e.redis.addr, "http://"+e.upstream.addr, sms)
	if werr := os.WriteFile(cfg, []byte(text), 0o600); werr != nil {
		return nil, werr
	}
	p, serr := start(ctx, name, a, bin, "serve", "-c", cfg)
	if serr != nil {
		return nil, serr
	}
	e.all = append(e.all, p)
	if werr := p.waitHTTP(ctx, "http://"+a+"/_gatehouse/jwks.json", 15*time.Second); werr != nil {
		return nil, werr
	}
	c, lerr := signIn(ctx, a, sms)
	if lerr != nil {
		return nil, fmt.Errorf("%s: sign in: %w\n%s", name, lerr, p.out.String())
	}
	e.cookie[p] = c
	return p, nil
}

// startFloor starts the one-GET floor server on a value the size of a
// real session, and checks every scenario.
func (e *env) startFloor(ctx context.Context, o options) error {
	// The floor GETs a value the size of a real session.
	val, err := sessionValue(ctx, e.redis.addr)
	if err != nil {
		return err
	}
	if err := setFloorKey(ctx, e.redis.addr, "bench:floor", val); err != nil {
		return err
	}
	if e.floor, err = e.startRef(ctx, o, "floor", "-mode", "floor", "-redis", e.redis.addr, "-key", "bench:floor"); err != nil {
		return err
	}
	return e.check(ctx)
}

// check makes sure every scenario answers what it should before anything
// is measured: 200s through the gateway mean the session is valid.
func (e *env) check(ctx context.Context) error {
	for _, sc := range scenarios(e, options{conns: 1}) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, sc.load.url, nil)
		if err != nil {
			return err
		}
		for _, h := range sc.load.headers {
			k, v, _ := strings.Cut(h, ": ")
			if strings.EqualFold(k, "Host") {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.key, err)
		}
		_ = resp.Body.Close() // unread: only the status matters
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: GET %s answered %s, want 200", sc.key, sc.load.url, resp.Status)
		}
	}
	return nil
}

// scenario is one measured load on one server.
type scenario struct {
	key    string
	label  string
	target *proc // whose CPU is counted
	load   load
	flood  string // flood script name, "" for none
	// floodTo is the gatehouse the flood hits (the target).
	floodTo *proc
}

// scenarios is the series, in the order each round runs it.
func scenarios(e *env, o options) []scenario {
	fa := func(p *proc) load {
		return load{
			url: "http://" + p.addr + "/_gatehouse/authz/forward-auth",
			headers: []string{
				"X-Forwarded-Proto: https",
				"X-Forwarded-Host: " + appHost,
				"X-Forwarded-Uri: /dashboard?tab=1",
				"X-Forwarded-Method: GET",
				"X-Forwarded-For: 203.0.113.7",
				"Cookie: " + cookieName + "=" + e.cookie[p],
			},
			script: e.scripts["report"],
			conns:  o.conns,
		}
	}
	get := func(p *proc, headers ...string) load {
		return load{url: "http://" + p.addr + "/", headers: headers, script: e.scripts["report"], conns: o.conns}
	}
	all := []scenario{
		{key: "plain", label: "plain Go net/http handler", target: e.plain, load: get(e.plain)},
		{key: "floor", label: "one go-redis GET per request (floor)", target: e.floor, load: get(e.floor)},
		{key: "fa-redis", label: "forward-auth, 2FA session in Redis", target: e.ghRedis, load: fa(e.ghRedis)},
		{key: "fa-memory", label: "forward-auth, 2FA session in memory", target: e.ghMem, load: fa(e.ghMem)},
		{key: "direct", label: "upstream hit directly", target: e.upstream, load: get(e.upstream)},
		{key: "bare-proxy", label: "bare httputil.ReverseProxy (no auth)", target: e.bare, load: get(e.bare)},
		{key: "proxy", label: "Gatehouse proxy mode, 2FA session in Redis", target: e.ghRedis,
			load: get(e.ghRedis, "Host: "+appHost, "Cookie: "+cookieName+"="+e.cookie[e.ghRedis])},
		{key: "proxy-memory", label: "Gatehouse proxy mode, 2FA session in memory", target: e.ghMem,
			load: get(e.ghMem, "Host: "+appHost, "Cookie: "+cookieName+"="+e.cookie[e.ghMem])},
		{key: "flood-one", label: "forward-auth (Redis) during a flood on one account", target: e.ghRedis, load: fa(e.ghRedis), flood: "one", floodTo: e.ghRedis},
		{key: "flood-spray", label: "forward-auth (Redis) during a spraying flood", target: e.ghRedis, load: fa(e.ghRedis), flood: "spray", floodTo: e.ghRedis},
	}
	if e.beforeRedis != nil {
		// The same scenarios against the -compare binary, in the same
		// rounds: before/after from one run.
		all = append(all,
			scenario{key: "fa-redis-before", label: "before: forward-auth, 2FA session in Redis", target: e.beforeRedis, load: fa(e.beforeRedis)},
			scenario{key: "fa-memory-before", label: "before: forward-auth, 2FA session in memory", target: e.beforeMem, load: fa(e.beforeMem)},
			scenario{key: "proxy-before", label: "before: proxy mode, 2FA session in Redis", target: e.beforeRedis,
				load: get(e.beforeRedis, "Host: "+appHost, "Cookie: "+cookieName+"="+e.cookie[e.beforeRedis])},
			scenario{key: "flood-one-before", label: "before: forward-auth (Redis) during a flood on one account", target: e.beforeRedis,
				load: fa(e.beforeRedis), flood: "one", floodTo: e.beforeRedis},
		)
	}
	return all
}

// sample is one measured run.
type sample struct {
	wrk   wrkResult
	cpu   time.Duration // target's CPU time during the run
	flood *wrkResult    // the flood's own summary
	err   error
}

// CPUPerReq is server CPU per request in microseconds.
func (s sample) CPUPerReq() float64 {
	if s.wrk.Requests == 0 {
		return 0
	}
	return float64(s.cpu.Microseconds()) / float64(s.wrk.Requests)
}

// series is every sample, by scenario key, one per round.
type series struct {
	order  []scenario
	byKey  map[string][]sample
	rounds int
}

func runSeries(ctx context.Context, e *env, o options) *series {
	all := scenarios(e, o)
	var order []scenario
	for _, sc := range all {
		if o.only == nil || o.only[sc.key] {
			order = append(order, sc)
		}
	}
	res := &series{order: order, byKey: map[string][]sample{}, rounds: o.rounds}
	// Warm up every server (connections, pools, caches); not recorded.
	for _, sc := range order {
		if sc.flood != "" {
			continue
		}
		fmt.Fprintf(os.Stderr, "gatebench: warm-up %s\n", sc.key)
		_, _ = runWrk(ctx, sc.load, 2*time.Second)
	}
	for round := 1; round <= o.rounds && ctx.Err() == nil; round++ {
		for _, sc := range order {
			if ctx.Err() != nil {
				break
			}
			time.Sleep(time.Second)
			s := measure(ctx, e, o, sc)
			res.byKey[sc.key] = append(res.byKey[sc.key], s)
			if s.err != nil {
				fmt.Fprintf(os.Stderr, "gatebench: round %d %-11s error: %v\n", round, sc.key, s.err)
				continue
			}
			fmt.Fprintf(os.Stderr, "gatebench: round %d %-11s %8.0f req/s  p50 %s  p99 %s  cpu %5.1f µs/req  errors %d\n",
				round, sc.key, s.wrk.RPS(), us(s.wrk.P50US), us(s.wrk.P99US), s.CPUPerReq(), s.wrk.errors())
		}
	}
	return res
}

// measure runs one scenario once, with its flood when it has one.
func measure(ctx context.Context, e *env, o options, sc scenario) sample {
	var floodDone chan sample
	if sc.flood != "" {
		floodDone = make(chan sample, 1)
		fl := load{
			url:    "http://" + sc.floodTo.addr + "/_gatehouse/api/login",
			script: e.scripts[sc.flood],
			conns:  o.floodConns,
		}
		go func() {
			r, err := runWrk(ctx, fl, o.duration+4*time.Second)
			floodDone <- sample{wrk: r, err: err}
		}()
		time.Sleep(2 * time.Second) // let the flood fill the hashing slots
	}
	before, err1 := sc.target.cpuTime()
	r, err := runWrk(ctx, sc.load, o.duration)
	after, err2 := sc.target.cpuTime()
	s := sample{wrk: r, cpu: after - before, err: errors.Join(err, err1, err2)}
	if floodDone != nil {
		f := <-floodDone
		if f.err != nil {
			s.err = errors.Join(s.err, fmt.Errorf("flood: %w", f.err))
		}
		s.flood = &f.wrk
		time.Sleep(3 * time.Second) // let hashes in flight finish
	}
	// A loaded machine can push a few store calls past op_timeout (503:
	// the gateway fails closed); more than one in a thousand means the
	// run measured something else than a signed-in request.
	if s.err == nil && r.errors()*1000 > r.Requests {
		s.err = fmt.Errorf("%d failed requests (non-2xx %d) out of %d: the measurement is not valid", r.errors(), r.Status, r.Requests)
	}
	return s
}

func us(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2f ms", v/1000)
	}
	return fmt.Sprintf("%.0f µs", v)
}
