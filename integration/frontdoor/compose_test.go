package frontdoor_test

import (
	"net"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"gopkg.in/yaml.v3"
)

// Docker cannot run here, so docker-compose.yml and the Dockerfile are
// checked against the repository instead: every file they name exists,
// and the ports, addresses, environment and Traefik labels agree with the
// gateway.yaml the gatehouse service runs.

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet string `yaml:"subnet"`
			} `yaml:"config"`
		} `yaml:"ipam"`
	} `yaml:"networks"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       composeBuild      `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Labels      map[string]string `yaml:"labels"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Networks yaml.Node `yaml:"networks"`
}

// composeBuild is a service's build, short ("." ) or long form.
type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
	Target     string `yaml:"target"`
}

func (b *composeBuild) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		b.Context = n.Value
		return nil
	}
	type plain composeBuild
	return n.Decode((*plain)(b))
}

// ipv4 returns the service's fixed address on network, or "".
func (s composeService) ipv4(t *testing.T, network string) string {
	t.Helper()
	if s.Networks.Kind != yaml.MappingNode {
		return ""
	}
	var nets map[string]struct {
		IPv4 string `yaml:"ipv4_address"`
	}
	if err := s.Networks.Decode(&nets); err != nil {
		t.Fatal(err)
	}
	return nets[network].IPv4
}

// mount is one volume entry: a repository path (bind) or a named volume.
type mount struct {
	source, target string
	bind           bool
}

func (s composeService) mounts() []mount {
	var out []mount
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		m := mount{source: parts[0], target: parts[1]}
		m.bind = strings.HasPrefix(m.source, ".") || strings.HasPrefix(m.source, "/")
		out = append(out, m)
	}
	return out
}

// mountFor returns the mount that holds the container path p.
func (s composeService) mountFor(p string) (mount, bool) {
	for _, m := range s.mounts() {
		if m.target == p || strings.HasPrefix(p, m.target+"/") {
			return m, true
		}
	}
	return mount{}, false
}

var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}`)

// interpolate resolves compose's ${VAR:-default} with an empty host
// environment, as `docker compose up` on a fresh checkout does.
func interpolate(t *testing.T, s string) string {
	t.Helper()
	return composeVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := composeVar.FindStringSubmatch(m)
		if !strings.Contains(m, "-") {
			t.Errorf("docker-compose.yml: %s has no default: a fresh checkout cannot start", m)
		}
		return sub[2]
	})
}

func loadCompose(t *testing.T) *composeFile {
	t.Helper()
	var c composeFile
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "docker-compose.yml")), &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return &c
}

func TestComposeFilesExist(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	c := loadCompose(t)
	dockerfile := readRepoFile(t, "Dockerfile")
	for name, s := range c.Services {
		if s.Image == "" && s.Build.Context == "" {
			t.Errorf("service %s has neither image nor build", name)
		}
		if s.Build.Context != "" {
			ctx := filepath.Join(root, filepath.FromSlash(s.Build.Context))
			df := s.Build.Dockerfile
			if df == "" {
				df = "Dockerfile"
			}
			if _, err := os.Stat(filepath.Join(ctx, df)); err != nil {
				t.Errorf("service %s builds %s: %v", name, df, err)
			}
			if s.Build.Target != "" && !regexp.MustCompile(`(?mi)^FROM\s+\S+\s+AS\s+`+regexp.QuoteMeta(s.Build.Target)+`\s*$`).MatchString(dockerfile) {
				t.Errorf("service %s builds target %q, which the Dockerfile has no stage for", name, s.Build.Target)
			}
		}
		for _, m := range s.mounts() {
			switch {
			case strings.HasPrefix(m.source, "."):
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(m.source))); err != nil {
					t.Errorf("service %s mounts %s: %v", name, m.source, err)
				}
			case !m.bind:
				if _, ok := c.Volumes[m.source]; !ok {
					t.Errorf("service %s mounts volume %q, which is not declared under volumes:", name, m.source)
				}
			}
		}
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("service %s depends on %q, which is not a service", name, dep)
			}
		}
	}
}

