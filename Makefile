# Gatehouse. `make demo` runs the demo; `make test` runs every test.
GO       ?= go
PKGS     := ./...
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)

.PHONY: all build demo test test-short fuzz vet bench clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/gatehouse ./cmd/gatehouse

demo:
	$(GO) run ./cmd/gatehouse demo

# Every test: installs redis-server, nginx and caddy if missing, vets, runs
# the race-enabled suite (integration tests start private Redis instances,
# and nginx and Caddy with the configs in deploy/, on free loopback ports),
# then runs each fuzz target briefly.
test:
	./scripts/ensure-deps.sh nginx caddy
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 15m $(PKGS)
	$(MAKE) fuzz FUZZTIME=10s

test-short:
	$(GO) test -short -count=1 $(PKGS)

FUZZTIME ?= 20s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin
