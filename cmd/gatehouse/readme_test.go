package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testbin"
)

// readmeBlocks returns the ```sh blocks of README.md's section "Running
// it for real", one string per line, in order.
func readmeBlocks(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Running it for real\n")
	if !ok {
		t.Fatal(`README.md has no "## Running it for real" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks [][]string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, strings.Split(strings.TrimSpace(m[1]), "\n"))
	}
	return blocks
}

// TestReadmeRunningItForReal follows README "Running it for real" word
// for word in a folder standing for a fresh clone: the commands are read
// from the README (each must be one this test knows how to run), the
// binary is built by its go build line, the gatehouse commands run as
// typed, and the curl lines are replayed (their URL, body and cookies)
// with the password given to user add and the code the console SMS
// sender printed. The only changes are the ports, free ones in place of
// 8080, 9001 and 9090 (in the commands and in the copy of gateway.yaml).
func TestReadmeRunningItForReal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	blocks := readmeBlocks(t)
	if len(blocks) < 2 {
		t.Fatalf("want the commands and the curl block, got %d blocks", len(blocks))
	}
	dir := t.TempDir()
	gw, app, admin := freeAddr(t), freeAddr(t), freeAddr(t)
	gwPort := gw[strings.LastIndexByte(gw, ':')+1:]
	ports := strings.NewReplacer("127.0.0.1:8080", gw, "127.0.0.1:9001", app, "127.0.0.1:9090", admin)
	example, err := os.ReadFile("../../gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gateway.yaml"), []byte(ports.Replace(string(example))), 0o600); err != nil {
		t.Fatal(err)
	}
	const password = "correct horse battery staple"
	binary := filepath.Join(dir, "gatehouse")
	comment := regexp.MustCompile(`\s+#\s.*$`)
	var serveLog string
	for _, line := range blocks[0] {
		line = strings.TrimSpace(comment.ReplaceAllString(line, ""))
		background := strings.HasSuffix(line, " &")
		args := strings.Fields(strings.TrimSuffix(line, " &"))
		for i := range args {
			args[i] = ports.Replace(args[i])
		}
		switch {
		case len(args) > 3 && args[0] == "go" && args[1] == "build":
			for i := range args[:len(args)-1] {
				if args[i] == "-o" {
					args[i+1] = binary
				}
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir = "../.."
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
		case len(args) > 1 && args[0] == "./gatehouse" && (background || args[1] == "serve"):
			cmd := exec.Command(binary, args[1:]...)
			cmd.Dir = dir
			p, err := testbin.Start(cmd, filepath.Join(dir, args[1]+".log"))
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			t.Cleanup(func() { p.Stop(syscall.SIGTERM, 10*time.Second) })
			if args[1] == "serve" {
				serveLog = p.Log
			}
		case len(args) > 1 && args[0] == "./gatehouse":
			cmd := exec.Command(binary, args[1:]...)
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(password + "\n") // not a terminal: one line
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", line, err, out)
			}
		default:
			t.Fatalf("README command %q: this test does not know how to run it", line)
		}
	}
	if serveLog == "" {
		t.Fatal("the README does not start serve")
	}

	// The curl lines, against the gateway on its free port.
	jar, _ := cookiejar.New(nil)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{
		// --resolve HOST:PORT:127.0.0.1 — the only host the README uses.
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, gw)
		},
	}}
	urlRE, bodyRE := regexp.MustCompile(`http://\S+`), regexp.MustCompile(`-d '([^']*)'`)
	codeRE := regexp.MustCompile(`"to":"\+12015550100","body":"[^"]*code is (\d{6})`)
	var page string
	for i, line := range blocks[1] {
		if !strings.HasPrefix(line, "curl --resolve crm.example.com:8080:127.0.0.1 ") {
			t.Fatalf("README curl line %q: this test does not know how to run it", line)
		}
		url := strings.Replace(urlRE.FindString(line), ":8080/", ":"+gwPort+"/", 1)
		var resp *http.Response
		if m := bodyRE.FindStringSubmatch(line); m != nil {
			body := strings.Replace(m[1], "YOUR PASSWORD", password, 1)
			if strings.Contains(body, `"code"`) {
				code := codeRE.FindStringSubmatch(testbin.Tail(serveLog, 200))
				if code == nil {
					t.Fatalf("no code in serve's output:\n%s", testbin.Tail(serveLog, 50))
				}
				body = strings.Replace(body, "123456", code[1], 1)
			}
			resp, err = waitPost(client, url, body)
		} else {
			resp, err = client.Get(url)
		}
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, testbin.Tail(serveLog, 30))
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		want := []any{"otp_required", "authenticated"}
		switch {
		case resp.StatusCode != http.StatusOK:
			t.Fatalf("%s: %d\n%s\n%s", line, resp.StatusCode, b, testbin.Tail(serveLog, 30))
		case i < len(want) && m["status"] != want[i]:
			t.Fatalf("%s: status %v, want %v\n%s", line, m["status"], want[i], b)
		}
		page = string(b)
	}
	for _, want := range []string{"Hello, alice", "✔ The X-Auth-Assertion verified"} {
		if !strings.Contains(page, want) {
			t.Errorf("the signed-in page lacks %q:\n%s", want, page)
		}
	}
}

// waitPost posts a JSON body, retrying while nothing listens yet (serve
// was just started).
func waitPost(c *http.Client, url, body string) (*http.Response, error) {
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := c.Post(url, "application/json", strings.NewReader(body))
		if err == nil || time.Now().After(deadline) {
			return resp, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
