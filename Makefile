# Gatehouse. `make demo` runs the demo; `make test` runs every test.
GO       ?= go
PKGS     := ./...
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
# Build tags of every gatehouse build: here, the Dockerfile and
# internal/testbin (which checks that the three agree). nomsgpack leaves
# gin's MessagePack codec (github.com/ugorji/go) out: nothing here speaks
# MessagePack, and without it the binary is 6.5 MB smaller and its RSS
# about 1.5 MiB lower.
TAGS     := nomsgpack

.PHONY: all build demo test test-short lint fuzz vet bench clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o bin/gatehouse ./cmd/gatehouse

demo:
	$(GO) run -tags '$(TAGS)' ./cmd/gatehouse demo

# Every test: installs redis-server, nginx, caddy and chromium if missing,
# builds Traefik once per machine (scripts/traefik.sh: 5 to 15 minutes the
# first time, then cached), fetches axe-core once (scripts/axe.sh: every
# page the browser tests capture is checked against WCAG 2.1 A/AA), vets, lints (scripts/lint.sh: any finding fails
# the build), runs the race-enabled suite (integration
# tests start private Redis instances, nginx, Caddy and Traefik with the
# configs in deploy/, and headless Chromium against the portal, on free
# loopback ports), then runs each fuzz target briefly.
test:
	./scripts/ensure-deps.sh nginx caddy chromium
	traefik=$$(GO='$(GO)' ./scripts/traefik.sh) && \
	axe=$$(./scripts/axe.sh) && \
	$(GO) vet -tags '$(TAGS)' $(PKGS) && \
	GO='$(GO)' ./scripts/lint.sh && \
	GATEHOUSE_TRAEFIK="$$traefik" GATEHOUSE_AXE="$$axe" $(GO) test -tags '$(TAGS)' -race -count=1 -timeout 15m $(PKGS)
	$(MAKE) fuzz FUZZTIME=20000x

# golangci-lint with .golangci.yml (built once per machine, then cached).
lint:
	GO='$(GO)' ./scripts/lint.sh

test-short:
	$(GO) test -tags '$(TAGS)' -short -count=1 $(PKGS)

FUZZTIME ?= 50000x
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# The performance benchmark (docs/performance.md): about 8 minutes; writes
# bench/results/latest.md. BENCHFLAGS go to bench/cmd/gatebench.
BENCHFLAGS ?=
bench:
	./scripts/bench.sh $(BENCHFLAGS)

clean:
	rm -rf bin
