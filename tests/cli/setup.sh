# Preamble of the fail-fast program-level test scripts (sourced as
# `. "$(dirname "$0")/setup.sh" "$@"`): BIN made absolute, the working
# directory at the repository root, a TMP directory removed on exit, and
#   ok MESSAGE   prints "ok - MESSAGE"
#   die MESSAGE  prints "FAIL - MESSAGE" and exits 1
#   expect_exit CODE CMD...  runs CMD (its output in $TMP/out and $TMP/err),
#                fails unless it exits with CODE
BIN=${1:?usage: $(basename "$0") PATH/TO/avrami}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ok() { echo "ok - $*"; }
die() { echo "FAIL - $*" >&2; exit 1; }
expect_exit() {
  local want=$1; shift
  local rc=0
  "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$TMP/out" "$TMP/err" >&2; die "$* exited $rc, expected $want"; }
}
