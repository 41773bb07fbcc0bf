#!/usr/bin/env bash
# Builds the Traefik the front-door tests run (integration/frontdoor),
# once per machine, and prints the binary's path on standard output.
#
# Traefik has no Debian package, so it is built from its Go module, as
# released: the binary lands in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/traefik/<traefik version>-<go version>/traefik
# and later runs print that path at once. A cold build takes 5 to 15
# minutes on two cores. It is built into a temporary file and renamed, so
# an interrupted build never leaves a broken binary behind.
#
# Usage: GATEHOUSE_TRAEFIK=$(./scripts/traefik.sh) go test -tags nomsgpack ./integration/frontdoor/
set -euo pipefail

VERSION=v3.6.12
MODULE=github.com/traefik/traefik/v3
GO=${GO:-go}
# The toolchain on the machine builds it (never one go.mod asks to download),
# so that the folder's name says which Go built what is in it.
export GOTOOLCHAIN=local
GOVERSION=$("$GO" env GOVERSION)
OUT=${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/traefik/$VERSION-$GOVERSION
BIN=$OUT/traefik

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$OUT"

# One build at a time per folder: a second run waits, then finds the binary.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$OUT/.lock"
  flock 9
  if [ -x "$BIN" ]; then
    echo "$BIN"
    exit 0
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-traefik.XXXXXX")
tmp="$BIN.tmp.$$"
cleanup() {
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work" "$tmp"
}
trap cleanup EXIT

echo "building Traefik $VERSION with $GOVERSION into $OUT (once per machine; 5 to 15 minutes)" >&2
# The module cache's copy is read-only: build in a writable copy of it.
dir=$(cd "$work" && "$GO" mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
  echo "go mod download $MODULE@$VERSION: no module directory" >&2
  exit 1
fi
cp -R "$dir" "$work/src"
chmod -R u+w "$work/src"
(
  cd "$work/src"
  "$GO" build -trimpath -ldflags "-s -w -X $MODULE/pkg/version.Version=$VERSION" -o "$tmp" ./cmd/traefik
)
"$tmp" version >/dev/null
mv -f "$tmp" "$BIN"
echo "$BIN"