// TestComposeAgreesWithGatewayYAML loads the gateway.yaml the gatehouse
// service runs, with the service's environment, and checks it against the
// rest of docker-compose.yml.
func TestComposeAgreesWithGatewayYAML(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	c := loadCompose(t)
	gh, ok := c.Services["gatehouse"]
	if !ok {
		t.Fatal("docker-compose.yml has no gatehouse service")
	}
	i := slices.Index(gh.Command, "-c")
	if i < 0 || i+1 >= len(gh.Command) || gh.Command[0] != "serve" {
		t.Fatalf("gatehouse command %q: want serve -c FILE", gh.Command)
	}
	cfgMount, ok := gh.mountFor(gh.Command[i+1])
	if !ok || !cfgMount.bind {
		t.Fatalf("the gatehouse service's %s is not mounted from the repository", gh.Command[i+1])
	}
	cfgText := readRepoFile(t, strings.TrimPrefix(cfgMount.source, "./"))

	env := map[string]string{}
	for k, v := range gh.Environment {
		env[k] = interpolate(t, v)
	}
	for _, m := range regexp.MustCompile(`\$\{([^}]*)\}`).FindAllStringSubmatch(cfgText, -1) {
		if _, ok := env[m[1]]; !ok {
			t.Errorf("%s uses ${%s}, which the gatehouse service's environment does not set", cfgMount.source, m[1])
		}
	}
	cfg, err := config.Parse(cfgMount.source, []byte(cfgText), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("%s: %v", cfgMount.source, err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("%s: %v", cfgMount.source, err)
	}

	// Files the configuration names are mounted, from files that exist.
	usersMount, ok := gh.mountFor(cfg.Users.File)
	if !ok || !usersMount.bind {
		t.Errorf("users.file %s is not mounted from the repository", cfg.Users.File)
	} else {
		usersPath := filepath.Join(root, filepath.FromSlash(usersMount.source))
		if _, err := fileusers.New(usersPath, "", nil); err != nil {
			t.Errorf("%s: %v", usersMount.source, err)
		}
	}
	keyMount, ok := gh.mountFor(cfg.Identity.SigningKeyFile)
	if !ok || keyMount.bind {
		t.Errorf("identity.signing_key_file %s is not on a named volume", cfg.Identity.SigningKeyFile)
	} else {
		// The keygen service writes it into the same volume.
		kg := c.Services["keygen"]
		written := false
		for _, m := range kg.mounts() {
			if m.source == keyMount.source && strings.Contains(strings.Join(kg.Command, " "), "keygen -o "+path.Join(m.target, path.Base(cfg.Identity.SigningKeyFile))) {
				written = true
			}
		}
		if !written {
			t.Errorf("no keygen service writes %s into volume %s", path.Base(cfg.Identity.SigningKeyFile), keyMount.source)
		}
		if gh.DependsOn["keygen"].Condition != "service_completed_successfully" {
			t.Error("gatehouse must wait for keygen to complete")
		}
	}

	// Redis: the address is the redis service, with the same password.
	redis, ok := c.Services["redis"]
	if !ok || cfg.Store.Driver != "redis" || len(cfg.Store.Redis.Addrs) != 1 {
		t.Fatal("want store.driver redis with one address, and a redis service")
	}
	if host, port, _ := net.SplitHostPort(cfg.Store.Redis.Addrs[0]); host != "redis" || port != "6379" {
		t.Errorf("store.redis.addrs %q, want redis:6379 (the service)", cfg.Store.Redis.Addrs)
	}
	if i := slices.Index(redis.Command, "--requirepass"); i < 0 || interpolate(t, redis.Command[i+1]) != cfg.Store.Redis.Password {
		t.Errorf("redis --requirepass does not match store.redis.password")
	}

	// Traefik: published port = public_url's port, container port = the
	// entry point; its fixed address is the only trusted proxy.
	tr, ok := c.Services["traefik"]
	if !ok {
		t.Fatal("no traefik service")
	}
	pub, err := url.Parse(cfg.Server.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Ports) != 1 {
		t.Fatalf("traefik ports %q: want one", tr.Ports)
	}
	hostPort, containerPort, _ := strings.Cut(tr.Ports[0], ":")
	if hostPort != pub.Port() {
		t.Errorf("traefik publishes %s, public_url %s is on port %q", hostPort, cfg.Server.PublicURL, pub.Port())
	}
	if !slices.Contains(tr.Command, "--entrypoints.web.address=:"+containerPort) {
		t.Errorf("traefik has no web entry point on :%s (%q)", containerPort, tr.Command)
	}
	network := ""
	for n := range c.Networks {
		network = n
	}
	ip, err := netip.ParseAddr(tr.ipv4(t, network))
	if err != nil {
		t.Fatalf("traefik needs a fixed ipv4_address on network %q: %v", network, err)
	}
	trusted := false
	for _, p := range cfg.TrustedProxyPrefixes() {
		trusted = trusted || p.Contains(ip)
	}
	if !trusted {
		t.Errorf("traefik's address %s is not in server.trusted_proxies %q", ip, cfg.Server.TrustedProxies)
	}
	if subnets := c.Networks[network].IPAM.Config; len(subnets) != 1 || !netip.MustParsePrefix(subnets[0].Subnet).Contains(ip) {
		t.Errorf("traefik's address %s is outside network %s's subnet", ip, network)
	}

	// Labels: the forward-auth middleware points at this service's listen
	// port, the portal router too, and every identity header is copied.
	_, listenPort, err := net.SplitHostPort(cfg.Server.Listen)
	if err != nil {
		t.Fatal(err)
	}
	labels := gh.Labels
	if got := labels["traefik.http.services.gatehouse.loadbalancer.server.port"]; got != listenPort {
		t.Errorf("the gatehouse router's port is %q, server.listen is on %s", got, listenPort)
	}
	checkTraefikLabels(t, "docker-compose.yml", labels, "http://gatehouse:"+listenPort+cfg.Server.PortalPrefix+"/authz/forward-auth", cfg.Identity.Headers)

	// The app: its router uses the middleware and its host and port are
	// the route's.
	appSvc, ok := c.Services["app"]
	if !ok {
		t.Fatal("no app service")
	}
	if got := appSvc.Labels["traefik.http.routers.app.middlewares"]; got != "gatehouse@docker" {
		t.Errorf("the app router's middlewares are %q, want gatehouse@docker", got)
	}
	for _, r := range cfg.Routes {
		up, err := url.Parse(r.Upstream)
		if err != nil {
			t.Fatal(err)
		}
		if up.Hostname() != "app" || up.Port() != appSvc.Labels["traefik.http.services.app.loadbalancer.server.port"] {
			t.Errorf("route %s goes to %s, not the app service's port", r.Name, r.Upstream)
		}
		if !strings.Contains(appSvc.Labels["traefik.http.routers.app.rule"], "Host(`"+r.Host+"`)") {
			t.Errorf("route %s is for host %s, the app router's rule is %q", r.Name, r.Host, appSvc.Labels["traefik.http.routers.app.rule"])
		}
	}
	if rule := labels["traefik.http.routers.gatehouse.rule"]; !strings.Contains(rule, "Host(`"+pub.Hostname()+"`)") ||
		!strings.Contains(rule, "PathPrefix(`"+cfg.Server.PortalPrefix+"/`)") {
		t.Errorf("the portal router %q does not serve %s%s/", rule, pub.Hostname(), cfg.Server.PortalPrefix)
	}
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := readRepoFile(t, "Dockerfile")
	gomod := readRepoFile(t, "go.mod")
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(gomod)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got %d FROM lines", len(froms))
	}
	if goVersion == nil || !strings.HasPrefix(froms[0][1], "golang:"+goVersion[1]) {
		t.Errorf("the build stage is %s; go.mod asks for Go %v", froms[0][1], goVersion)
	}
	final := froms[len(froms)-1][1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("the final stage is %s, want distroless/static or scratch", final)
	}
	for _, want := range []string{"CGO_ENABLED=0", "./cmd/gatehouse"} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile does not build with %s", want)
		}
	}
	users := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1][1], "0") || strings.HasPrefix(users[len(users)-1][1], "root") {
		t.Errorf("the image must run as a non-root USER, got %v", users)
	}
	if !regexp.MustCompile(`(?m)^CMD \["serve"`).MatchString(df) || !strings.Contains(df, `ENTRYPOINT ["/usr/local/bin/gatehouse"]`) {
		t.Error("the image must run gatehouse serve")
	}
	// What the image exposes is what compose's gateway.yaml listens on.
	cfg := loadDeployGateway(t)
	_, port, _ := net.SplitHostPort(cfg.Server.Listen)
	if !regexp.MustCompile(`(?m)^EXPOSE .*\b` + port + `\b`).MatchString(df) {
		t.Errorf("the Dockerfile does not EXPOSE %s", port)
	}
	if _, err := os.Stat(filepath.Join(repoRoot(t), ".dockerignore")); err != nil {
		t.Errorf(".dockerignore: %v", err)
	}
}
