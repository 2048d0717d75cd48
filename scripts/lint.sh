#!/usr/bin/env bash
# Static checks beyond the test suite: go vet, staticcheck and deadcode (functions no test or
# binary reaches). The tools are pinned; a missing one is installed through the Go module proxy
# here, never by scripts/test.sh. Remaining findings are justified where they are, with
# //lint:ignore <check> <reason>.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."

staticcheck_version=v0.8.2 # staticcheck 2026.2.2
tools_version=v0.52.0      # golang.org/x/tools, for deadcode

bin=$(go env GOPATH)/bin
export PATH="$bin:$PATH"
need() { # need <command> <package@version>
	command -v "$1" >/dev/null 2>&1 || { echo "lint.sh: installing $2" >&2; GOFLAGS= go install "$2"; }
}
need staticcheck "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
need deadcode "golang.org/x/tools/cmd/deadcode@$tools_version"

status=0
echo "== gofmt" && { out=$(gofmt -l .); [ -z "$out" ] || { echo "$out"; status=1; }; }
echo "== go vet" && { go vet ./... || status=1; }
echo "== staticcheck" && { staticcheck ./... || status=1; }
echo "== deadcode -test" && { out=$(deadcode -test ./...); [ -z "$out" ] || { echo "$out"; status=1; }; }
[ $status -eq 0 ] && echo "lint.sh: clean"
exit $status
