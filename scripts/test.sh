#!/usr/bin/env bash
# Runs every test against a real PostgreSQL server (found or started by scripts/pg.sh) and the
# embedded SQLite store. Extra arguments go to `go test` (e.g. scripts/test.sh -run Account ./store/...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."

# shellcheck source=scripts/pg.sh
. "$here/pg.sh"
export CI=${CI:-true} # in this script a missing database fails the run instead of skipping

pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
go vet ./...
go test -count=1 -timeout 15m "${pkgs[@]}"
