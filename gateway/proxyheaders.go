package gateway

// proxyOwnedHeaders are headers that apps and frameworks read as set by
// the proxy in front of them, never by a client: the request's real path
// or URL, the client's address, and the identity headers of common
// authenticating proxies. Proxy mode deletes every one of them, in any
// case and with '_' for '-', from every request it forwards, whoever sent
// it (a trusted proxy passes its clients' headers on too), then sets
// X-Real-IP to the client address it determined (docs/contract.md, "Proxy
// mode"). The configured identity headers are handled apart (headers.go)
// and may be among these names: they are set after this deletion, as
// are X-Forwarded-* and X-Real-IP (setForwarded).
var proxyOwnedHeaders = newHeaderNames(
	// The real path or URL: IIS URL Rewrite, Symfony < 3.4.14, Zend and
	// Laminas read X-Original-URL and X-Rewrite-URL; prefix and port
	// headers make apps build links and redirects (Spring, ASP.NET Core,
	// Rack); the scheme headers are Rack's and some PHP frameworks'.
	"X-Original-URL", "X-Original-URI", "X-Rewrite-URL",
	// The gateway's own, set after this deletion: every other spelling
	// goes (ReverseProxy removes only these exact names).
	"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded",
	"X-Forwarded-Prefix", "X-Forwarded-Path", "X-Forwarded-Uri", "X-Forwarded-Port",
	"X-Forwarded-Scheme", "X-Forwarded-Ssl", "X-Url-Scheme", "Front-End-Https",
	// The client's address, which apps log, rate-limit or allow-list by.
	"X-Real-IP", "X-Client-IP", "Client-IP", "True-Client-IP", "CF-Connecting-IP",
	"Fastly-Client-IP", "X-Cluster-Client-IP", "X-Originating-IP", "X-Remote-IP",
	"X-Remote-Addr", "X-Forwarded", "Forwarded-For",
	// Identity headers of other authenticating proxies (Authelia,
	// oauth2-proxy, Apache, Grafana's auth.proxy, Kong), which an app
	// moved behind Gatehouse may still trust.
	"Remote-User", "Remote-Email", "Remote-Groups", "Remote-Name",
	"X-Remote-User", "X-Remote-Email", "X-Remote-Groups",
	"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Groups",
	"X-Forwarded-Preferred-Username", "X-Forwarded-Access-Token",
	"X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups",
	"X-Auth-Request-Preferred-Username", "X-Auth-Request-Access-Token",
	"X-Webauth-User", "X-Webauth-Email", "X-Authenticated-User", "X-Authenticated-Userid",
)
