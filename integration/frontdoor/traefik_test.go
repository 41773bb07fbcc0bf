package frontdoor_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Traefik has no Debian package, so TestTraefik runs a reproduction of
// the parts of Traefik v3 that the integration depends on, read from
// Traefik's source, configured from deploy/traefik/dynamic.yml:
//
//   - the entry point's forwarded-headers handling for a client that is
//     not a trusted IP (pkg/middlewares/forwardedheaders): incoming
//     X-Forwarded-*, X-Real-Ip are deleted, then X-Real-Ip,
//     X-Forwarded-Proto, -Port, -Host and -Server are set;
//   - the headers middleware's customRequestHeaders ("" deletes);
//   - the ForwardAuth middleware (pkg/middlewares/auth/forward.go): a GET
//     to address carrying every client header except hop-by-hop ones, then
//     X-Forwarded-For (the client's address), X-Forwarded-Method, -Proto,
//     -Host and -Uri describing the request (the client's own values only
//     with trustForwardHeader), redirects not followed; a non-2xx answer
//     goes back to the client with its headers, Location and body; on a
//     2xx each authResponseHeaders name is deleted from the request, then
//     set from the answer when the answer has it;
//   - routers matched by rule (Host, PathPrefix, !, &&; longest rule
//     first) and load-balancer services proxied with the Host kept.
//
// Decoding dynamic.yml is strict: a key this reproduction does not
// implement fails the test rather than being silently ignored.

type traefikDynamic struct {
	HTTP struct {
		Middlewares map[string]traefikMiddleware `yaml:"middlewares"`
		Routers     map[string]traefikRouter     `yaml:"routers"`
		Services    map[string]traefikService    `yaml:"services"`
	} `yaml:"http"`
}

type traefikMiddleware struct {
	Chain *struct {
		Middlewares []string `yaml:"middlewares"`
	} `yaml:"chain"`
	Headers *struct {
		CustomRequestHeaders map[string]string `yaml:"customRequestHeaders"`
	} `yaml:"headers"`
	ForwardAuth *traefikForwardAuth `yaml:"forwardAuth"`
}

type traefikForwardAuth struct {
	Address             string   `yaml:"address"`
	TrustForwardHeader  bool     `yaml:"trustForwardHeader"`
	AuthResponseHeaders []string `yaml:"authResponseHeaders"`
	AuthRequestHeaders  []string `yaml:"authRequestHeaders"`
}

type traefikRouter struct {
	Rule        string   `yaml:"rule"`
	EntryPoints []string `yaml:"entryPoints"`
	Middlewares []string `yaml:"middlewares"`
	Service     string   `yaml:"service"`
	TLS         *struct {
		CertResolver string `yaml:"certResolver"`
	} `yaml:"tls"`
}

type traefikService struct {
	LoadBalancer struct {
		Servers []struct {
			URL string `yaml:"url"`
		} `yaml:"servers"`
	} `yaml:"loadBalancer"`
}

func parseTraefikDynamic(t *testing.T, text string) *traefikDynamic {
	t.Helper()
	var d traefikDynamic
	dec := yaml.NewDecoder(bytes.NewReader([]byte(text)))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("deploy/traefik/dynamic.yml: %v", err)
	}
	return &d
}

// ruleTerm is one matcher of a router rule, possibly negated.
type ruleTerm struct {
	not       bool
	kind, arg string // "Host" or "PathPrefix"
}

// parseRule understands conjunctions of Host(`h`) and PathPrefix(`/p`),
// each possibly negated with !.
func parseRule(t *testing.T, rule string) []ruleTerm {
	t.Helper()
	var terms []ruleTerm
	for _, part := range strings.Split(rule, "&&") {
		part = strings.TrimSpace(part)
		var term ruleTerm
		if strings.HasPrefix(part, "!") {
			term.not, part = true, strings.TrimSpace(part[1:])
		}
		kind, rest, ok := strings.Cut(part, "(`")
		arg, end, ok2 := strings.Cut(rest, "`)")
		if !ok || !ok2 || end != "" || (kind != "Host" && kind != "PathPrefix") {
			t.Fatalf("router rule %q: %q is not supported by this test", rule, part)
		}
		term.kind, term.arg = kind, arg
		terms = append(terms, term)
	}
	return terms
}

func ruleMatches(terms []ruleTerm, r *http.Request) bool {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	for _, term := range terms {
		var m bool
		switch term.kind {
		case "Host":
			m = host == strings.ToLower(term.arg)
		case "PathPrefix":
			m = strings.HasPrefix(r.URL.Path, term.arg)
		}
		if m == term.not {
			return false
		}
	}
	return true
}

// traefik is the reproduction: an entry point serving the routers.
type traefik struct {
	t        *testing.T
	cfg      *traefikDynamic
	routers  []traefikRoute
	hostname string
	client   *http.Client
}

