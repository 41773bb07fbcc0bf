package gateway

import (
	"net/http"
	"strings"
)

// What browsers and caches may keep of proxied answers (docs/contract.md,
// "Proxy mode"): an answer to a request the gateway sent with an identity
// is that person's page. Marked no-store, it is not kept in the browser's
// cache (nor in a shared cache in front), so Back after sign-out cannot
// show it to the next person at the keyboard. The upstream's own caching
// headers are replaced: the gateway knows the request was personal, the
// upstream may not. A route with cache: allow keeps them; answers to
// bypass requests are never touched.

// sharedCacheHeaders are the caching headers, besides Cache-Control, that
// a cache in front obeys before or instead of it: a CDN its targeted
// field (RFC 9213 CDN-Cache-Control; any "<vendor>-CDN-Cache-Control" is
// matched by cdnCacheControlSuffix), Fastly, Akamai and Varnish
// Surrogate-Control, Akamai Edge-Control, nginx's proxy_cache
// X-Accel-Expires, an HTTP/1.0 cache Expires. Canonical names.
var sharedCacheHeaders = []string{
	"Cdn-Cache-Control", "Surrogate-Control", "Edge-Control", "X-Accel-Expires", "Expires",
}

// cdnCacheControlSuffix ends the name of every targeted cache field
// (Cloudflare-CDN-Cache-Control, Vercel-CDN-Cache-Control, …).
const cdnCacheControlSuffix = "-Cdn-Cache-Control"

// noStoreWithIdentity marks res "Cache-Control: no-store" when its request
// was forwarded with an identity, and removes every other caching header
// the upstream sent (sharedCacheHeaders). A protocol switch (101) is left
// as it is.
func noStoreWithIdentity(res *http.Response) error {
	if res.StatusCode < http.StatusOK || res.Request == nil {
		return nil
	}
	if st, _ := res.Request.Context().Value(forwardKey{}).(*forwardState); st != nil && st.withID {
		res.Header["Cache-Control"] = valNoStore
		for _, k := range sharedCacheHeaders {
			delete(res.Header, k)
		}
		for k := range res.Header {
			if len(k) > len(cdnCacheControlSuffix) && strings.EqualFold(k[len(k)-len(cdnCacheControlSuffix):], cdnCacheControlSuffix) {
				delete(res.Header, k)
			}
		}
	}
	return nil
}
