#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for a short time each.
# Usage: scripts/fuzz.sh [duration]   (default 20s)
#
# -fuzzminimizetime 0 turns minimization off. With it on, the Go fuzzer
# spends up to a minute shrinking every new interesting input, during which
# that worker runs nothing new, and if -fuzztime ends mid-minimization the
# interrupted minimization is reported as a failure ("context deadline
# exceeded", with no failing input): the CI run of 2026-11-21 failed that way
# on FuzzVerifyAssertion. A real failure still writes its input, unminimized,
# to testdata/fuzz/<target>/.
set -euo pipefail
dur="${1:-20s}"
cd "$(dirname "$0")/.."
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg="./$(dirname "${f#./}")"
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r target; do
    echo "fuzz $pkg $target ($dur)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" -fuzzminimizetime 0 "$pkg"
  done
done
