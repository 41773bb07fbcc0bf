package sms

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds a provider call when a configuration gives none
// (sms.timeout's default).
const DefaultTimeout = 10 * time.Second

// MaxRetryAfter bounds how long a provider's Retry-After may stop sends
// (docs/contract.md, "SMS delivery"): a longer one, or one past what a
// time.Duration holds, is taken as MaxRetryAfter.
const MaxRetryAfter = 15 * time.Minute

// maxResponse bounds what is read of a provider's answer.
const maxResponse = 1 << 20

// userAgent identifies Gatehouse to providers and webhook receivers.
const userAgent = "gatehouse-sms/1"

// newTransport returns a transport for provider calls: proxies from the
// environment, bounded dial and TLS handshakes, a small idle pool.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// newClient returns an HTTP client that never follows redirects (a
// provider answering 3xx is misconfigured, and following would resend
// credentials and codes elsewhere) and gives up after timeout.
func newClient(rt http.RoundTripper, timeout time.Duration) *http.Client {
	if rt == nil {
		rt = newTransport()
	}
	return &http.Client{
		Transport:     rt,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// orDefault returns d, or DefaultTimeout when d is not positive.
func orDefault(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultTimeout
	}
	return d
}

// parseBase parses a base URL: absolute http(s), no query or fragment,
// without a trailing slash.
func parseBase(name, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("sms: %s must be an absolute http:// or https:// URL without query or credentials", name)
	}
	return u, nil
}

// retryAfter returns the Retry-After of h, in seconds, at most
// MaxRetryAfter; def when it is absent or not a positive number.
func retryAfter(h http.Header, def time.Duration) time.Duration {
	n, err := strconv.ParseInt(strings.TrimSpace(h.Get("Retry-After")), 10, 64)
	switch {
	case err != nil || n <= 0:
		return def
	case n >= int64(MaxRetryAfter/time.Second):
		return MaxRetryAfter
	}
	return time.Duration(n) * time.Second
}

// readBody reads at most maxResponse bytes of a response and closes it.
func readBody(resp *http.Response) []byte {
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	return b
}

// traceWrite returns ctx traced so that wrote reports whether a request
// made with it reached the wire whole: from then on the provider may have
// taken it, whatever becomes of the answer (docs/sms.md, "What the quotas
// count").
func traceWrite(ctx context.Context) (_ context.Context, wrote func() bool) {
	var done atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				done.Store(true)
			}
		},
	})
	return ctx, done.Load
}

// callContext bounds a provider call by timeout. It fails at once when ctx
// is already done, so nothing is sent for a request that was abandoned.
func callContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	return cctx, cancel, nil
}
