# Preamble of the fail-fast program-level test scripts (sourced as
# `. "$(dirname "$0")/setup.sh" "$@"`): BIN made absolute, the working
# directory at the repository root, a TMP directory removed on exit, and
#   ok MESSAGE   prints "ok - MESSAGE"
#   die MESSAGE  prints "FAIL - MESSAGE" and exits 1
BIN=${1:?usage: $(basename "$0") PATH/TO/avrami}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
cd "$(dirname "$0")/../.."
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
ok() { echo "ok - $*"; }
die() { echo "FAIL - $*" >&2; exit 1; }
