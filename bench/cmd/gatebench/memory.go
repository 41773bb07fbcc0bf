package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
)

// memReport is the memory part of the report.
type memReport struct {
	sessions     int
	rssIdle      int64 // fresh gatehouse (Redis store), one session used
	rssActive    int64 // after serving every one of the sessions
	peakActive   int64
	workerRSS    int64 // its hash-worker child after rssActive (0: none running)
	rps          float64
	errors       int64
	seriesRSS    int64 // the gatehouse that ran the series, floods included
	seriesPeak   int64
	memstoreCost float64 // bytes per session in the memory store, in process
}

// measureMemory starts a fresh gatehouse on the Redis store, creates
// o.sessions signed-in sessions directly in Redis, has wrk use every one of
// them, and reads the process's RSS. It also measures the memory store's
// per-session cost in this process.
func measureMemory(ctx context.Context, e *env, o options) (*memReport, error) {
	m := &memReport{sessions: o.sessions}
	var err error
	if m.seriesRSS, m.seriesPeak, err = e.ghRedis.rss(); err != nil {
		return nil, err
	}

	addr, err := freeAddr(ctx)
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(e.dir, "gatehouse-rss.yaml")
	text := gatehouseConfig(e.dir, addr, "redis", e.redis.addr, "http://"+e.upstream.addr, filepath.Join(e.dir, "rss-sms.jsonl"))
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		return nil, err
	}
	p, err := start(ctx, "gatehouse-rss", addr, o.gatehouse, "serve", "-c", cfg)
	if err != nil {
		return nil, err
	}
	e.all = append(e.all, p)
	defer p.stop()
	if err := p.waitHTTP(ctx, "http://"+addr+"/_gatehouse/jwks.json", 15*time.Second); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "gatebench: creating %d sessions in Redis\n", o.sessions)
	ids, err := redisSessions(ctx, e.redis.addr, o.sessions, e.cookie[e.ghRedis])
	if err != nil {
		return nil, err
	}
	var cookies strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&cookies, "%s=%s\n", cookieName, id)
	}
	cookieFile := filepath.Join(e.dir, "cookies.txt")
	if err := os.WriteFile(cookieFile, []byte(cookies.String()), 0o600); err != nil {
		return nil, err
	}
	fa := load{
		url: "http://" + addr + "/_gatehouse/authz/forward-auth",
		headers: []string{
			"X-Forwarded-Proto: https",
			"X-Forwarded-Host: " + appHost,
			"X-Forwarded-Uri: /",
		},
		script: e.scripts["cookies"],
		args:   []string{cookieFile},
		conns:  o.conns,
	}
	one := fa
	one.script, one.args = e.scripts["report"], nil
	one.headers = append(append([]string(nil), fa.headers...), "Cookie: "+cookieName+"="+ids[0])
	if _, err := runWrk(ctx, one, 2*time.Second); err != nil {
		return nil, err
	}
	if m.rssIdle, _, err = p.rss(); err != nil {
		return nil, err
	}
	// Long enough for every session to be used several times.
	r, err := runWrk(ctx, fa, o.duration)
	if err != nil {
		return nil, err
	}
	m.rps, m.errors = r.RPS(), r.errors()
	if m.rssActive, m.peakActive, err = p.rss(); err != nil {
		return nil, err
	}
	if m.workerRSS, err = p.childrenRSS(); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "gatebench: %d sessions: %.0f req/s, RSS %.1f MiB (peak %.1f MiB)\n",
		o.sessions, m.rps, mib(m.rssActive), mib(m.peakActive))
	m.memstoreCost = memstoreCost(100_000)
	return m, nil
}

// memstoreCost returns the Go heap bytes per session that n signed-in
// sessions take in the memory store, including the session manager's
// idle-refresh bookkeeping.
func memstoreCost(n int) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st := memstore.New(nil)
	sessions := auth.NewSessions(st, auth.SessionConfig{IdleTimeout: idleTimeout, AbsoluteTimeout: absTimeout}, nil, nil)
	now := time.Now().Unix()
	ctx := context.Background()
	for range n {
		s, err := sessions.New()
		if err != nil {
			return 0
		}
		s.User = benchUser
		s.Proofs = []auth.Proof{{Method: auth.MethodPassword, At: now}, {Method: auth.MethodSMS, At: now}}
		s.IP, s.Agent = "127.0.0.1", "gatebench"
		if err := sessions.Save(ctx, s); err != nil {
			return 0
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(st)
	runtime.KeepAlive(sessions)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n) //nolint:gosec // G115: heap sizes are bytes of this process, far below 1<<63
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
