package gateway

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse/config"
)

// What browsers may keep of proxied answers (docs/contract.md, "Proxy
// mode"): an answer to a request the gateway sent with an identity is
// that person's page. Marked no-store, it is not kept in the browser's
// cache (nor in a shared cache in front), so Back after sign-out cannot
// show it to the next person at the keyboard. The upstream's own caching
// headers are replaced: the gateway knows the request was personal, the
// upstream may not. A route with cache: allow keeps them; answers to
// bypass requests are never touched.

// applyCachePolicies sets the ModifyResponse of every route's proxy in t
// from rs, the routes t was compiled from, before t is installed.
func applyCachePolicies(t *table, rs []config.Route) {
	allow := make(map[string]bool, len(rs))
	for _, r := range rs {
		allow[r.Name] = r.Cache == config.RouteCacheAllow
	}
	for _, r := range t.routes {
		if r.proxy == nil {
			continue
		}
		if allow[r.name] {
			r.proxy.ModifyResponse = nil
		} else {
			r.proxy.ModifyResponse = noStoreWithIdentity
		}
	}
}

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
