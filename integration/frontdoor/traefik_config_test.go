package frontdoor_test

import (
	"bytes"
	"testing"

	"gopkg.in/yaml.v3"
)

// traefikDynamic is the part of Traefik's dynamic configuration that
// deploy/traefik/dynamic.yml uses, decoded strictly (a key not listed
// here fails the test), for the checks that compare it with
// deploy/gateway.yaml. TestTraefik runs the file itself under the real
// Traefik.
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
	// AuthResponseHeadersRegex: Traefik deletes every request header it
	// matches, then copies the answer's that it matches.
	AuthResponseHeadersRegex string   `yaml:"authResponseHeadersRegex"`
	AuthRequestHeaders       []string `yaml:"authRequestHeaders"`
	MaxResponseBodySize      *int64   `yaml:"maxResponseBodySize"`
}

type traefikRouter struct {
	Rule        string   `yaml:"rule"`
	EntryPoints []string `yaml:"entryPoints"`
	Middlewares []string `yaml:"middlewares"`
	Service     string   `yaml:"service"`
	TLS         *struct {
		CertResolver string `yaml:"certResolver"`
	} `yaml:"tls"`
	Observability *struct {
		AccessLogs *bool `yaml:"accessLogs"`
	} `yaml:"observability"`
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

// TestTraefikDynamicSettings checks the forwardAuth settings that matter
// for safety and that the running test cannot see fail: a client's
// X-Forwarded-* never believed, and Gatehouse's answers bounded.
func TestTraefikDynamicSettings(t *testing.T) {
	t.Parallel()
	dyn := parseTraefikDynamic(t, readRepoFile(t, "deploy/traefik/dynamic.yml"))
	fa := dyn.HTTP.Middlewares["gatehouse-auth"].ForwardAuth
	if fa == nil {
		t.Fatal("dynamic.yml: the gatehouse-auth middleware must be a forwardAuth")
	}
	if fa.TrustForwardHeader {
		t.Error("dynamic.yml: trustForwardHeader must be false at the edge")
	}
	if len(fa.AuthRequestHeaders) != 0 {
		t.Errorf("dynamic.yml: authRequestHeaders %q: Gatehouse needs every client header (Cookie, Accept)", fa.AuthRequestHeaders)
	}
	if fa.MaxResponseBodySize == nil || *fa.MaxResponseBodySize < 4096 {
		t.Errorf("dynamic.yml: maxResponseBodySize %v: set a bound that Gatehouse's answers fit in", fa.MaxResponseBodySize)
	}
}
