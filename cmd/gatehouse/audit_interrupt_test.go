package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// interruptAfterWrite is a TCP proxy to the Redis at addr that calls
// interrupt once the store has written an account's record (the reply
// ":1" to a compare-and-swap script naming recordKey), before the command
// reads that reply: an operator's Ctrl-C, or the SIGTERM of a job's
// deadline, arriving just after the change was made. It returns the
// proxy's address.
func interruptAfterWrite(t *testing.T, addr, recordKey string, interrupt func()) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var armed, fired atomic.Bool
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", addr)
			if err != nil {
				_ = client.Close()
				continue
			}
			go func() {
				defer server.Close()
				buf := make([]byte, 1<<16)
				for {
					n, err := client.Read(buf)
					if n > 0 {
						if cmd := buf[:n]; bytes.Contains(cmd, []byte("eval")) && bytes.Contains(cmd, []byte(recordKey)) {
							armed.Store(true)
						}
						if _, werr := server.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
			go func() {
				defer client.Close()
				buf := make([]byte, 1<<16)
				for {
					n, err := server.Read(buf)
					if n > 0 {
						if armed.Load() && bytes.HasPrefix(buf[:n], []byte(":1\r\n")) && !fired.Swap(true) {
							interrupt()
						}
						if _, werr := client.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestOperatorChangeInterruptedIsOnTheTrail: an operator command whose
// change is written is on the audit trail even when an interrupt (Ctrl-C,
// a job's SIGTERM) comes right after the write, as a console change cut
// off by its client hanging up is (docs/contract.md, "Command line" and
// "Audit trail"). Before, the record was appended with the command's
// context, which the interrupt had ended: the account was enabled and the
// command said so, but the trail held nothing and the only trace was
// "event not kept: context canceled", naming neither event nor account;
// an operator could time an interrupt to make a change off the record.
func TestOperatorChangeInterruptedIsOnTheTrail(t *testing.T) {
	t.Setenv("USER", "opsy")
	addr := testredis.Start(t)
	cfgPath, _ := cliWorldAt(t, addr, "intr:", "{ backend: redis }", "")
	if code, out, e := runCmd(t, "a long cli passphrase\n", "user", "add", "-c", cfgPath, "--phone", "+1 201 555 0170", "ivy"); code != 0 {
		t.Fatalf("add: %d %s%s", code, out, e)
	}
	if code, out, e := runCmd(t, "", "user", "disable", "--force", "-c", cfgPath, "ivy"); code != 0 {
		t.Fatalf("disable: %d %s%s", code, out, e)
	}

	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	proxied := interruptAfterWrite(t, addr, "intr:user:r:ivy", interrupt)
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	viaProxy := cfgPath + ".proxied.yaml"
	if err := os.WriteFile(viaProxy, bytes.ReplaceAll(cfg, []byte(addr), []byte(proxied)), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	code := run(ctx, []string{"user", "enable", "-c", viaProxy, "ivy"}, strings.NewReader(""), &out, &errb)
	if ctx.Err() == nil {
		t.Fatalf("the interrupt never came (exit %d: %s%s): the test checks nothing", code, out.String(), errb.String())
	}

	_, show, _ := runCmd(t, "", "user", "show", "-c", cfgPath, "ivy")
	if strings.Contains(show, "disabled") {
		t.Fatalf("the write was not made before the interrupt: the test checks nothing\n%s", show)
	}
	_, tail, e := runCmd(t, "", "audit", "tail", "-c", cfgPath, "--user", "ivy", "--event", "admin_enabled")
	var r struct{ Event, User, Actor string }
	if err := json.NewDecoder(strings.NewReader(tail)).Decode(&r); err != nil && err != io.EOF {
		t.Fatalf("audit tail %q: %v %s", tail, err, e)
	}
	if r.Event != "admin_enabled" || r.User != "ivy" || r.Actor != "cli:opsy" {
		t.Errorf("ivy was enabled (exit %d: %s%s) but the trail has no admin_enabled of her by cli:opsy: %q",
			code, out.String(), errb.String(), tail)
	}
}
