package main

// The processes a series runs against: Redis, the reference servers and
// the gatehouses, started and signed in to, each scenario checked before
// anything is measured, and stopped at the end.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

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
