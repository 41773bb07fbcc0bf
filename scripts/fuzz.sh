#!/usr/bin/env bash
# Runs every Go fuzz target in the repository briefly.
# Usage: scripts/fuzz.sh [budget]   (default 50000x)
#
# The budget is per target: a count of executions ("20000x", what make test
# uses) or a duration ("30s"). make test uses a count because of a race in
# Go's fuzz coordinator: when a duration runs out, the coordinator can see
# its deadline before the workers' context is cancelled and report the
# deadline itself as the failure ("context deadline exceeded", no failing
# input), more often on a loaded machine; the CI runs of 2026-11-21 and
# 2026-11-22 failed that way. A count has no deadline, so it stops cleanly.
#
# -fuzzminimizetime 0 turns minimization off: a worker minimizing a new
# input runs nothing else for up to a minute, and an interrupted
# minimization was reported the same way. A real failure still writes its
# input, unminimized, to testdata/fuzz/<target>/.
set -euo pipefail
dur="${1:-50000x}"
cd "$(dirname "$0")/.."
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg="./$(dirname "${f#./}")"
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r target; do
    echo "fuzz $pkg $target ($dur)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" -fuzzminimizetime 0 "$pkg"
  done
done
