#!/usr/bin/env bash
# Runs golangci-lint (.golangci.yml) over the repository; make test calls it.
# The linter is a Go module: built once per machine into a cache folder keyed
# by its version and the Go version, then reused.
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"
version=v2.15.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/golangci-lint/$version-$("$GO" env GOVERSION)"
bin="$cache/golangci-lint"
if [ ! -x "$bin" ]; then
  echo "building golangci-lint $version (once per machine)" >&2
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  GOBIN="$tmp" GOFLAGS=-mod=mod "$GO" install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version"
  mv "$tmp/golangci-lint" "$bin"
fi
# Another checkout linting on the same machine holds golangci-lint's lock:
# wait for it rather than fail.
exec "$bin" run --allow-serial-runners ./...
