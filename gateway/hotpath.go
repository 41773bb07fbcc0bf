package gateway

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Helpers for the per-request path (every forward-auth check, every
// proxied request): each does what a general-purpose call would, without
// allocating. docs/performance.md says what each one bought.

// Constant response header values, shared by every response. Each slice
// has length and capacity one, so an Add on the header allocates a new
// array instead of writing into the shared one; nothing in net/http or gin
// writes into a header value slice in place.
var (
	valNoStore    = []string{"no-store"}
	valNoCache    = []string{"no-cache"}
	valNosniff    = []string{"nosniff"}
	valNoReferrer = []string{"no-referrer"}
	valDeny       = []string{"DENY"}
	valHSTS       = []string{"max-age=31536000"}
	// valHSTSSubdomains is HSTS when session.cookie_domain is set.
	valHSTSSubdomains = []string{"max-age=31536000; includeSubDomains"}
	valClearCache     = []string{`"cache"`}
	// valEmpty is a header sent empty (a forward-auth 200's Cookie when
	// the client sent only the gateway's cookies, or none).
	valEmpty = []string{""}
)

// Request headers read on every check, in canonical form: headerValue
// reads them without canonicalising the name again.
const (
	hdrRequestID       = "X-Request-Id"
	hdrForwardedProto  = "X-Forwarded-Proto"
	hdrForwardedHost   = "X-Forwarded-Host"
	hdrForwardedURI    = "X-Forwarded-Uri"
	hdrForwardedMethod = "X-Forwarded-Method"
	hdrOriginalURL     = "X-Original-Url"
	hdrOriginalMethod  = "X-Original-Method"
)

// headerValue is h.Get(key) for a key already in canonical form (one of
// the hdr constants): net/http stores received headers under their
// canonical names, and Get would check and canonicalise key first.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// DefaultRefusedLoginDelay is the RefusedLoginDelay cmd/gatehouse uses: a
// connection that keeps sending wrong passwords gets at most one answer a
// second, however cheap refusing it is (a banned name costs no hashing,
// so without a floor 200 connections could ask thousands of times a
// second and crowd out signed-in traffic).
const DefaultRefusedLoginDelay = time.Second

// slowRefusal holds a refused password attempt (*err is wrong
// credentials, a ban or overload) until RefusedLoginDelay has passed since
// start, or the client has gone. It spends no CPU while it waits.
func (s *core) slowRefusal(ctx context.Context, start time.Time, err *error) {
	if *err == nil {
		return
	}
	if !errors.Is(*err, auth.ErrInvalidCredentials) && !errors.Is(*err, auth.ErrBanned) &&
		!errors.Is(*err, auth.ErrRateLimited) && !errors.Is(*err, auth.ErrOverloaded) {
		return
	}
	s.holdUntilFloor(ctx, start)
}

// slowAnyRefusal is slowRefusal for every error (a refused sign-up).
func (s *core) slowAnyRefusal(ctx context.Context, start time.Time, err *error) {
	if *err != nil {
		s.holdUntilFloor(ctx, start)
	}
}

// holdUntilFloor waits until RefusedLoginDelay has passed since start, or
// the client has gone. It spends no CPU while it waits.
func (s *core) holdUntilFloor(ctx context.Context, start time.Time) {
	wait := s.refusedDelay - s.now().Sub(start)
	if s.refusedDelay <= 0 || wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// newRequestID returns a fresh request id: 16 base64url characters of 96
// random bits, like the 12-byte random token it replaced, but from the
// runtime's per-thread generator rather than the system's CSPRNG (request
// ids are correlation handles, not secrets).
func newRequestID() string {
	var raw [12]byte
	binary.LittleEndian.PutUint64(raw[:8], rand.Uint64()) //nolint:gosec // G404: a request id correlates log lines, it is no secret (see above)
	binary.LittleEndian.PutUint32(raw[8:], rand.Uint32()) //nolint:gosec // G404: as above
	var out [16]byte
	base64.RawURLEncoding.Encode(out[:], raw[:])
	return string(out[:])
}

// proxyBuffers lends the reverse proxies their 32 KiB copy buffers:
// without a pool, httputil.ReverseProxy allocates one per request, which
// is most of what a proxied request allocates.
var proxyBuffers = &bufferPool{}

// bufferPool is an httputil.BufferPool over sync.Pool.
type bufferPool struct{ p sync.Pool }

// proxyBufferSize is the size httputil.ReverseProxy uses without a pool.
const proxyBufferSize = 32 << 10

// Get returns a buffer of proxyBufferSize bytes.
func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, proxyBufferSize)
}

// Put returns buf to the pool.
func (b *bufferPool) Put(buf []byte) {
	if cap(buf) != proxyBufferSize {
		return
	}
	buf = buf[:proxyBufferSize]
	b.p.Put(&buf)
}
