package pathcorpus

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"sync"

	"golang.org/x/text/unicode/norm"
)

// The app's handlers, and what a router reaches when it serves none.
const (
	Public = "public" // under /public: bypassed, anyone may reach it
	Admin  = "admin"  // under /admin: admins only
	App    = "app"    // everything else: signed-in people
	None   = ""       // a redirect, a refusal or a 404: no handler ran
)

// Router is one way an application reads a request's path.
type Router struct {
	Name string
	// Route returns the handler the router serves r with, or None.
	Route func(r *http.Request) string
}

// Routers are the six readers the property is checked against:
//
//   - servemux: Go's http.ServeMux (decodes, redirects unclean paths);
//   - prefix: a literal prefix router, as many Node and Python routers
//     are: the raw path, no decoding, ';' an ordinary character;
//   - servlet: a lenient servlet container: ";parameters" dropped from
//     each raw segment, then decoded (encoded slashes and backslashes
//     allowed, overlong UTF-8 dots read as dots, compatibility
//     characters folded), then "." and ".." resolved;
//   - windows: an ASP.NET app on IIS serving files from NTFS: decoded,
//     '\' read as '/', the cookieless-session segments ASP.NET takes
//     out of every path ("(S(…))", "(A(…)F(…))") dropped, then each
//     segment's trailing dots and spaces, which Windows drops from file
//     and directory names ("admin." opens "admin"), then "." and ".."
//     resolved. It reads case as the routes do here (case-sensitively):
//     case_insensitive_paths is tested apart;
//   - format: Rails, which gives every route an optional "(.:format)"
//     (/admin.html is /admin, rendered as HTML), and Spring MVC before
//     5.3, whose suffix pattern matching serves /admin.* from /admin:
//     decoded, a trailing slash dropped (as Rails drops it), the last
//     segment read without its extension (from its first dot, as Spring
//     does; Rails cuts at the last, the same where the extension has no
//     dot);
//   - php: a PHP front controller (Symfony, Laravel, CodeIgniter) behind
//     nginx's fastcgi_split_path_info or Apache's AcceptPathInfo, which
//     routes /index.php/admin/x by its PATH_INFO, as /admin/x: decoded,
//     the first segment ending in ".php" (any case) that another follows
//     dropped, then read as the format router reads a path, as routes
//     that take a format do (API Platform's ".{_format}", CodeIgniter's
//     url_suffix: /index.php/admin.json is /admin).
var Routers = []Router{
	{Name: "servemux", Route: serveMux},
	{Name: "prefix", Route: prefixRouter},
	{Name: "servlet", Route: servletRouter},
	{Name: "windows", Route: windowsRouter},
	{Name: "format", Route: formatRouter},
	{Name: "php", Route: phpRouter},
}

var (
	muxOnce sync.Once
	mux     *http.ServeMux
)

func serveMux(r *http.Request) string {
	muxOnce.Do(func() {
		mux = http.NewServeMux()
		for pattern, name := range map[string]string{"/public/": Public, "/admin/": Admin, "/": App} {
			mux.HandleFunc(pattern, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(name)) })
		}
	})
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, r.Clone(r.Context()))
	if rec.Code != http.StatusOK {
		return None
	}
	return rec.Body.String()
}

