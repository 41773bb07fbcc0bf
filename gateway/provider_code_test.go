package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// verifyProvider stands in for Twilio Verify or Sinch: it picks the code
// (eight digits here) and checks it itself.
type verifyProvider struct {
	mu    sync.Mutex
	codes map[string]string // ref → code
}

func (p *verifyProvider) Send(context.Context, auth.Message) error { return nil }

func (p *verifyProvider) StartVerification(_ context.Context, m auth.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ref := "VE" + m.To
	p.codes[ref] = "12345678"
	return ref, nil
}

func (p *verifyProvider) CheckCode(_ context.Context, ref, _, code string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.codes[ref] == code, nil
}

// TestProviderChosenCodeLength: with a provider that makes the codes, the
// code page does not promise the configured length nor cut input at it,
// and the provider's eight-digit code signs the person in.
func TestProviderChosenCodeLength(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{sender: &verifyProvider{codes: map[string]string{}}})
	c := h.newClient(t)
	r := c.form(crmHost, "/login", url.Values{"username": {alice.name}, "password": {alice.password}, "rd": {"/"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("login form: %d", r.status)
	}
	page := c.browse(crmHost, prefix+"/otp")
	body := string(page.body)
	if strings.Contains(body, "6-digit") || !strings.Contains(body, "We texted a code to") || !strings.Contains(body, `data-code-length="0"`) {
		t.Fatalf("code page for a provider-chosen code:\n%s", body)
	}
	c.api(crmHost, "otp", map[string]string{"code": "12345678"}).wantStatus(t, http.StatusOK)
	c.get(crmHost, "/").wantStatus(t, http.StatusOK)
}
