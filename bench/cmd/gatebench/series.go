package main

// The series: the scenarios in the order each round runs them, warm-up,
// the measured runs (with a flood where the scenario has one), and the
// samples they give.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

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
	// faAs is forward-auth's request (what nginx, Traefik or Caddy send:
	// five X-Forwarded-* headers and the session cookie) sent to p,
	// carrying the cookie of gatehouse g.
	faAs := func(p, g *proc) load {
		return load{
			url: "http://" + p.addr + "/_gatehouse/authz/forward-auth",
			headers: []string{
				"X-Forwarded-Proto: https",
				"X-Forwarded-Host: " + appHost,
				"X-Forwarded-Uri: /dashboard?tab=1",
				"X-Forwarded-Method: GET",
				"X-Forwarded-For: 203.0.113.7",
				"Cookie: " + cookieName + "=" + e.cookie[g],
			},
			script: e.scripts["report"],
			conns:  o.conns,
		}
	}
	fa := func(p *proc) load { return faAs(p, p) }
	get := func(p *proc, headers ...string) load {
		return load{url: "http://" + p.addr + "/", headers: headers, script: e.scripts["report"], conns: o.conns}
	}
	all := []scenario{
		{key: "plain", label: "plain Go net/http handler", target: e.plain, load: get(e.plain)},
		// The plain handler given forward-auth's request: what net/http
		// alone costs for those request bytes, so the gateway's own share
		// can be told from the request's (docs/performance.md).
		{key: "plain-fa", label: "plain Go net/http handler, given forward-auth's request", target: e.plain, load: faAs(e.plain, e.ghRedis)},
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