// rawPath is the path part of the request target as it came.
func rawPath(r *http.Request) string {
	p := r.RequestURI
	if p == "" {
		p = r.URL.RequestURI()
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func prefixRouter(r *http.Request) string {
	return byPrefix(rawPath(r))
}

// byPrefix is the handler for a path by whole-segment prefix.
func byPrefix(p string) string {
	under := func(prefix string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }
	switch {
	case under("/public"):
		return Public
	case under("/admin"):
		return Admin
	default:
		return App
	}
}

func servletRouter(r *http.Request) string {
	segs := strings.Split(rawPath(r), "/")
	for i, s := range segs {
		if j := strings.IndexByte(s, ';'); j >= 0 {
			segs[i] = s[:j]
		}
	}
	p, err := url.PathUnescape(strings.Join(segs, "/"))
	if err != nil {
		return None
	}
	p = strings.NewReplacer("\xc0\xae", ".", "\xe0\x80\xae", ".", "\xc0\xaf", "/", "\\", "/").Replace(p)
	return resolved(norm.NFKC.String(p))
}

func windowsRouter(r *http.Request) string {
	p, err := url.PathUnescape(rawPath(r))
	if err != nil {
		return None
	}
	var segs []string
	for _, s := range strings.Split(strings.ReplaceAll(p, "\\", "/"), "/") {
		if cookieless(s) {
			continue
		}
		if strings.Trim(s, ". ") != "" {
			s = strings.TrimRight(s, ". ")
		}
		segs = append(segs, s)
	}
	return resolved(strings.Join(segs, "/"))
}

func formatRouter(r *http.Request) string {
	p, err := url.PathUnescape(rawPath(r))
	if err != nil {
		return None
	}
	return resolved(withoutFormat(p))
}

// withoutFormat is p as the format router reads it: a trailing slash
// dropped (Rails routes /admin.html/ as /admin.html), and the last
// segment cut at its first dot.
func withoutFormat(p string) string {
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	last := strings.LastIndexByte(p, '/') + 1
	if dot := strings.IndexByte(p[last:], '.'); dot > 0 {
		p = p[:last+dot]
	}
	return p
}

func phpRouter(r *http.Request) string {
	p, err := url.PathUnescape(rawPath(r))
	if err != nil {
		return None
	}
	segs := strings.Split(p, "/")
	for i := 1; i < len(segs)-1; i++ {
		if strings.HasSuffix(strings.ToLower(segs[i]), ".php") {
			segs = append(segs[:i], segs[i+1:]...)
			break
		}
	}
	return resolved(withoutFormat(strings.Join(segs, "/")))
}

// cookieless reports a segment of ASP.NET's cookieless data: "(S(id))",
// "(A(id)F(ticket))", a letter and its value in parentheses, one or more.
func cookieless(seg string) bool {
	return len(seg) >= 5 && seg[0] == '(' && ('A' <= seg[1] && seg[1] <= 'Z') && seg[2] == '(' && strings.HasSuffix(seg, "))")
}

// resolved is the handler for p once "." and ".." are resolved (above the
// root: none, a 400 in a servlet container or IIS).
func resolved(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	depth := 0
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			depth--
		default:
			depth++
		}
		if depth < 0 {
			return None
		}
	}
	return byPrefix(path.Clean(p))
}

// Hit is one request as the app received it, and the handler each router
// reads it as.
type Hit struct {
	Target   string            // the request target as received
	User     string            // the X-Auth-User header the app got
	Handlers map[string]string // router name -> handler
}

// Reached returns the protected handlers the hit reached (router: handler)
// other than those in allowed.
func (h Hit) Reached(allowed ...string) []string {
	var out []string
	for _, rt := range Routers {
		got := h.Handlers[rt.Name]
		if got == None || contains(allowed, got) {
			continue
		}
		out = append(out, rt.Name+": "+got)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Upstream is the app behind the gateway: it answers 200 to everything
// and records, for each request, which handler each router would run.
type Upstream struct {
	mu   sync.Mutex
	hits []Hit
}

// ServeHTTP records the hit.
func (u *Upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := Hit{Target: r.RequestURI, User: r.Header.Get("X-Auth-User"), Handlers: map[string]string{}}
	for _, rt := range Routers {
		h.Handlers[rt.Name] = rt.Route(r)
	}
	u.mu.Lock()
	u.hits = append(u.hits, h)
	u.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("reached the app\n"))
}

// Take returns the hits recorded since the last Take and forgets them.
func (u *Upstream) Take() []Hit {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.hits
	u.hits = nil
	return out
}

// Classify returns the handler each router reaches for a request with
// this request target, as a Go server would hand it to the app (a target
// net/http refuses reaches no handler).
func Classify(target string) map[string]string {
	out := make(map[string]string, len(Routers))
	u, err := url.ParseRequestURI(target)
	if err != nil {
		for _, rt := range Routers {
			out[rt.Name] = None
		}
		return out
	}
	r := &http.Request{Method: http.MethodGet, URL: u, RequestURI: target, Header: http.Header{}, Host: "app.example.com"}
	for _, rt := range Routers {
		out[rt.Name] = rt.Route(r)
	}
	return out
}
