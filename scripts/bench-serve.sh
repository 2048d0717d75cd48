#!/usr/bin/env bash
# Measures `outreachbot serve` over N generated accounts (2N contacts, 10N signals) in PostgreSQL,
# driven through the shared Socket Mode double (../shared/bench/fakeslack), and checks the budgets
# of issue 13:
#   account index built at start          ≤ 15 s (N = 1,000,000)
#   RSS idle                              ≤ 120 MB (N = 100,000), ≤ 1 GB (N = 1,000,000)
#   RSS after 10,000 lookups              ≤ 150 MB (N = 100,000), ≤ 1 GB (N = 1,000,000)
#   lookups (envelope in → ack), p99      ≤ 3 ms sequential (N = 100,000), ≤ 10 ms (N = 1,000,000)
#   commands/s with 16 in flight          ≥ 2,000 (N = 100,000)
#   every answer in the ack
# It saves heap profiles (idle and after the lookups) in $OUT (default /tmp/outreachbot-serve-N)
# and prints the top of each. Run from the project root:
#   bash scripts/bench-serve.sh                 # N=100000
#   N=1000000 bash scripts/bench-serve.sh
# Data is generated once with ../shared/bench/boltpeer/gen.py and cached in /tmp, then COPYed
# (../shared/bench/direct-load.sh) into a fresh database, so import speed does not enter here
# (scripts/bench-csv.sh measures it). OUTREACHBOT_BENCH_DIR points elsewhere than ../shared/bench.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
BENCH=${OUTREACHBOT_BENCH_DIR:-$(cd .. && pwd)/shared/bench}
N=${N:-100000}
OUT=${OUT:-/tmp/outreachbot-serve-$N}
if [ -z "${OUTREACHBOT_TEST_DATABASE_URL:-}" ]; then
	# shellcheck source=scripts/pg.sh
	. "$here/pg.sh"
fi
mkdir -p "$OUT"
W=$(mktemp -d /tmp/bench-serve.XXXXXX)
PIDS=()
DB="serve_$(date +%s)_$$"
ADMIN=$OUTREACHBOT_TEST_DATABASE_URL
cleanup() {
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
go build -o "$W/outreachbot" .
(cd "$BENCH/fakeslack" && go build -o "$W/fakeslack" .)
DATA=/tmp/outreachbot-scale-$N
[ -s "$DATA/queries.txt" ] || python3 "$BENCH/boltpeer/gen.py" "$N" "$DATA"
psql -q "$ADMIN" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL=${ADMIN%%/postgres\?*}/$DB?sslmode=disable
(cd "$W" && ./outreachbot migrate >/dev/null)
t0=$(date +%s.%N)
"$BENCH/direct-load.sh" "$DATA" >/dev/null
echo "loaded $N accounts, $((2 * N)) contacts, $((10 * N)) signals in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s"
"$W/fakeslack" -urlfile "$W/fs.url" >"$W/fs.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$W/fs.url" ] && break; sleep 0.1; done
FS=$(cat "$W/fs.url")
connected() { curl -s "$FS/control/status" | python3 -c 'import sys,json; print(json.load(sys.stdin)["connections"])'; }
bench() { curl -s "$FS/control/bench?n=$1&conc=$2&command=/account&textfile=$DATA/queries.txt"; }
(cd "$W" && SLACK_APP_TOKEN=xapp-1-bench SLACK_BOT_TOKEN=xoxb-bench SLACK_API_URL="$FS/api/" OUTREACHBOT_WATCH=off \
	OUTREACHBOT_HTTP_ADDR=127.0.0.1:0 exec ./outreachbot serve >"$W/bot.log" 2>&1) &
BOT=$!
PIDS+=($BOT)
for _ in $(seq 1200); do [ "$(connected)" -ge 1 ] 2>/dev/null && break; sleep 0.1; done
OPS=$(grep -o '"msg":"ops listener"[^}]*' "$W/bot.log" | grep -o '"addr":"[^"]*"' | cut -d'"' -f4 || true)
build_ms=$(grep -o '"msg":"account index built"[^}]*' "$W/bot.log" | grep -o '"took_ms":[0-9]*' | cut -d: -f2)
sleep 2
rss() { ps -o rss= -p "$BOT" | tr -d ' '; }
idle=$(($(rss) / 1024))
heap() { [ -n "$OPS" ] && curl -s "http://$OPS/debug/pprof/heap" -o "$OUT/$1.pb.gz" && go tool pprof -sample_index=inuse_space -top -nodecount=15 "$W/outreachbot" "$OUT/$1.pb.gz" 2>/dev/null | sed -n '4,20p' > "$OUT/$1.top" || true; }
heap heap-idle
bench 200 4 >/dev/null
seq_res=$(bench 2000 1)
par_res=$(bench 8000 16)
after=$(($(rss) / 1024))
heap heap-after
load=$(cut -d' ' -f1-3 /proc/loadavg)
status=0
python3 - "$seq_res" "$par_res" "$N" "$idle" "$after" "${build_ms:-0}" "$load" "$OUT" <<'PY' || status=$?
import json, sys
seq, par = json.loads(sys.argv[1]), json.loads(sys.argv[2])
n, idle, after, build_ms, load, out = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8]
big = n >= 1_000_000
rows = [
    ("account index built at start, s", build_ms / 1000, "<=", 15),
    ("RSS idle, MB", idle, "<=", 1024 if big else 120),
    ("RSS after 10,200 lookups, MB", after, "<=", 1024 if big else 150),
    ("lookup p99 ms, sequential", seq["p99_ms"], "<=", 10 if big else 3),
    ("lookup p50 ms, sequential", seq["p50_ms"], "<=", 10 if big else 3),
    ("commands/s, 16 in flight", par["per_s"], ">=", 0 if big else 2000),
    ("p99 ms, 16 in flight", par["p99_ms"], "<=", 1000),
    ("answers in the ack", seq["answered_in_ack"] + par["answered_in_ack"], ">=", seq["n"] + par["n"]),
]
fail = 0
print(f"outreachbot serve over {n:,} accounts, {2*n:,} contacts, {10*n:,} signals (load average {load})")
for label, v, op, lim in rows:
    ok = v <= lim if op == "<=" else v >= lim
    fail |= not ok
    print(f"{'ok  ' if ok else 'FAIL'}  {label:<38} {v:>10.2f}  (budget {op} {lim})")
print(f"heap profiles: {out}/heap-idle.pb.gz, {out}/heap-after.pb.gz")
sys.exit(fail)
PY
for f in heap-idle heap-after; do [ -s "$OUT/$f.top" ] && { echo "--- $f (inuse_space)"; cat "$OUT/$f.top"; }; done
exit $status
