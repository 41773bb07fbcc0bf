package config

// The sections about what the gateway serves: the identity it sends
// upstreams, the portal's branding and the routes.

import "time"

// Identity configures the signed assertion and identity headers.
type Identity struct {
	SigningKeyFile   string   `yaml:"signing_key_file"`
	PreviousKeyFiles []string `yaml:"previous_key_files"`
	// DerivationKeyFile is the key (an Ed25519 private key, as
	// `gatehouse keygen` writes, such as the first signing key) that
	// the store's names, code hashes and cookie MACs are derived from;
	// "" derives them from the signing key (docs/contract.md,
	// "Identity headers": rotating the signing key).
	DerivationKeyFile string        `yaml:"derivation_key_file"`
	AssertionTTL      time.Duration `yaml:"assertion_ttl"`
	Headers           Headers       `yaml:"headers"`
}

// Headers names the identity headers; "" means the header is not sent.
type Headers struct {
	User      string `yaml:"user"`
	Email     string `yaml:"email"`
	Name      string `yaml:"name"`
	Groups    string `yaml:"groups"`
	Phone     string `yaml:"phone"`
	Methods   string `yaml:"methods"`
	Assertion string `yaml:"assertion"`
}

// Portal brands the login pages: name, logo, colour and wording.
type Portal struct {
	// AppName is shown in the page header and title and is the {{.App}}
	// of the SMS text.
	AppName string `yaml:"app_name"`
	// LogoURL is an image shown beside the name: an absolute https URL or
	// a path on the gateway's hosts. At most one of LogoURL and LogoFile.
	LogoURL string `yaml:"logo_url"`
	// LogoFile is a local image (.svg, .png, .jpg, .jpeg, .gif, .webp or
	// .ico) the gateway serves itself under the portal prefix.
	LogoFile string `yaml:"logo_file"`
	// PrimaryColor is the colour of buttons and links, "#rrggbb" or
	// "#rgb"; text colours that keep WCAG AA contrast are derived from it.
	PrimaryColor string `yaml:"primary_color"`
	// MessagesFile is a YAML file of message id: text that overrides or
	// translates the built-in English texts of the pages.
	MessagesFile string `yaml:"messages_file"`
}

// Route maps a host and path prefix to an upstream with a policy.
type Route struct {
	Name string `yaml:"name"`
	// DisplayName is what the portal calls the app the route serves
	// ("Sign in to continue to Acme CRM"); "" is portal.app_name.
	DisplayName  string        `yaml:"display_name"`
	Host         string        `yaml:"host"`
	PathPrefix   string        `yaml:"path_prefix"`
	Upstream     string        `yaml:"upstream"`
	Policy       string        `yaml:"policy"`
	Groups       []string      `yaml:"groups"`
	Methods      []string      `yaml:"methods"`
	BypassPaths  []string      `yaml:"bypass_paths"`
	MaxAuthAge   time.Duration `yaml:"max_auth_age"`
	PreserveHost bool          `yaml:"preserve_host"`
	// SecondFactors are the second factors a two_factor route accepts
	// after the password ("sms", "otp", "hwk"); empty: every one the
	// account has.
	SecondFactors []string `yaml:"second_factors"`
	// PhishingResistant asks, on a two_factor route, for a passkey as the
	// second factor, which no recovery code replaces (docs/contract.md,
	// "Passkeys").
	PhishingResistant bool `yaml:"phishing_resistant"`
	// CaseInsensitivePaths says the upstream reads paths without regard
	// to case (IIS, ASP.NET, Express by default): path_prefix and
	// bypass_paths then match in any case, so /ADMIN is decided as /admin
	// (docs/contract.md, "Routes: path_prefix and methods"). Every route
	// of one upstream must agree.
	CaseInsensitivePaths bool          `yaml:"case_insensitive_paths"`
	Timeouts             RouteTimeouts `yaml:"timeouts"`
	// Cache is what the gateway does to the cacheability of the answers
	// it forwards to signed-in requests: RouteCacheNoStore (the default,
	// "" too) or RouteCacheAllow.
	Cache string `yaml:"cache"`
	// CrossOriginPosts is what the gateway does with a post a page of
	// another origin sent without asking the app (a form, a no-cors
	// fetch, a CORS request without a preflight) that it would forward
	// with an identity: RouteCrossOriginRefuse (the default, "" too) or
	// RouteCrossOriginAllow (docs/contract.md, "Proxy mode").
	CrossOriginPosts string `yaml:"cross_origin_posts"`
}

// Values of routes[].cache.
const (
	// RouteCacheNoStore marks every answer to a request sent with an
	// identity "Cache-Control: no-store", whatever the upstream said: it
	// is private to the person signed in.
	RouteCacheNoStore = "no-store"
	// RouteCacheAllow keeps the upstream's caching headers.
	RouteCacheAllow = "allow"
)

// Values of routes[].cross_origin_posts.
const (
	// RouteCrossOriginRefuse answers 403 csrf_failed to such a post.
	RouteCrossOriginRefuse = "refuse"
	// RouteCrossOriginAllow forwards it, as any request of the person.
	RouteCrossOriginAllow = "allow"
)

// RouteTimeouts bound the calls to a route's upstream; zero means the
// default (DefaultDialTimeout, DefaultResponseTimeout).
type RouteTimeouts struct {
	// Dial bounds connecting to the upstream (TCP and TLS handshake).
	Dial time.Duration `yaml:"dial"`
	// Response bounds the wait for the upstream's response headers once
	// the request is sent; the body may then stream for longer.
	Response time.Duration `yaml:"response"`
}
