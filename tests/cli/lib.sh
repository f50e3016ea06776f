# Shared helpers of the program-level test scripts (sourced).  The caller
# sets pass=0 fail=0 and reports them at the end.
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect_exit CODE PATTERN CMD...: exit status and a pattern in stdout+stderr
expect_exit() {
  local code=$1 pat=$2; shift 2
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" -ne "$code" ]; then bad "$* -> exit $rc, want $code"; echo "$out" | tail -5; return; fi
  if ! grep -qE -- "$pat" <<<"$out"; then bad "$* -> output lacks /$pat/"; echo "$out" | tail -5; return; fi
  ok
}
