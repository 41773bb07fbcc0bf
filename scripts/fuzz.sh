#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for a short time each.
# Usage: scripts/fuzz.sh [duration]   (default 20s)
set -euo pipefail
dur="${1:-20s}"
cd "$(dirname "$0")/.."
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg="./$(dirname "${f#./}")"
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | while read -r target; do
    echo "fuzz $pkg $target ($dur)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$dur" "$pkg"
  done
done
