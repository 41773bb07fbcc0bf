package frontdoor_test

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCaddy runs Caddy with deploy/caddy/Caddyfile in front of Gatehouse
// (forward_auth) and the app. The snippet and site blocks are used as
// shipped, with only the two upstream addresses changed; the global
// options block is the test's own: ports, no admin endpoint, and
// certificates from Caddy's local CA instead of Let's Encrypt.
func TestCaddy(t *testing.T) {
	t.Parallel()
	caddy := requireTool(t, "caddy")
	bin := gatehouseBinary(t)
	dir := t.TempDir()
	httpsAddr, httpAddr := freeAddr(t), freeAddr(t)
	port := portOf(t, httpsAddr)
	a := newApp(t)
	gh := startGatehouse(t, bin, "https://auth.example.com:"+port, "http://"+a.addr())

	shipped := readRepoFile(t, "deploy/caddy/Caddyfile")
	sites := render(t, "deploy/caddy/Caddyfile", withoutGlobalOptions(t, shipped),
		"127.0.0.1:8080", gh.addr,
		"127.0.0.1:9001", a.addr(),
	)
	global := fmt.Sprintf(`{
	admin off
	local_certs
	skip_install_trust
	default_bind 127.0.0.1
	http_port %s
	https_port %s
}
`, portOf(t, httpAddr), port)
	caddyfile := filepath.Join(dir, "Caddyfile")
	writeFile(t, caddyfile, global+sites)

	env := []string{"HOME=" + dir, "XDG_DATA_HOME=" + filepath.Join(dir, "data"), "XDG_CONFIG_HOME=" + filepath.Join(dir, "config")}
	p := startProc(t, "caddy", filepath.Join(dir, "caddy.log"), env, caddy, "run", "--config", caddyfile, "--adapter", "caddyfile")

	// Caddy creates its local CA and issues the sites' certificates at
	// start; trust the CA once it exists and the portal answers over TLS.
	rootFile := filepath.Join(dir, "data", "caddy", "pki", "authorities", "local", "root.crt")
	var roots *x509.CertPool
	waitFor(t, p, "caddy serving https", 20*time.Second, func() error {
		var err error
		if roots, err = readPEMPool(rootFile); err != nil {
			return err
		}
		b := newBrowserQuiet(roots)
		resp, err := b.Get("https://auth.example.com:" + port + "/_gatehouse/jwks.json")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("jwks.json through caddy: %d", resp.StatusCode)
		}
		return nil
	})

	t.Logf("front door: caddy %s", versionOf(t, caddy, "version"))
	w := newWorld(t, "caddy", gh, a, httpsAddr, roots)
	exercise(t, w)

	t.Run("plain http is sent to https", func(t *testing.T) {
		checkHTTPRedirect(t, w, httpAddr)
	})
	t.Run("the forward-auth endpoint is not reachable from outside", func(t *testing.T) {
		b := newBrowser(t, roots)
		p := b.get(w.authURL+"/_gatehouse/authz/forward-auth", http.Header{
			"X-Forwarded-Host": {"app.example.com"}, "X-Forwarded-Uri": {"/public/x"}, "X-Forwarded-Proto": {"https"}})
		p.wantStatus(t, http.StatusNotFound)
	})
	t.Run("no set-password link's token in the access log", func(t *testing.T) {
		// Caddy's logs, access log included, go to its standard error.
		checkLinkKeptOutOfAccessLog(t, w, httpAddr, func() string { return readLog(t, filepath.Join(dir, "caddy.log")) })
	})
	checkAfterLogin(t, w, signInBoth(t, w, bob), nil)
}

// withoutGlobalOptions removes the Caddyfile's global options block (the
// first block, a line "{" to a line "}").
func withoutGlobalOptions(t *testing.T, caddyfile string) string {
	t.Helper()
	lines := strings.Split(caddyfile, "\n")
	start := -1
	for i, l := range lines {
		switch {
		case start < 0 && l == "{":
			start = i
		case start >= 0 && l == "}":
			return strings.Join(append(lines[:start:start], lines[i+1:]...), "\n")
		}
	}
	t.Fatal("deploy/caddy/Caddyfile has no global options block")
	return ""
}