type traefikRoute struct {
	name    string
	terms   []ruleTerm
	handler http.Handler
}

func newTraefik(t *testing.T, cfg *traefikDynamic) *traefik {
	t.Helper()
	hostname, err := os.Hostname()
	if err != nil {
		hostname = "localhost"
	}
	tr := &traefik{t: t, cfg: cfg, hostname: hostname, client: &http.Client{
		// Like Traefik's ForwardAuth client: never follow redirects, and
		// connections of its own (the services proxy through their
		// servers transport, not this one).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     http.DefaultTransport.(*http.Transport).Clone(),
	}}
	for name, r := range cfg.HTTP.Routers {
		h := tr.service(r.Service)
		for i := len(r.Middlewares) - 1; i >= 0; i-- {
			h = tr.middleware(r.Middlewares[i], h)
		}
		tr.routers = append(tr.routers, traefikRoute{name: name, terms: parseRule(t, r.Rule), handler: h})
	}
	// Traefik's default priority is the rule's length, longest first.
	sort.Slice(tr.routers, func(i, j int) bool {
		return len(cfg.HTTP.Routers[tr.routers[i].name].Rule) > len(cfg.HTTP.Routers[tr.routers[j].name].Rule)
	})
	return tr
}

func (tr *traefik) service(name string) http.Handler {
	svc, ok := tr.cfg.HTTP.Services[name]
	if !ok || len(svc.LoadBalancer.Servers) != 1 {
		tr.t.Fatalf("service %q: want one server", name)
	}
	target, err := url.Parse(svc.LoadBalancer.Servers[0].URL)
	if err != nil {
		tr.t.Fatal(err)
	}
	return &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Host = pr.In.Host // passHostHeader defaults to true
		pr.SetXForwarded()
	}}
}

func (tr *traefik) middleware(name string, next http.Handler) http.Handler {
	m, ok := tr.cfg.HTTP.Middlewares[strings.TrimSuffix(name, "@file")]
	if !ok {
		tr.t.Fatalf("middleware %q is not defined", name)
	}
	switch {
	case m.Chain != nil:
		h := next
		for i := len(m.Chain.Middlewares) - 1; i >= 0; i-- {
			h = tr.middleware(m.Chain.Middlewares[i], h)
		}
		return h
	case m.Headers != nil:
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range m.Headers.CustomRequestHeaders {
				if v == "" {
					r.Header.Del(k)
				} else {
					r.Header.Set(k, v)
				}
			}
			next.ServeHTTP(w, r)
		})
	case m.ForwardAuth != nil:
		return &forwardAuth{cfg: *m.ForwardAuth, client: tr.client, next: next}
	}
	tr.t.Fatalf("middleware %q: kind not supported by this test", name)
	return nil
}

// xHeaders are the headers Traefik's entry point deletes from requests of
// clients that are not trusted IPs.
var xHeaders = []string{"X-Forwarded-Proto", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Port",
	"X-Forwarded-Server", "X-Forwarded-Uri", "X-Forwarded-Method", "X-Forwarded-Tls-Client-Cert",
	"X-Forwarded-Tls-Client-Cert-Info", "X-Real-Ip"}

func (tr *traefik) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, h := range xHeaders {
		r.Header.Del(h)
	}
	if ip, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		r.Header.Set("X-Real-Ip", ip)
	}
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	r.Header.Set("X-Forwarded-Proto", proto)
	port := "80"
	if _, p, err := net.SplitHostPort(r.Host); err == nil && p != "" {
		port = p
	} else if r.TLS != nil {
		port = "443"
	}
	r.Header.Set("X-Forwarded-Port", port)
	r.Header.Set("X-Forwarded-Host", r.Host)
	r.Header.Set("X-Forwarded-Server", tr.hostname)
	for _, rt := range tr.routers {
		if ruleMatches(rt.terms, r) {
			rt.handler.ServeHTTP(w, r)
			return
		}
	}
	http.NotFound(w, r)
}

// forwardAuth is Traefik's ForwardAuth middleware.
type forwardAuth struct {
	cfg    traefikForwardAuth
	client *http.Client
	next   http.Handler
}

var hopHeaders = []string{"Connection", "Keep-Alive", "Te", "Trailers", "Transfer-Encoding", "Upgrade"}

