// Package pathcorpus is the path-confusion corpus the bypass tests run
// through proxy mode and through every front door (docs/contract.md,
// "Request paths"), and the upstreams they run it against.
//
// The world it assumes is the one deploy/gateway.yaml describes for
// app.example.com: "/" needs a signed-in person, "/public" is bypassed,
// "/admin" needs the admins group. The upstream app reads every request
// it receives with six routers that disagree about paths (see
// routers.go); the property is that a request the gateway did not allow
// never reaches a handler of a protected prefix, in any of them.
package pathcorpus

// Case is one request target of the corpus.
type Case struct {
	// Target is the request target exactly as a client sends it on the
	// request line: path, and query if any. Clients must send it
	// verbatim (no cleaning, no re-encoding).
	Target string
	// Refused says the gateway answers 400 bad_path for it in proxy mode:
	// a path that readers could read differently. The others are served
	// or refused by the route's policy as usual.
	Refused bool
	// Why names the confusion and where it comes from.
	Why string
}

// Cases is the corpus: the confusions of the bypass review, and those of
// the known advisories of Authelia, oauth2-proxy, Spring, Tomcat,
// Traefik, Pomerium and Envoy.
var Cases = []Case{
	// Baselines: what readers agree on.
	{"/public/x", false, "baseline: bypassed prefix"},
	{"/public", false, "baseline: bypassed prefix, no slash"},
	{"/admin/x", false, "baseline: admins-only prefix"},
	{"/admin", false, "baseline: admins-only prefix, no slash"},
	{"/deals?id=7", false, "baseline: signed-in route"},
	{"/caf%C3%A9/menu", false, "legitimate UTF-8 stays allowed"},
	{"/public/a%20b", false, "a space inside a segment stays allowed"},
	{"/public/x;jsessionid=abc", false, "servlet session parameter on the last segment: every reading agrees"},

	// Path parameters (";") that change the route for one reader.
	{"/admin/..;/public/x", true, "servlet reads /public/x, Go and Node read /admin/"},
	{"/admin/..;x=1/public/x", true, "dot segment with a parameter"},
	{"/public/..;/admin/x", true, "CVE-2020-1957 class (Shiro/Spring): ..; reaches /admin in a servlet"},
	{"/public/.;/../admin/x", true, "dot segment with an empty parameter"},
	{"/public/..;/..;/admin/", true, "stacked ..;"},
	{"/public/x/..;jsessionid=1/..;/admin", true, "..; with a session parameter"},
	{"/_gatehouse/..;/admin/secret", true, "portal exemption read after ;params"},
	{"/_gatehouse;/admin/secret", true, "portal prefix with a parameter: portal to one reader, app to another"},
	{"/admin;jsessionid=x/secret", true, "parameter moves /admin to another route for a literal reader"},
	{"/admin;/x", true, "Tomcat/Spring: /admin;/x is /admin/x"},
	{"/public;/admin/x", true, "literal reader: /public;/admin/x is not under /public"},
	{"/admin%3b/x", true, "encoded ; decoded into a parameter"},
	{"/admin/;/x", true, "segment that is only a parameter"},
	{"/;/admin/x", true, "leading parameter-only segment"},
	{"/public/;/../admin", true, "parameter-only segment and .."},

	// Plain and encoded dot segments.
	{"/public/../admin/x", true, "dot-dot segment (CVE-2019-9901 Envoy)"},
	{"/public/./../admin/", true, "dot and dot-dot"},
	{"/public/.", true, "trailing dot segment"},
	{"/./admin/", true, "leading dot segment"},
	{"/_gatehouse/../admin/secret", true, "dot-dot out of the portal prefix"},
	{"/public/%2e%2e/admin/x", true, "encoded dot-dot (CVE-2025-66490 Traefik class)"},
	{"/public/%2E%2E/admin/x", true, "encoded dot-dot, upper case"},
	{"/public/.%2e/admin/x", true, "half-encoded dot-dot"},
	{"/public/%2e./admin/x", true, "half-encoded dot-dot, other half"},
	{"/public/%2e/admin", true, "encoded dot segment"},
	{"/admin/%2e", true, "trailing encoded dot segment"},
	{"/admin/.%2e/public/x", true, "encoded dot-dot out of /admin"},
	{"/%2e%2e/admin", true, "leading encoded dot-dot"},
	{"/_gatehouse/%2e%2e/admin", true, "encoded dot-dot out of the portal prefix"},
	{"/public/%252e%252e/admin/x", true, "double-encoded dot-dot (CVE-2021-39206 Pomerium class)"},
	{"/public/%25252e%25252e/admin/x", true, "triple-encoded dot-dot"},

	// Encoded slashes and backslashes.
	{"/public%2f..%2fadmin/x", true, "encoded slash (Tomcat ALLOW_ENCODED_SLASH, CVE-2007-0450)"},
	{"/public%2F..%2Fadmin/x", true, "encoded slash, upper case"},
	{"/public%252f..%252fadmin/x", true, "double-encoded slash"},
	{"/public/..%2fadmin/x", true, "dot-dot joined by an encoded slash"},
	{"/public/..%252fadmin", true, "dot-dot joined by a double-encoded slash"},
	{"/%2fadmin/x", true, "leading encoded slash"},
	{"/admin%2f", true, "trailing encoded slash"},
	{"/_gatehouse%2f../admin", true, "encoded slash out of the portal prefix"},
	{"/public/..%5cadmin/x", true, "encoded backslash (CVE-2007-0450)"},
	{"/public%5c..%5cadmin", true, "encoded backslashes around dot-dot"},
	{"/public/%5c..%5cadmin/x", true, "encoded backslash segment"},
	{`/public\..\admin\x`, true, "raw backslashes (browsers and IIS read \\ as /)"},

	// Empty segments.
	{"//admin/x", true, "leading double slash"},
	{"/public//../admin", true, "double slash and dot-dot"},
	{"/public///admin", true, "empty segments: a literal prefix router and a folding one disagree"},

	// NUL, control bytes, whitespace.
	{"/public/..%00/admin/x", true, "NUL after dot-dot"},
	{"/admin%00/x", true, "NUL in a segment (C string truncation)"},
	{"/public%00/../admin", true, "NUL then dot-dot"},
	{"/admin%09/x", true, "tab"},
	{"/admin%0a/x", true, "newline (CVE-2022-22978 Spring RegexRequestMatcher)"},
	{"/admin%0d%0a/x", true, "CR LF"},
	{"/admin/%7f", true, "DEL"},
	{"/admin%20/x", true, "trailing space in a segment (CVE-2016-5007 Spring trims)"},
	{"/%20admin/x", true, "leading space in a segment"},

	// Overlong and invalid UTF-8, compatibility characters.
	{"/public/%c0%ae%c0%ae/admin/x", true, "overlong dots (CVE-2008-2938 Tomcat)"},
	{"/public/%c0%af../admin", true, "overlong slash"},
	{"/public/%e0%80%ae%e0%80%ae/admin", true, "three-byte overlong dots"},
	{"/admin%C0%80/x", true, "overlong NUL"},
	{"/admin%ff/x", true, "invalid UTF-8"},
	{"/public/%ef%bc%8e%ef%bc%8e/admin/x", true, "fullwidth full stops (NFKC reads ..)"},
	{"/public%ef%bc%8f..%ef%bc%8fadmin", true, "fullwidth solidus"},
	{"/public/%ef%bc%8fadmin", true, "fullwidth solidus alone"},
	{"/public/%e2%80%a4%e2%80%a4/admin", true, "one dot leader (NFKC reads .)"},
	{"/%ef%bd%81dmin/x", true, "fullwidth letter (NFKC reads /admin)"},
	{"/adm%c4%b1n/x", true, "dotless i (.NET's case-insensitive comparison reads /ADMIN)"},
	{"/%e2%84%aadmin/x", true, "Kelvin sign (lower case k)"},

	// Query, fragment and other delimiters.
	{"/public/x?y=/../admin/", false, "dot-dot in the query is not the path (CVE-2025-54576 oauth2-proxy)"},
	{"/admin/x?rd=/public/", false, "a bypassed path in the query does not bypass"},
	{"/public/x?%2e%2e=1", false, "encoded dots in the query only"},
	{"/public/x%23/../../admin", true, "encoded # then dot-dot (GHSA-pxq7-h93f-9jrg)"},
	{"/public/x%23y", true, "encoded # in the path"},
	{"/public/x%3fy", true, "encoded ? in the path"},
	{"/public/x#/../../admin", true, "raw # in the request line"},

	// Decoding that only changes the spelling: decided on what it means.
	{"/%61dmin/x", false, "encoded letter: /admin to every decoding reader"},
	{"/%61dmin;x=1/y", true, "encoded letter with a parameter: / route to a literal reader, /admin to a servlet"},
	{"/ADMIN/x", false, "case: the routers here are case-sensitive, so this is the / route"},
	{"/admin..;/x", true, "not a dot segment, but a servlet container on Windows opens /admin../x as /admin/x"},
	{"/public/...;/admin", false, "three dots are a name, not a dot segment"},
	{"/public/..../admin", false, "four dots are a name"},

	// Windows and ASP.NET (the windows router).
	{"/admin./x", true, "trailing dot: Windows opens admin. as admin (CWE-42)"},
	{"/admin../x", true, "trailing dots (CWE-43)"},
	{"/admin%2e/x", true, "encoded trailing dot"},
	{"/admin.", true, "trailing dot on the last segment"},
	{"/public/x.", false, "a name ending in a dot where every reading agrees stays allowed"},
	{"/(S(x))/admin/x", true, "ASP.NET drops a cookieless-session segment (Cookieless DuoDrop, CVE-2023-36899)"},
	{"/(A(x)F(y))/admin/x", true, "cookieless segment with several values"},
	{"/admin/(S(x))/x", false, "cookieless segment inside /admin: every reading is /admin"},
	{"/%28S%28x%29%29/admin/x", true, "encoded cookieless segment"},
	{"/public/(S(x))/x", false, "cookieless segment inside /public: every reading is /public"},

	// Extensions (the format router): Rails and Spring MVC serve
	// /admin.html from /admin.
	{"/admin.html", true, "Rails: /admin(.:format) renders /admin as HTML"},
	{"/admin.json", true, "Rails: /admin as JSON; Spring MVC before 5.3: /admin.*"},
	{"/admin.tar.gz", true, "Spring MVC's suffix pattern: /admin.* whatever follows the dot"},
	{"/admin%2ejson", true, "encoded dot before the extension"},
	{"/admin.html/", true, "Rails drops the trailing slash, then reads the format: /admin"},
	{"/deals.json/", false, "a trailing slash where every reading agrees stays allowed"},
	{"/public.html", false, "/public to Rails, the / route to the others: the reading is bypassed, so either serves what the decision allows"},
	{"/admin/users.json", false, "an extension inside /admin: every reading is /admin"},
	{"/public/logo.png", false, "an extension inside /public: every reading is /public"},
	{"/deals.json", false, "an extension where every reading agrees stays allowed"},

	// PATH_INFO (the php router): a PHP front controller routes
	// /index.php/admin/x as /admin/x.
	{"/index.php/admin/x", true, "Symfony and Laravel route the PATH_INFO after index.php: /admin/x"},
	{"/INDEX.PHP/admin", true, "the script's name in another case (Windows, IIS)"},
	{"/index.php/public/x", true, "/public/x to a front controller, the / route to the others"},
	{"/index%2ephp/admin/x", true, "encoded dot in the script's name"},
	{"/index.php/deals", false, "PATH_INFO where every reading agrees stays allowed"},
	{"/index.php/admin.json", true, "API Platform's .{_format}, CodeIgniter's url_suffix: the PATH_INFO /admin.json is /admin"},
	{"/index.php/deals.json", false, "PATH_INFO with an extension where every reading agrees stays allowed"},
	{"/public/index.php/x", false, "a script inside /public: every reading is /public"},
	{"/admin/index.php/x", false, "a script inside /admin: every reading is /admin"},
}
