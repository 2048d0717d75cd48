#!/usr/bin/env bash
# Benchmarks building a digest of 10,000 new signals among 100,000 and among 1,000,000 stored
# signals on PostgreSQL (digest.BenchmarkBuildDigest: claim the signals in the build transaction,
# score them and lay out every message) and checks the budget:
#   - at 1,000,000 stored: at most 300 ms a build;
#   - at 100,000 vs 1,000,000 stored: within 1.5× of each other (the cost follows the new
#     signals, not the history).
# PostgreSQL is found or started by scripts/pg.sh, as for the tests. Generating the
# data takes about a minute. Extra arguments go to `go test` (e.g. -benchtime 20x).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
# shellcheck source=scripts/pg.sh
. "$here/pg.sh"
export CI=true # a missing database fails instead of skipping

budget_ms=300
max_ratio=1.5

out=$(go test -run '^$' -bench '^BenchmarkBuildDigest$' -benchtime 10x -timeout 30m "$@" ./digest/ 2>&1) || {
  printf '%s\n' "$out" >&2
  echo "bench-digest: the benchmark failed" >&2
  exit 1
}
printf '%s\n' "$out" | grep -E '^(Benchmark|goos|goarch|cpu|    bench_test)' || true

ns_of() { printf '%s\n' "$out" | awk -v pat="stored=$1-" '$1 ~ pat { print $3 }' | tail -1; }
small=$(ns_of 100000)
large=$(ns_of 1000000)
if [ -z "$small" ] || [ -z "$large" ]; then
  echo "bench-digest: could not read the results" >&2
  exit 1
fi

awk -v s="$small" -v l="$large" -v budget="$budget_ms" -v maxr="$max_ratio" 'BEGIN {
  sm = s / 1e6; lm = l / 1e6
  ratio = (lm > sm) ? lm / sm : sm / lm
  printf "bench-digest: 10,000 new among 100,000 stored: %.1f ms; among 1,000,000: %.1f ms; ratio %.2f\n", sm, lm, ratio
  ok = 1
  if (lm > budget) { printf "bench-digest: FAIL: %.1f ms at 1,000,000 stored is over %d ms\n", lm, budget; ok = 0 }
  if (ratio > maxr) { printf "bench-digest: FAIL: the two sizes differ by %.2f×, more than %.1f×\n", ratio, maxr; ok = 0 }
  if (ok) print "bench-digest: OK (budget " budget " ms, ratio ≤ " maxr ")"
  exit ok ? 0 : 1
}'
