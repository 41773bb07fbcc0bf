package gateway_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestWebSocketEndsHoweverItsSessionEnds checks docs/contract.md,
// "WebSocket proxying", for the ways a session ends without its own
// browser signing out: a thief's WebSocket, opened with bob's session,
// is closed within about 5 s once bob changes his password (his other
// sessions end), an administrator ends his sessions or disables him, or
// the session outlives its timeouts.
func TestWebSocketEndsHoweverItsSessionEnds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, h *harness)
	}{
		{"the owner's password change", func(t *testing.T, h *harness) {
			owner := h.newClient(t)
			owner.signIn(crmHost, bob)
			owner.form(authHost, "/account/password", url.Values{"current": {bob.password}, "password": {"a fresh long passphrase"}}).wantStatus(t, http.StatusSeeOther)
		}},
		{"an administrator ending the account's sessions", func(t *testing.T, h *harness) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			admin.api(authHost, "admin/users/bob/revoke", map[string]string{}).wantStatus(t, http.StatusOK)
		}},
		{"the account disabled", func(t *testing.T, h *harness) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			admin.api(authHost, "admin/users/bob/disable", map[string]string{}).wantStatus(t, http.StatusOK)
		}},
		{"the session's absolute timeout", func(_ *testing.T, h *harness) {
			h.clock.Advance(h.cfg.Session.AbsoluteTimeout + time.Second)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			up := newSwitchingUpstream(t)
			h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
				cfg.Routes = append(cfg.Routes, config.Route{Name: "wsauth", Host: wsAuthHost, PathPrefix: "/", Upstream: up.srv.URL, Policy: "password"})
			}})
			thief := h.newClient(t)
			thief.signIn(wsAuthHost, bob)
			conn, br, status := openWebSocket(t, h, thief, "Upgrade: websocket\r\n")
			if status != http.StatusSwitchingProtocols {
				t.Fatalf("handshake answered %d", status)
			}
			echo := func() error {
				if _, err := io.WriteString(conn, "ls"); err != nil {
					return err
				}
				b := make([]byte, 2)
				_, err := io.ReadFull(br, b)
				return err
			}
			if err := echo(); err != nil {
				t.Fatalf("a WebSocket of a live session: %v", err)
			}
			tc.end(t, h)
			deadline := time.Now().Add(15 * time.Second)
			for {
				conn.SetReadDeadline(time.Now().Add(time.Second))
				err := echo()
				switch {
				case errors.Is(err, io.EOF), err != nil && strings.Contains(err.Error(), "reset"), err != nil && strings.Contains(err.Error(), "broken pipe"):
					return // closed
				case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
					t.Fatalf("after the session ended: %v", err)
				}
				if time.Now().After(deadline) {
					t.Fatal("the WebSocket still relays 15 s after its session ended")
				}
				time.Sleep(500 * time.Millisecond)
			}
		})
	}
}
