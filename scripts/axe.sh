#!/usr/bin/env bash
# Prints the path of axe-core's axe.min.js, the accessibility engine the
# browser tests run on every page they capture (WCAG 2.1 A and AA rules).
# Fetched once per machine from the npm registry (npm checks the
# package's integrity) into a cache keyed by version; later runs reuse it.
set -euo pipefail
cd "$(dirname "$0")/.."
ver=4.14.1
dir="${XDG_CACHE_HOME:-$HOME/.cache}/gatehouse/axe-core/$ver"
if [ ! -s "$dir/axe.min.js" ]; then
  command -v npm >/dev/null 2>&1 || ./scripts/ensure-deps.sh npm >&2
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "axe-core@$ver" >/dev/null && tar -xzf "axe-core-$ver.tgz")
  mkdir -p "$dir"
  cp "$tmp/package/axe.min.js" "$dir/axe.min.js.part"
  mv "$dir/axe.min.js.part" "$dir/axe.min.js"
fi
echo "$dir/axe.min.js"
