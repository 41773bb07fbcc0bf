package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/demoapp"
)

// cmdDemoApp runs the demo's upstream app on its own, as a stand-in for
// the app a configuration protects: it shows the identity headers it
// receives and whether the signed assertion verified against the
// gateway's /jwks.json (README, "Running it for real").
func cmdDemoApp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo-app", stderr)
	c := fs.String("c", "", "configuration file (identity headers, portal prefix, route names)")
	listen := fs.String("listen", "127.0.0.1:9001", "address of the app: a route's upstream")
	gw := fs.String("gateway", "", "the gateway's public_url, where /jwks.json is fetched (default: server.public_url)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(configPath(*c))
	if err != nil {
		printProblems(stderr, err)
		return errProblems
	}
	base := strings.TrimSuffix(*gw, "/")
	if base == "" {
		base = strings.TrimSuffix(cfg.Server.PublicURL, "/")
	}
	var audiences []string
	for _, r := range cfg.Routes {
		audiences = append(audiences, r.Name)
	}
	h := cfg.Identity.Headers
	app := demoapp.New(base+cfg.Server.PortalPrefix+"/jwks.json", base, audiences, h.User, h.Assertion,
		[]string{h.User, h.Email, h.Name, h.Groups, h.Methods, h.Assertion})
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return fmt.Errorf("demo-app: %w", err)
	}
	srv := &http.Server{Handler: app, ReadHeaderTimeout: 10 * time.Second}
	if _, err := fmt.Fprintf(stdout, "demo app on http://%s, verifying assertions from %s\n", ln.Addr(), base); err != nil {
		_ = ln.Close() // never served
		return err
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close() // a demo: requests in flight may be cut
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
