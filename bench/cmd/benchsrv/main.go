// Command benchsrv runs one of the reference servers the benchmark
// compares Gatehouse with, each in its own process so that its CPU time can
// be read from /proc:
//
//	benchsrv -mode plain    -listen ADDR                 a plain net/http handler
//	benchsrv -mode upstream -listen ADDR                 the same handler, as the app behind the proxies
//	benchsrv -mode floor    -listen ADDR -redis ADDR -key KEY
//	                                                     one go-redis GET per request, then the plain answer
//	benchsrv -mode proxy    -listen ADDR -upstream URL   a bare httputil.ReverseProxy, no authentication
//
// It runs until it receives SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

func main() {
	mode := flag.String("mode", "plain", "plain | upstream | floor | proxy")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	redisAddr := flag.String("redis", "", "floor: redis address")
	key := flag.String("key", "bench:floor", "floor: the key to GET")
	upstream := flag.String("upstream", "", "proxy: upstream URL")
	flag.Parse()

	h, err := handler(*mode, *redisAddr, *key, *upstream)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsrv:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsrv:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// ok is the answer of the plain handler and of the upstream.
var ok = []byte("ok\n")

func plain(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(ok)
}

func handler(mode, redisAddr, key, upstream string) (http.Handler, error) {
	switch mode {
	case "plain", "upstream":
		return http.HandlerFunc(plain), nil
	case "floor":
		if redisAddr == "" {
			return nil, errors.New("floor needs -redis")
		}
		// go-redis defaults, as a straightforward service would use them.
		rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := rdb.Get(r.Context(), key).Bytes(); err != nil {
				http.Error(w, "redis: "+err.Error(), http.StatusInternalServerError)
				return
			}
			plain(w, r)
		}), nil
	case "proxy":
		u, err := url.Parse(upstream)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("proxy needs -upstream URL: %q", upstream)
		}
		// The same upstream connection pooling Gatehouse uses, so the
		// comparison is about authentication, not about pool sizes.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256
		return &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(u)
				pr.SetXForwarded()
			},
			Transport: t,
		}, nil
	}
	return nil, fmt.Errorf("unknown mode %q", mode)
}
