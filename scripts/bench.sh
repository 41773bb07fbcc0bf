#!/usr/bin/env bash
# make bench: Gatehouse's performance benchmark (method: docs/performance.md).
# Installs wrk (and redis-server) from Debian packages when missing, builds
# gatehouse and the reference servers, runs the Go benchmarks of the hot
# path, then the wrk series of bench/cmd/gatebench, which writes
# bench/results/latest.md. Extra arguments go to gatebench
# (e.g. make bench BENCHFLAGS='-rounds 1 -d 5s').
set -euo pipefail
cd "$(dirname "$0")/.."
GO="${GO:-go}"
./scripts/ensure-deps.sh wrk
make --no-print-directory build
"$GO" build -o bin/benchsrv ./bench/cmd/benchsrv
"$GO" build -o bin/gatebench ./bench/cmd/gatebench
mkdir -p bench/results
gobench="$(mktemp)"
trap 'rm -f "$gobench"' EXIT

echo "== Go benchmarks of the hot path (-benchmem)"
"$GO" test -run '^$' -benchmem -benchtime 1s \
  -bench 'ForwardAuth|RouteMatch|SessionLoad|IdentityHeaders|Assertion|Proxy|DecodeSession|StoreGet|Front|SessionRotation' \
  ./gateway/ ./auth/ ./auth/redisstore/ | tee "$gobench"

echo "== wrk series"
./bin/gatebench -gatehouse bin/gatehouse -benchsrv bin/benchsrv -o bench/results/latest.md "$@"
{
  echo
  echo "## Go benchmarks (same run)"
  echo
  echo '```'
  grep -E '^(Benchmark|goos|goarch|cpu)' "$gobench"
  echo '```'
} >> bench/results/latest.md
echo "wrote bench/results/latest.md"
