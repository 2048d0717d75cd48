#!/usr/bin/env bash
# Benchmarks the CSV import of 1,000,000 signals into PostgreSQL (COPY into a staging table, then
# one INSERT … ON CONFLICT DO NOTHING) and fails below 50,000 rows/s.
#   scripts/bench-csv.sh                 # 1,000,000 rows
#   OUTREACHBOT_BENCH_ROWS=200000 scripts/bench-csv.sh
# PostgreSQL comes from OUTREACHBOT_TEST_DATABASE_URL, or is found or started by scripts/pg.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
if [ -z "${OUTREACHBOT_TEST_DATABASE_URL:-}" ]; then
	# shellcheck source=scripts/pg.sh
	. "$here/pg.sh"
fi
min=${OUTREACHBOT_BENCH_MIN_ROWS_PER_SEC:-50000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -count=1 -run '^$' -bench '^BenchmarkImportCSV_signals$' -benchtime 1x -timeout 20m ./store/ | tee "$out"
rate=$(awk '/^BenchmarkImportCSV_signals/ { for (i = 1; i < NF; i++) if ($(i+1) == "rows/s") print int($i) }' "$out")
if [ -z "$rate" ]; then
	echo "bench-csv: no rows/s in the benchmark output" >&2
	exit 1
fi
if [ "$rate" -lt "$min" ]; then
	echo "bench-csv: FAIL: ${rate} rows/s is below ${min} rows/s" >&2
	exit 1
fi
echo "bench-csv: ok: ${rate} rows/s (at least ${min})"
