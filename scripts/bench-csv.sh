#!/usr/bin/env bash
# Benchmarks CSV imports into PostgreSQL (set-wise reads, COPY and one UPDATE per file) and
# checks the budgets of issue 13, at N accounts (100,000), 2N contacts and 10N signals, and at N/10:
#   each kind ≥ 50,000 rows/s; a re-import of the same files ≥ 50,000 rows/s (it changes nothing);
#   10x the rows ≤ 12x the time.
#   bash scripts/bench-csv.sh
#   OUTREACHBOT_BENCH_ACCOUNTS=20000 bash scripts/bench-csv.sh
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
go test -count=1 -run '^$' -bench '^BenchmarkImportCSV$' -benchtime 1x -timeout 30m ./store/ | tee "$out"
metric() { awk -v u="$1" '/^BenchmarkImportCSV/ { for (i = 1; i < NF; i++) if ($(i+1) == u) print $i }' "$out" | tail -n 1; }
fail=0
check() { # check <label> <value> <op> <limit>
	if [ -z "$2" ]; then
		printf 'FAIL  %-44s %10s\n' "$1" "missing"; fail=1; return
	fi
	if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == "<=") ? v <= l : v >= l) }'; then
		printf 'ok    %-44s %10.1f (budget %s %s)\n' "$1" "$2" "$3" "$4"
	else
		printf 'FAIL  %-44s %10.1f (budget %s %s)\n' "$1" "$2" "$3" "$4"; fail=1
	fi
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in accounts contacts signals; do
	check "$kind rows/s" "$(metric "$kind-rows/s")" ">=" "$min"
	check "$kind re-import rows/s" "$(metric "$kind-reimport-rows/s")" ">=" "$min"
	check "$kind: time for 10x the rows, x" "$(metric "ratio-$kind")" "<=" 12
done
# CPU per row of the first import, and the CPU 10x the rows took: steadier than rows/s and the
# wall-clock ratio when others share the machine (then the rows/s say how much CPU was left).
for kind in accounts contacts signals; do
	printf 'info  %-44s %10s client, %s PostgreSQL\n' "$kind CPU µs/row" "$(metric "$kind-client-us/row")" "$(metric "$kind-pg-us/row")"
	printf 'info  %-44s %10s\n' "$kind: CPU for 10x the rows, x" "$(metric "cpu-ratio-$kind")"
done
exit $fail
