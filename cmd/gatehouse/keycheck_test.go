package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// serveBriefly runs `serve -c cfg` and reports whether it came to answer
// on addr (then it is stopped, and must exit 0) or exited first, with its
// exit code and standard error.
func serveBriefly(t *testing.T, cfg, addr string) (started bool, code int, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	errOut := &syncBuffer{}
	go func() { done <- run(ctx, []string{"serve", "-c", cfg}, strings.NewReader(""), io.Discard, errOut) }()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case code := <-done:
			return false, code, errOut.String()
		default:
		}
		if resp, err := http.Get("http://" + addr + "/_gatehouse/jwks.json"); err == nil {
			resp.Body.Close()
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("serve exited %d once stopped\n%s", code, errOut.String())
			}
			return true, 0, errOut.String()
		}
	}
	t.Fatalf("serve neither answered nor exited\n%s", errOut.String())
	return false, 0, ""
}

// TestAnotherDerivationKeyIsRefused: an operator replaces the signing key
// and forgets identity.derivation_key_file (or points it at the wrong
// file). The store's records were written under the old key: serve and
// the operator commands refuse to run, say what happened and the two
// ways on, and change nothing (docs/contract.md, "Identity headers").
// Before, serve started silently, and every authenticator app, passkey,
// recovery code set, ban and known device was lost without a word. Named
// as derivation_key_file, the old key serves; `gatehouse derivation-key
// adopt` is the explicit start over under the new one.
func TestAnotherDerivationKeyIsRefused(t *testing.T) {
	redis := testredis.NewServer(t)
	listen := freeAddr(t)
	cfg, _ := cliWorldAt(t, redis.Addr, "kc:", "{ backend: redis }", listen)
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	body := string(b)
	const keyLine = "identity: { signing_key_file: "
	at := strings.Index(body, keyLine)
	if at < 0 {
		t.Fatalf("no %q in the configuration", keyLine)
	}
	first := body[at+len(keyLine):]
	first = strings.Trim(first[:strings.Index(first, " }")], `"`)
	second := filepath.Join(t.TempDir(), "second.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", second); code != 0 {
		t.Fatal(e)
	}
	identity := func(t *testing.T, line string) {
		t.Helper()
		end := at + strings.Index(body[at:], "\n")
		if err := os.WriteFile(cfg, []byte(body[:at]+line+body[end:]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, e := runCmd(t, "a long enough passphrase\n", "user", "add", "-c", cfg, "ada"); code != 0 {
		t.Fatalf("user add: %d\n%s%s", code, out, e)
	}
	if started, code, e := serveBriefly(t, cfg, listen); !started {
		t.Fatalf("serve under the first key: exit %d\n%s", code, e)
	}

	identity(t, `identity: { signing_key_file: "`+second+`" }`)
	started, code, errOut := serveBriefly(t, cfg, listen)
	if started {
		t.Fatalf("serve started silently under another derivation key than the store's records were written under\n%s", errOut)
	}
	for _, want := range []string{"another derivation key", "identity.derivation_key_file", "gatehouse derivation-key adopt"} {
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("serve under another key: exit %d, want a refusal saying %q\n%s", code, want, errOut)
		}
	}
	for _, args := range [][]string{
		{"user", "issue-recovery", "-c", cfg, "ada"},
		{"user", "unban", "-c", cfg, "ada"},
		{"user", "bans", "-c", cfg},
		{"admin", "token", "create", "-c", cfg, "--name", "ci"},
	} {
		code, out, e := runCmd(t, "", args...)
		if code == 0 || !strings.Contains(e, "another derivation key") {
			t.Errorf("gatehouse %s under another key: exit %d, want the refusal\n%s%s", strings.Join(args, " "), code, out, e)
		}
	}

	identity(t, `identity: { signing_key_file: "`+second+`", derivation_key_file: "`+first+`" }`)
	if started, code, e := serveBriefly(t, cfg, listen); !started {
		t.Fatalf("serve with the old key as derivation_key_file: exit %d\n%s", code, e)
	}

	identity(t, `identity: { signing_key_file: "`+second+`" }`)
	code, out, e := runCmd(t, "", "derivation-key", "adopt", "-c", cfg)
	if code != 0 || !strings.Contains(out, "left behind") {
		t.Fatalf("derivation-key adopt: exit %d\n%s%s", code, out, e)
	}
	// Leaving every ban and second factor behind is in the audit trail,
	// with the operator who did it.
	if code, out, e := runCmd(t, "", "audit", "tail", "-c", cfg, "-n", "100"); code != 0 || !strings.Contains(out, `"derivation_key_adopted"`) || !strings.Contains(out, `"actor":"cli`) {
		t.Errorf("audit tail after derivation-key adopt: exit %d, want a derivation_key_adopted record with its cli actor\n%s%s", code, out, e)
	}
	if started, code, e := serveBriefly(t, cfg, listen); !started {
		t.Fatalf("serve once the new key is adopted: exit %d\n%s", code, e)
	}
	if code, out, e := runCmd(t, "", "user", "issue-recovery", "-c", cfg, "ada"); code != 0 {
		t.Fatalf("issue-recovery once the new key is adopted: exit %d\n%s%s", code, out, e)
	}
}
