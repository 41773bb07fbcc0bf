package frontdoor_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testbin"
)

// TestNginx runs nginx with deploy/nginx/gatehouse.conf and its snippets,
// changed only in listen addresses, upstream addresses and file paths, in
// front of Gatehouse (auth_request) and the app, over TLS with Secure
// cookies as in production.
func TestNginx(t *testing.T) {
	t.Parallel()
	n := startNginx(t, "")
	w := n.world
	exercise(t, w)

	t.Run("plain http is sent to https", func(t *testing.T) {
		checkHTTPRedirect(t, w, n.httpAddr)
	})
	t.Run("the auth-request endpoint is not reachable from outside", func(t *testing.T) {
		b := newBrowser(t, w.roots)
		p := b.get(w.authURL+"/_gatehouse/authz/auth-request", http.Header{"X-Original-Url": {w.appURL + "/public/x"}})
		p.wantStatus(t, http.StatusNotFound)
		b.get(w.appURL+"/_gatehouse_authz", nil).wantStatus(t, http.StatusNotFound)
	})
	t.Run("no set-password link's token in the access log", func(t *testing.T) {
		checkLinkKeptOutOfAccessLog(t, w, n.httpAddr, func() string {
			return readLog(t, filepath.Join(n.dir, "access.log")) + readLog(t, filepath.Join(n.dir, "portal-access.log"))
		})
	})
	accessLog := filepath.Join(n.dir, "access.log")
	checkAfterLogin(t, w, signInBoth(t, w, bob), func(t *testing.T, path string) string {
		id := nginxRequestID(t, accessLog, path)
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
			t.Fatalf("nginx logged request id %q for %s", id, path)
		}
		return id
	})
}

// nginxRun is a running nginx with the shipped configuration.
type nginxRun struct {
	world    *world
	dir      string // its prefix: logs, rendered files
	httpAddr string // the plain-http listener
}

// startNginx starts Gatehouse, the app and nginx with the shipped files.
// appServer, if not empty, is put at the top of the app's server block
// before the snippets' include, as a site's own settings would be there.
func startNginx(t *testing.T, appServer string) *nginxRun {
	t.Helper()
	nginx := requireTool(t, "nginx")
	bin := gatehouseBinary(t)
	dir := t.TempDir()
	roots := testCert(t, dir)
	httpsAddr, httpAddr := freeAddr(t), freeAddr(t)
	port := portOf(t, httpsAddr)
	a := newApp(t)
	gh := startGatehouse(t, bin, "https://auth.example.com:"+port, "http://"+a.addr())

	snippets := filepath.Join(dir, "snippets")
	for _, name := range []string{"gatehouse-authz.conf", "gatehouse-protect.conf"} {
		writeFile(t, filepath.Join(snippets, name), readRepoFile(t, "deploy/nginx/snippets/"+name))
	}
	const include = "    include /etc/nginx/snippets/gatehouse-authz.conf;\n"
	conf := render(t, "deploy/nginx/gatehouse.conf", readRepoFile(t, "deploy/nginx/gatehouse.conf"),
		include, appServer+include,
		"listen 443 ssl;", "listen "+httpsAddr+" ssl;",
		"listen 80;", "listen "+httpAddr+";",
		"server 127.0.0.1:8080;", "server "+gh.addr+";",
		"server 127.0.0.1:9001;", "server "+a.addr()+";",
		"/etc/ssl/gatehouse/", dir+"/",
		"/etc/nginx/snippets/", snippets+"/",
		"/var/log/nginx/access.log", dir+"/portal-access.log",
	)
	writeFile(t, filepath.Join(dir, "gatehouse.conf"), conf)
	// The main file is the test's own: what a distribution's nginx.conf
	// provides, with every path inside the test's directory. One process
	// (no master), so nothing switches users and it runs without root.
	main := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 256; }
http {
    log_format gatehouse_test '$request_id $status "$request"';
    access_log %[1]s/access.log gatehouse_test;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    include %[1]s/gatehouse.conf;
}
`, dir)
	mainFile := filepath.Join(dir, "nginx.conf")
	writeFile(t, mainFile, main)
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	args := []string{nginx, "-p", dir, "-c", mainFile, "-e", filepath.Join(dir, "error.log")}
	if out, err := exec.Command(args[0], append(args[1:], "-t")...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t with the rendered deploy/nginx config: %v\n%s", err, out)
	}
	p := startProc(t, "nginx", filepath.Join(dir, "nginx.out"), nil, args...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- nginx error.log:\n%s", testbin.Tail(filepath.Join(dir, "error.log"), 30))
		}
	})
	waitFor(t, p, "nginx", 10*time.Second, func() error {
		c, err := net.DialTimeout("tcp", httpsAddr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})

	t.Logf("front door: %s", versionOf(t, nginx, "-v"))
	return &nginxRun{world: newWorld(t, "nginx", gh, a, httpsAddr, roots), dir: dir, httpAddr: httpAddr}
}

// nginxRequestID returns the $request_id nginx logged for the last
// request of path (the request id the snippets send to Gatehouse and the
// app): from accessLog, in the test's log_format ("$request_id $status
// $request"), or from the portal's portal-access.log next to it, in the
// shipped gatehouse_portal (combined, then $request_id).
func nginxRequestID(t *testing.T, accessLog, path string) string {
	t.Helper()
	// nginx writes the line once the answer is sent: wait for it.
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(accessLog)
		if err != nil {
			t.Fatal(err)
		}
		id := ""
		if p, err := os.ReadFile(filepath.Join(filepath.Dir(accessLog), "portal-access.log")); err == nil {
			b = append(b, p...)
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			switch f := strings.Fields(line); {
			case len(f) >= 4 && f[3] == path:
				id = f[0]
			case len(f) >= 7 && f[6] == path: // log_format gatehouse_portal
				id = f[len(f)-1]
			}
		}
		if id != "" {
			return id
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx logged no request for %s", path)
		}
	}
}