func (fa *forwardAuth) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	fwd, err := http.NewRequestWithContext(req.Context(), http.MethodGet, fa.cfg.Address, nil)
	if err != nil {
		rw.WriteHeader(http.StatusInternalServerError)
		return
	}
	writeForwardHeaders(req, fwd, fa.cfg.TrustForwardHeader, fa.cfg.AuthRequestHeaders)
	resp, err := fa.client.Do(fwd)
	if err != nil {
		rw.WriteHeader(http.StatusInternalServerError)
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		rw.WriteHeader(http.StatusInternalServerError)
		return
	}
	if resp.StatusCode < http.StatusOK || resp.StatusCode >= http.StatusMultipleChoices {
		for k, vs := range resp.Header {
			rw.Header()[k] = append([]string(nil), vs...)
		}
		for _, h := range hopHeaders {
			rw.Header().Del(h)
		}
		if loc, err := resp.Location(); err == nil {
			rw.Header().Set("Location", loc.String())
		} else if err != http.ErrNoLocation {
			rw.WriteHeader(http.StatusInternalServerError)
			return
		}
		rw.WriteHeader(resp.StatusCode)
		_, _ = rw.Write(body)
		return
	}
	for _, name := range fa.cfg.AuthResponseHeaders {
		key := http.CanonicalHeaderKey(name)
		req.Header.Del(key)
		if len(resp.Header[key]) > 0 {
			req.Header[key] = append([]string(nil), resp.Header[key]...)
		}
	}
	req.RequestURI = req.URL.RequestURI()
	fa.next.ServeHTTP(rw, req)
}

// writeForwardHeaders builds the ForwardAuth request's headers as
// Traefik's writeHeader does.
func writeForwardHeaders(req, fwd *http.Request, trust bool, allowed []string) {
	for k, vs := range req.Header {
		fwd.Header[k] = append([]string(nil), vs...)
	}
	for _, f := range req.Header["Connection"] {
		for _, sf := range strings.Split(f, ",") {
			if sf = strings.TrimSpace(sf); sf != "" {
				fwd.Header.Del(sf)
			}
		}
	}
	for _, h := range hopHeaders {
		fwd.Header.Del(h)
	}
	if len(allowed) > 0 {
		filtered := http.Header{}
		for _, name := range allowed {
			if vs := fwd.Header.Values(name); len(vs) > 0 {
				filtered[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
			}
		}
		fwd.Header = filtered
	}
	if ip, _, err := net.SplitHostPort(req.RemoteAddr); err == nil {
		if prior, ok := req.Header["X-Forwarded-For"]; ok && trust {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		fwd.Header.Set("X-Forwarded-For", ip)
	}
	set := func(name, trusted, own string) {
		switch {
		case trusted != "" && trust:
			fwd.Header.Set(name, trusted)
		case own != "":
			fwd.Header.Set(name, own)
		default:
			fwd.Header.Del(name)
		}
	}
	set("X-Forwarded-Method", req.Header.Get("X-Forwarded-Method"), req.Method)
	proto := "http"
	if req.TLS != nil {
		proto = "https"
	}
	set("X-Forwarded-Proto", req.Header.Get("X-Forwarded-Proto"), proto)
	if p := req.Header.Get("X-Forwarded-Port"); p != "" && trust {
		fwd.Header.Set("X-Forwarded-Port", p)
	}
	set("X-Forwarded-Host", req.Header.Get("X-Forwarded-Host"), req.Host)
	set("X-Forwarded-Uri", req.Header.Get("X-Forwarded-Uri"), req.URL.RequestURI())
}

// TestTraefik puts the reproduction of Traefik, configured by
// deploy/traefik/dynamic.yml with only the two upstream addresses changed,
// in front of Gatehouse and the app, over TLS.
func TestTraefik(t *testing.T) {
	t.Parallel()
	bin := gatehouseBinary(t)
	dir := t.TempDir()
	roots := testCert(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := portOf(t, ln.Addr().String())
	a := newApp(t)
	gh := startGatehouse(t, bin, "https://auth.example.com:"+port, "http://"+a.addr())

	dyn := parseTraefikDynamic(t, render(t, "deploy/traefik/dynamic.yml", readRepoFile(t, "deploy/traefik/dynamic.yml"),
		"127.0.0.1:8080", gh.addr,
		"127.0.0.1:9001", a.addr(),
	))
	if fa := dyn.HTTP.Middlewares["gatehouse-auth"].ForwardAuth; fa == nil || fa.TrustForwardHeader {
		t.Fatal("dynamic.yml: the gatehouse-auth middleware must be a forwardAuth with trustForwardHeader false")
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "example.com.crt"), filepath.Join(dir, "example.com.key"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(newTraefik(t, dyn))
	srv.Listener.Close()
	srv.Listener = ln
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	w := &world{gh: gh, app: a, roots: roots,
		authURL: fmt.Sprintf("https://auth.example.com:%s", port),
		appURL:  fmt.Sprintf("https://app.example.com:%s", port),
	}
	exercise(t, w)

	t.Run("the forward-auth endpoint is not routed from outside", func(t *testing.T) {
		b := newBrowser(t, roots)
		b.get(w.authURL+"/_gatehouse/authz/forward-auth", nil).wantStatus(t, http.StatusNotFound)
	})
}
