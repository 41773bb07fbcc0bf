package gateway

import (
	"net/http"
)

// What browsers may keep of proxied answers (docs/contract.md, "Proxy
// mode"): an answer to a request the gateway sent with an identity is
// that person's page. Marked no-store, it is not kept in the browser's
// cache (nor in a shared cache in front), so Back after sign-out cannot
// show it to the next person at the keyboard. The upstream's own caching
// headers are replaced: the gateway knows the request was personal, the
// upstream may not. A route with cache: allow keeps them; answers to
// bypass requests are never touched.

// noStoreWithIdentity marks res "Cache-Control: no-store" when its request
// was forwarded with an identity. A protocol switch (101) is left as it
// is.
func noStoreWithIdentity(res *http.Response) error {
	if res.StatusCode < http.StatusOK || res.Request == nil {
		return nil
	}
	if st, _ := res.Request.Context().Value(forwardKey{}).(*forwardState); st != nil && st.withID {
		res.Header["Cache-Control"] = valNoStore
	}
	return nil
}
