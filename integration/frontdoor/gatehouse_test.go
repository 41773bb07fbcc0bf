package frontdoor_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// gatehouse is a running gatehouse binary configured with deploy/gateway.yaml.
type gatehouse struct {
	addr      string // server.listen
	adminAddr string // server.admin_listen
	publicURL string
	smsFile   string
	proc      *proc // the running process: a test may stop it
}

// testHasher makes cheap argon2id hashes: the binary verifies them with
// the parameters they carry.
var testHasher = auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Minute)

// startGatehouse runs `gatehouse serve` with deploy/gateway.yaml, changed
// only in addresses and file paths: public_url gets the front door's port,
// routes point at appURL. The rendered file must pass check-config.
func startGatehouse(t *testing.T, bin, publicURL, appURL string) *gatehouse {
	t.Helper()
	dir := t.TempDir()
	g := &gatehouse{addr: freeAddr(t), publicURL: publicURL, smsFile: filepath.Join(dir, "sms.jsonl")}
	adminAddr := freeAddr(t)
	g.adminAddr = adminAddr
	keyFile := filepath.Join(dir, "gatehouse.key")
	if out, err := exec.Command(bin, "keygen", "-o", keyFile).CombinedOutput(); err != nil {
		t.Fatalf("gatehouse keygen: %v\n%s", err, out)
	}
	var users strings.Builder
	users.WriteString("users:\n")
	for _, p := range []person{alice, bob} {
		hash, err := testHasher.Hash(context.Background(), p.password)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&users, "  %s:\n    display_name: %q\n    email: %q\n    phone: %q\n    groups: [%s]\n    password: %q\n",
			p.name, p.display, p.email, p.phone, strings.Join(p.groups, ", "), hash)
	}
	usersFile := filepath.Join(dir, "users.yaml")
	writeFile(t, usersFile, users.String())

	cfg := render(t, "deploy/gateway.yaml", readRepoFile(t, "deploy/gateway.yaml"),
		`listen: "127.0.0.1:8080"`, fmt.Sprintf("listen: %q", g.addr),
		`admin_listen: "127.0.0.1:9090"`, fmt.Sprintf("admin_listen: %q", adminAddr),
		`public_url: "https://auth.example.com"`, fmt.Sprintf("public_url: %q", publicURL),
		`"/etc/gatehouse/users.yaml"`, fmt.Sprintf("%q", usersFile),
		`"/etc/gatehouse/gatehouse.key"`, fmt.Sprintf("%q", keyFile),
		`console: { file: "" }`, fmt.Sprintf("console: { file: %q }", g.smsFile),
		`"http://127.0.0.1:9001"`, fmt.Sprintf("%q", appURL),
	)
	cfgFile := filepath.Join(dir, "gateway.yaml")
	writeFile(t, cfgFile, cfg)
	if out, err := exec.Command(bin, "check-config", "-c", cfgFile).CombinedOutput(); err != nil {
		t.Fatalf("gatehouse check-config on the rendered deploy/gateway.yaml: %v\n%s", err, out)
	}
	p := startProc(t, "gatehouse", filepath.Join(dir, "gatehouse.log"), nil, bin, "serve", "-c", cfgFile)
	g.proc = p
	hc := &http.Client{Timeout: 2 * time.Second}
	waitFor(t, p, "gatehouse /readyz", 15*time.Second, func() error {
		resp, err := hc.Get("http://" + adminAddr + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz = %d", resp.StatusCode)
		}
		return nil
	})
	return g
}

var codeRE = regexp.MustCompile(`code is (\d+)`)

// code returns the code of the newest SMS sent to phone.
func (g *gatehouse) code(t *testing.T, phone string) string {
	t.Helper()
	f, err := os.Open(g.smsFile)
	if err != nil {
		t.Fatalf("no SMS was sent: %v", err)
	}
	defer f.Close()
	found := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ To, Body string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("console SMS line is not JSON: %q", sc.Text())
		}
		if sub := codeRE.FindStringSubmatch(m.Body); m.To == phone && sub != nil {
			found = sub[1]
		}
	}
	if found == "" {
		t.Fatalf("no code was sent to %s", phone)
	}
	return found
}
