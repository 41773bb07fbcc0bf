package gateway

// proxyOwnedHeaders are headers that apps and frameworks read as set by
// the proxy in front of them, never by a client: the request's real path
// or URL, the client's address, the identity headers of common
// authenticating proxies (hosted ones among them) and the client
// certificates TLS-terminating proxies pass on. Proxy mode deletes every
// one of them (families of names by their prefix), in any
// case and with any separator ('_', '.', '~': headername.Fold) for '-',
// from every request it forwards, whoever sent
// it (a trusted proxy passes its clients' headers on too), then sets
// X-Real-IP to the client address it determined (docs/contract.md, "Proxy
// mode"). The configured identity headers are handled apart (headers.go)
// and may be among these names: they are set after this deletion, as
// are X-Forwarded-*, X-Real-IP and X-Request-Id (setForwarded).
var proxyOwnedHeaders = newHeaderNames(
	// The real path or URL: IIS URL Rewrite, Symfony < 3.4.14, Zend and
	// Laminas read X-Original-URL and X-Rewrite-URL; prefix and port
	// headers make apps build links and redirects (Spring, ASP.NET Core,
	// Rack); the scheme headers are Rack's and some PHP frameworks'.
	"X-Original-URL", "X-Original-URI", "X-Rewrite-URL",
	// The gateway's own, set after this deletion: every other spelling
	// goes (ReverseProxy removes only these exact names).
	"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded",
	// The request's id, which apps log as theirs (Rails, Heroku's router):
	// set after this deletion to the gateway's (docs/contract.md, "Logs").
	"X-Request-Id",
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
	// mod_auth_openidc's tokens (its claims are a family, below).
	"OIDC-Access-Token", "OIDC-Id-Token", "OIDC-Id-Token-Payload",
	// Client-certificate headers of TLS-terminating proxies (nginx and
	// HAProxy conventions), read as the client authenticated by its
	// certificate; the families are below.
	"X-Client-Verify", "X-Client-DN",
).withPrefixes(
	// Identity headers of hosted and other authenticating proxies, each a
	// family of names: Google's IAP, AWS's load balancers, Cloudflare
	// Access, Azure App Service's authentication, Pomerium, Vouch,
	// Tailscale, authentik's proxy outposts, mod_auth_openidc's claims.
	"X-Goog-Authenticated-User-", "X-Goog-Iap-", "X-Amzn-Oidc-", "Cf-Access-",
	"X-Ms-Client-Principal", "X-Ms-Token-", "X-Pomerium-", "X-Vouch-",
	"Tailscale-User-", "X-Authentik-", "OIDC-Claim-",
	// Client certificates: RFC 9440's Client-Cert and Client-Cert-Chain
	// (which it asks a TLS-terminating proxy to remove from every
	// request), Envoy's X-Forwarded-Client-Cert, Traefik's
	// X-Forwarded-Tls-Client-Cert(-Info), nginx's and HAProxy's
	// X-SSL-Client-* and SSL_CLIENT_*, Google's X-Client-Cert-*, Azure's
	// X-ARR-ClientCert, AWS's X-Amzn-Mtls-Clientcert*.
	"Client-Cert", "X-Forwarded-Client-Cert", "X-Forwarded-Tls-Client-Cert",
	"X-SSL-Client-", "SSL-Client-", "X-Client-Cert", "X-ARR-ClientCert", "X-Amzn-Mtls-Clientcert",
)
