package frontdoor_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// traefikVersion is the Traefik scripts/traefik.sh builds.
const traefikVersion = "v3.6.12"

// requireTraefik returns the Traefik binary scripts/traefik.sh builds:
// $GATEHOUSE_TRAEFIK (make test sets it), else the script's cache folder
// for this Go version. Traefik has no Debian package and takes minutes
// to build, so the tests do not build it themselves; when it is missing
// the test fails saying how to get it (skipped with -short only).
func requireTraefik(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GATEHOUSE_TRAEFIK"); p != "" {
		if !isExecutable(p) {
			t.Fatalf("GATEHOUSE_TRAEFIK=%s is not an executable: run scripts/traefik.sh, which prints the path", p)
		}
		return p
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	p := filepath.Join(cache, "gatehouse", "traefik", traefikVersion+"-"+runtime.Version(), "traefik")
	if isExecutable(p) {
		return p
	}
	msg := fmt.Sprintf("Traefik %s is not built: run scripts/traefik.sh (once per machine, 5 to 15 minutes; make test does) "+
		"and set GATEHOUSE_TRAEFIK to the path it prints (looked in %s)", traefikVersion, p)
	if testing.Short() {
		t.Skip(msg)
	}
	t.Fatal(msg)
	return ""
}

// TestTraefik runs Traefik with deploy/traefik/traefik.yml and
// dynamic.yml in front of Gatehouse (forwardAuth) and the app, over TLS
// with the test's certificate. The files are used as shipped, changed in
// addresses, ports and paths; the certificate comes from the test instead
// of Let's Encrypt (the ACME resolver is removed and the routers use the
// certificate in the dynamic configuration's tls section), and the test
// adds Traefik's logs and access log and turns off its calls home.
func TestTraefik(t *testing.T) {
	t.Parallel()
	traefik := requireTraefik(t)
	bin := gatehouseBinary(t)
	dir := t.TempDir()
	roots := testCert(t, dir)
	httpsAddr, httpAddr := freeAddr(t), freeAddr(t)
	port := portOf(t, httpsAddr)
	a := newApp(t)
	gh := startGatehouse(t, bin, "https://auth.example.com:"+port, "http://"+a.addr())

	dynFile := filepath.Join(dir, "dynamic.yml")
	dyn := render(t, "deploy/traefik/dynamic.yml", readRepoFile(t, "deploy/traefik/dynamic.yml"),
		"127.0.0.1:8080", gh.addr,
		"127.0.0.1:9001", a.addr(),
		"\n      tls:\n        certResolver: letsencrypt\n", "\n      tls: {}\n",
	)
	dyn += fmt.Sprintf("\n# Added by the test: its certificate for example.com and *.example.com.\ntls:\n  certificates:\n    - certFile: %q\n      keyFile: %q\n",
		filepath.Join(dir, "example.com.crt"), filepath.Join(dir, "example.com.key"))
	writeFile(t, dynFile, dyn)
	static := render(t, "deploy/traefik/traefik.yml", withoutYAMLKey(t, readRepoFile(t, "deploy/traefik/traefik.yml"), "certificatesResolvers"),
		`address: ":80"`, fmt.Sprintf("address: %q", httpAddr),
		`address: ":443"`, fmt.Sprintf("address: %q", httpsAddr),
		"filename: /etc/traefik/dynamic.yml", fmt.Sprintf("filename: %q", dynFile),
	)
	accessLog := filepath.Join(dir, "access.log")
	static += fmt.Sprintf("\n# Added by the test.\nglobal:\n  checkNewVersion: false\n  sendAnonymousUsage: false\nlog:\n  level: INFO\n  format: json\n"+
		"accessLog:\n  filePath: %q\n", accessLog)
	staticFile := filepath.Join(dir, "traefik.yml")
	writeFile(t, staticFile, static)

	p := startProc(t, "traefik", filepath.Join(dir, "traefik.log"), []string{"HOME=" + dir}, traefik, "--configFile="+staticFile)
	waitFor(t, p, "traefik serving https", 30*time.Second, func() error {
		resp, err := newBrowserQuiet(roots).Get("https://auth.example.com:" + port + "/_gatehouse/jwks.json")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("jwks.json through traefik: %d", resp.StatusCode)
		}
		return nil
	})
	t.Logf("front door: traefik %s", versionOf(t, traefik, "version"))

	w := newWorld(t, "traefik", gh, a, httpsAddr, roots)
	exercise(t, w)

	t.Run("plain http is sent to https", func(t *testing.T) {
		checkHTTPRedirect(t, w, httpAddr)
	})
	t.Run("the forward-auth endpoint is not routed from outside", func(t *testing.T) {
		b := newBrowser(t, roots)
		b.get(w.authURL+"/_gatehouse/authz/forward-auth", http.Header{
			"X-Forwarded-Host": {"app.example.com"}, "X-Forwarded-Uri": {"/public/x"}, "X-Forwarded-Proto": {"https"}}).wantStatus(t, http.StatusNotFound)
	})
	t.Run("Traefik logged no configuration problem", func(t *testing.T) {
		for _, line := range strings.Split(p.Tail(1000), "\n") {
			var l struct{ Level, Message string }
			if json.Unmarshal([]byte(line), &l) != nil || l.Level != "warn" && l.Level != "error" && l.Level != "fatal" ||
				// Logged at every start by Traefik v3.6, whatever the configuration.
				strings.HasPrefix(l.Message, "Traefik can reject some encoded characters") {
				continue
			}
			t.Errorf("traefik: %s", line)
		}
	})
	t.Run("no set-password link's token in the access log", func(t *testing.T) {
		// Traefik's access log as it is once turned on (common log format).
		checkLinkKeptOutOfAccessLog(t, w, httpAddr, func() string { return readLog(t, accessLog) })
	})
	checkAfterLogin(t, w, signInBoth(t, w, bob), nil)
}

// withoutYAMLKey removes a top-level key and its block from a YAML text.
func withoutYAMLKey(t *testing.T, text, key string) string {
	t.Helper()
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l != key+":" {
			continue
		}
		end := i + 1
		for end < len(lines) && (lines[end] == "" || strings.HasPrefix(lines[end], " ") || strings.HasPrefix(lines[end], "#")) {
			end++
		}
		return strings.Join(append(lines[:i:i], lines[end:]...), "\n")
	}
	t.Fatalf("no top-level %s: in the YAML", key)
	return ""
}

// checkHTTPRedirect checks that plain http is sent to the same page over
// https (the session cookie is Secure). nginx ($host) and Caddy redirect
// to the default https port whatever port they serve https on; Traefik
// to the https entry point's port.
func checkHTTPRedirect(t *testing.T, w *world, httpAddr string) {
	t.Helper()
	b := newBrowser(t, w.roots)
	p := b.get("http://app.example.com:"+portOf(t, httpAddr)+"/deals?id=1", nil)
	if p.status != http.StatusMovedPermanently && p.status != http.StatusPermanentRedirect {
		t.Fatalf("status %d, want a permanent redirect", p.status)
	}
	loc, err := url.Parse(p.header.Get("Location"))
	if err != nil || loc.Scheme != "https" || loc.Hostname() != "app.example.com" || loc.RequestURI() != "/deals?id=1" ||
		loc.Port() != "" && loc.Port() != w.port {
		t.Errorf("Location %q, want https://app.example.com[:%s]/deals?id=1", p.header.Get("Location"), w.port)
	}
}
