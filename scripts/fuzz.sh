#!/usr/bin/env bash
# Runs every Go fuzz target for FUZZTIME each (default 10m) and prints one line per target with
# how many inputs it tried and whether it found anything. A failing input is written by Go to
# <package>/testdata/fuzz/<Target>/ — fix the bug and keep the file: `go test` replays it.
# `bash scripts/test.sh` runs only the checked-in seed corpus (plain `go test` does that).
#   FUZZTIME=30s bash scripts/fuzz.sh            # every target briefly
#   bash scripts/fuzz.sh ./digest FuzzSchedule   # one target
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
fuzztime=${FUZZTIME:-10m}

targets=(
  "./handlers FuzzCommandLine"
  "./handlers FuzzAccountFindFilters"
  "./digest FuzzSchedule"
  "./templates FuzzTemplate"
  "./store FuzzImportCSV"
  "./sources/adopters FuzzParse"
)
[ $# -eq 2 ] && targets=("$1 $2")

failed=0
for t in "${targets[@]}"; do
  set -- $t
  pkg=$1 name=$2
  log=$(mktemp)
  start=$(date +%s)
  go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel "${FUZZPARALLEL:-2}" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  if [ $rc -eq 0 ]; then
    printf '%-40s ok      %6ss  %12s execs  nothing found\n' "$pkg $name" "$secs" "${execs:-?}"
  else
    failed=1
    printf '%-40s FAILED  %6ss  %12s execs  see below\n' "$pkg $name" "$secs" "${execs:-?}"
    grep -E -- '--- FAIL|fuzz_test.go|Failing input written|testdata/fuzz' "$log" | head -20 | sed 's/^/    /'
  fi
  rm -f "$log"
done
exit $failed
