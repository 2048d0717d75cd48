#!/usr/bin/env bash
# Runs the speed benchmarks against PostgreSQL and checks the budgets the issues set:
#   BenchmarkAccountLookup (handler, 100,000 accounts)        p99 ≤ 5 ms
#   BenchmarkSocketPath/sequential (envelope in → ack out)     p99 ≤ 10 ms
#   BenchmarkSocketPath/16-in-flight                           ≥ 1,000 commands/s
#   BenchmarkAccountLookup cards/op (the card of the account meant) ≥ 0.85 (the benchmark fails below)
#   BenchmarkBuild (name index, 100,000 synthetic accounts)     ≤ 150 B/account
#   BenchmarkBuild (name index, 100,000 peer-shaped accounts)   ≤ 150 B/account (a domain word each)
# and prints every figure with the load average (the machine may be shared). Exits non-zero when a
# budget is missed. Takes a few minutes. scripts/bench-csv.sh (imports) and scripts/bench-serve.sh
# (serve's memory, index build, lookups through the Socket Mode double) check the other budgets.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
# shellcheck source=scripts/pg.sh
. "$here/pg.sh"
export CI=${CI:-true}

out=$(mktemp)
go test -run '^$' -bench 'BenchmarkAccountLookup$' -benchtime 5000x ./handlers/ | tee "$out"
go test -run '^$' -bench 'BenchmarkSocketPath' -benchtime 5000x ./bot/ | tee -a "$out"
go test -run '^$' -bench '^BenchmarkBuild$' -benchtime 1x ./match/ | tee -a "$out"

metric() { # metric <benchmark name regex> <unit>
  awk -v b="$1" -v u="$2" '$1 ~ b { for (i = 2; i < NF; i++) if ($(i+1) == u) print $i }' "$out" | tail -n 1
}
fail=0
check() { # check <label> <value> <op> <limit>
  if awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { exit !((op == "<=") ? v <= l : v >= l) }'; then
    printf 'ok    %-44s %10s (budget %s %s)\n' "$1" "$2" "$3" "$4"
  else
    printf 'FAIL  %-44s %10s (budget %s %s)\n' "$1" "$2" "$3" "$4"; fail=1
  fi
}
check "account lookup p99 ms (100k accounts)" "$(metric '^BenchmarkAccountLookup' p99-ms)" "<=" 5
check "socket path p99 ms, sequential" "$(metric 'BenchmarkSocketPath/sequential' p99-ms)" "<=" 10
check "socket path commands/s, 16 in flight" "$(metric 'BenchmarkSocketPath/16-in-flight' cmds/s)" ">=" 1000
check "lookups answered with the card meant" "$(metric '^BenchmarkAccountLookup' cards/op)" ">=" 0.85
check "name index B/account (100k synthetic)" "$(metric '^BenchmarkBuild' B/account)" "<=" 150
check "name index B/account (100k peer-shaped)" "$(metric '^BenchmarkBuild' B/account-peer)" "<=" 150
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$out"
exit $fail
