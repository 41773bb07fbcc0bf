package sms_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
)

// rawAnswerer listens on loopback and answers every request with line
// and an empty header, as a broken or hostile provider (or what stands
// where it should be) may: no HTTP at all. It returns the base URL.
func rawAnswerer(t *testing.T, line string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				if _, err := http.ReadRequest(r); err != nil {
					return
				}
				_, _ = conn.Write([]byte(line + "\r\n\r\n"))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestProviderStatusLineInErrorsIsBounded: the status line of a
// provider's answer that is no HTTP (a megabyte of text where "HTTP/1.1
// 200 OK" should be) reaches an error, and so the logs, cut to 160
// bytes and on one line, as any text of the provider's does
// (docs/contract.md, "SMS delivery"). Before, Go's HTTP client quoted
// the whole line in its error, which every error and log line of the
// call then held.
func TestProviderStatusLineInErrorsIsBounded(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		line string
	}{
		{"a line without a space", "line-one\u202e" + strings.Repeat("x", 100_000)},
		{"a status code of a megabyte", "HTTP/1.1 2" + strings.Repeat("0", 1<<20) + " OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := rawAnswerer(t, tc.line)
			for _, p := range []struct {
				name string
				send func() error
			}{
				{"twilio", func() error {
					p, err := sms.NewTwilioMessaging(sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef",
						AuthToken: "0123456789abcdef0123456789abcdef", From: "+15005550006", BaseURL: base})
					if err != nil {
						t.Fatal(err)
					}
					return p.Send(ctx, auth.Message{To: alicePhone, Body: "hello"})
				}},
				{"sinch", func() error {
					p, err := sms.NewSinch(sms.SinchConfig{KeyID: "key", KeySecret: "c2VjcmV0", BaseURL: base})
					if err != nil {
						t.Fatal(err)
					}
					_, err = p.CheckCode(ctx, "0123456789", alicePhone, "1234")
					return err
				}},
				{"webhook", func() error {
					p, err := sms.NewWebhook(sms.WebhookConfig{URL: base + "/sms", Secret: "0123456789abcdef0123456789abcdef"})
					if err != nil {
						t.Fatal(err)
					}
					return p.Send(ctx, auth.Message{To: alicePhone, Body: "hello"})
				}},
			} {
				err := p.send()
				if err == nil {
					t.Fatalf("%s: no error", p.name)
				}
				if msg := err.Error(); len(msg) > 400 || strings.ContainsAny(msg, "\n\u202e") {
					t.Errorf("%s: error of %d bytes, want at most 400 on one line: %.300q", p.name, len(msg), msg)
				}
				if !errors.Is(err, auth.ErrSMSFailed) {
					t.Errorf("%s: err = %.200v, not ErrSMSFailed", p.name, err)
				}
			}
		})
	}
}
