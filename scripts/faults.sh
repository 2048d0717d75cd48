#!/usr/bin/env bash
# The fault suite: drives the real outreachbot binary against the Slack test double and
# PostgreSQL (found or started by scripts/pg.sh) and prints one line per scenario with its
# figures. Exit status 1 when a scenario failed. Takes ~5–10 minutes.
#   FAULTS_COMMANDS=10000 FAULTS_DISCONNECTS=100 FAULTS_STALL_SECONDS=30 OUTREACHBOT_KILLS=50 (defaults)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
# shellcheck source=scripts/pg.sh
. "$here/pg.sh"
export CI=${CI:-true} OUTREACHBOT_FAULTS=1
export OUTREACHBOT_KILLS=${OUTREACHBOT_KILLS:-50}

failed=0
run() { # run <package> <test> <label>
  local log rc
  log=$(mktemp)
  go test "$1" -run "^$2\$" -count=1 -v -timeout 40m >"$log" 2>&1
  rc=$?
  if grep -q '^FAULTS ' "$log"; then
    grep '^FAULTS ' "$log" | sed "s/^FAULTS /$([ $rc -eq 0 ] && echo PASS || echo FAIL)  /"
  else
    echo "$([ $rc -eq 0 ] && echo PASS || echo FAIL)  $3: $(grep -E 'signals in .* channels|kills in|replicas finished' "$log" | sed 's/^ *kill_test.go:[0-9]*: //' | tr '\n' ';' | sed 's/;$//')"
  fi
  if [ $rc -ne 0 ]; then
    failed=1
    grep -E -- '--- FAIL|_test.go:[0-9]+:' "$log" | head -15 | sed 's/^/      /'
  fi
  rm -f "$log"
}

run ./faults TestFaults_commandsThroughDisconnects "commands+disconnects"
run ./faults TestFaults_rateLimitedDigests "429 during digests"
run ./faults TestFaults_databaseStalled "database stalled"
run ./digest TestKill_botKilledAtRandomPointsPostsEachSignalOnce "SIGKILL at $OUTREACHBOT_KILLS random points of digest runs, then 3 replicas"
exit $failed
