package redisstore

import (
	"bufio"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		keys    []string // invalidation keys expected
		all     bool     // flush-everything push expected
		inval   bool     // an invalidation at all
		kind    respKind
		str     string
		wantErr bool
	}{
		{name: "pong", in: "+PONG\r\n", kind: respSimple, str: "PONG"},
		{name: "ok", in: "+OK\r\n", kind: respSimple, str: "OK"},
		{name: "error", in: "-NOPERM this user has no permissions\r\n", kind: respError, str: "NOPERM this user has no permissions"},
		{name: "invalidate one key", in: ">2\r\n$10\r\ninvalidate\r\n*1\r\n$9\r\ngh:s:abcd\r\n", inval: true, keys: []string{"gh:s:abcd"}, kind: respPush},
		{name: "invalidate several", in: ">2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\na:1\r\n$3\r\na:2\r\n", inval: true, keys: []string{"a:1", "a:2"}, kind: respPush},
		{name: "flush all", in: ">2\r\n$10\r\ninvalidate\r\n_\r\n", inval: true, all: true, kind: respPush},
		{name: "RESP2 null list", in: ">2\r\n$10\r\ninvalidate\r\n*-1\r\n", inval: true, all: true, kind: respPush},
		{name: "other push", in: ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n", kind: respPush},
		{name: "hello map", in: "%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n", kind: respMap},
		{name: "attribute then reply", in: "|1\r\n+key\r\n+val\r\n+PONG\r\n", kind: respSimple, str: "PONG"},
		{name: "binary-safe key", in: ">2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\na\r\nb\r\n", inval: true, keys: []string{"a\r\nb"}, kind: respPush},
		{name: "null bulk", in: "$-1\r\n", kind: respNull},
		{name: "bulk without CRLF", in: "$3\r\nabcde\r\n", wantErr: true},
		{name: "negative length", in: "*-2\r\n", wantErr: true},
		{name: "huge bulk", in: "$99999999999\r\n", wantErr: true},
		{name: "huge array", in: "*100000000\r\n", wantErr: true},
		{name: "huge map", in: "%40000\r\n", wantErr: true},
		{name: "unknown type", in: "?x\r\n", wantErr: true},
		{name: "bare LF", in: "+PONG\n", wantErr: true},
		{name: "truncated", in: ">2\r\n$10\r\ninvalidate\r\n*1\r\n$9\r\ngh:s", wantErr: true},
		{name: "deep nesting", in: strings.Repeat("*1\r\n", 20) + ":1\r\n", wantErr: true},
		{name: "empty line", in: "\r\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := readFrame(bufio.NewReader(strings.NewReader(tt.in)))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("readFrame = %+v, want an error", v)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.kind != tt.kind || (tt.str != "" && v.str != tt.str) {
				t.Errorf("frame = %c %q, want %c %q", v.kind, v.str, tt.kind, tt.str)
			}
			keys, all, ok := invalidation(v)
			if ok != tt.inval || all != tt.all || !slices.Equal(keys, tt.keys) {
				t.Errorf("invalidation = %q, all %v, ok %v; want %q, %v, %v", keys, all, ok, tt.keys, tt.all, tt.inval)
			}
		})
	}
}

func TestReadFrameErrorsAreProtocolErrors(t *testing.T) {
	_, err := readFrame(bufio.NewReader(strings.NewReader("$abc\r\n")))
	if !errors.Is(err, errProtocol) {
		t.Fatalf("err = %v, want errProtocol", err)
	}
}

func TestAppendCommand(t *testing.T) {
	got := string(appendCommand(nil, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "gh:s:"))
	want := "*6\r\n$6\r\nCLIENT\r\n$8\r\nTRACKING\r\n$2\r\nON\r\n$5\r\nBCAST\r\n$6\r\nPREFIX\r\n$5\r\ngh:s:\r\n"
	if got != want {
		t.Fatalf("appendCommand = %q, want %q", got, want)
	}
	// What is written reads back as the same array.
	v, err := readFrame(bufio.NewReader(strings.NewReader(got)))
	if err != nil || len(v.elems) != 6 || v.elems[5].str != "gh:s:" {
		t.Fatalf("read back = %+v, %v", v, err)
	}
}

func TestHelloArgs(t *testing.T) {
	tests := []struct {
		user, pass string
		want       string
	}{
		{"", "", "HELLO 3 SETNAME gatehouse-tracking"},
		{"", "pw", "HELLO 3 AUTH default pw SETNAME gatehouse-tracking"},
		{"gh", "pw", "HELLO 3 AUTH gh pw SETNAME gatehouse-tracking"},
	}
	for _, tt := range tests {
		if got := strings.Join(helloArgs(tt.user, tt.pass), " "); got != tt.want {
			t.Errorf("helloArgs(%q, %q) = %q, want %q", tt.user, tt.pass, got, tt.want)
		}
	}
}

// FuzzReadFrame: whatever a server (or something posing as one) sends,
// the reader returns a frame or an error, never panics, and never keeps
// more than the input could describe.
func FuzzReadFrame(f *testing.F) {
	for _, s := range []string{
		"+PONG\r\n", ">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nabc\r\n", ">2\r\n$10\r\ninvalidate\r\n_\r\n",
		"%1\r\n+a\r\n:1\r\n", "|1\r\n+a\r\n+b\r\n+c\r\n", "$-1\r\n", "*3\r\n:1\r\n,1.5\r\n#t\r\n", "=7\r\ntxt:abc\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(strings.NewReader(string(in)))
		for range 4 {
			v, err := readFrame(r)
			if err != nil {
				return
			}
			keys, all, ok := invalidation(v)
			if !ok && (keys != nil || all) {
				t.Fatalf("not an invalidation, yet keys %q all %v", keys, all)
			}
			if len(keys) > len(in) {
				t.Fatalf("%d keys from %d bytes", len(keys), len(in))
			}
		}
	})
}
