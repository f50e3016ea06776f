#!/usr/bin/env bash
# Hostile and damaged inputs: CSV arrival files, traces, FIFOs and other
# non-regular files, scenario values that would overflow or exhaust memory.
# Each must exit 2 with the file, the place and what was expected, without
# blocking.  Called by tests/cli/run.sh.
#   tests/cli/inputs.sh build/avrami
set -euo pipefail

. "$(dirname "$0")/setup.sh" "$@"

# refuse PATTERN CMD...: exit 2 within 20 s and PATTERN in stderr
refuse() {
  local pat=$1; shift
  local rc=0
  timeout 20 "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || rc=$?
  [ "$rc" -eq 2 ] || { cat "$TMP/out" "$TMP/err" >&2; die "$* exited $rc, expected 2"; }
  grep -qE -- "$pat" "$TMP/err" || { cat "$TMP/err" >&2; die "$*: stderr lacks /$pat/"; }
}

# ---- CSV arrival files: one number per line, nothing else ----
csv_scn() { # NAME -> a scenario replaying $TMP/NAME.csv
  printf '{"network": {"nodes": 5, "cards": [{"card": "NVIDIA GeForce RTX 4090"}]}, "applications": [{"arrival": {"process": "csv", "file": "%s"}, "tasks": [{"type": "sd", "fee": {"wei": "1"}}]}]}' \
    "$TMP/$1.csv" >"$TMP/$1.json"
}
bad_csv() { # NAME CONTENT PATTERN
  printf -- "$2" >"$TMP/$1.csv"
  csv_scn "$1"
  refuse "$TMP/$1.json: \\\$.applications\[0\]\.arrival\.file: .*$3" "$BIN" run --no-db --duration 60 "$TMP/$1.json"
}
bad_csv empty '' 'expected at least one arrival time'
bad_csv comments '# only a comment\n\n' 'expected at least one arrival time'
bad_csv junk 'hello world\n' 'line 1, got "hello world"'
bad_csv suffix 'time_s\n1\n1abc\n' 'line 3, got "1abc"'
bad_csv semicolon '3;4\n' 'line 1, got "3;4"'
bad_csv hex '1\n0x10\n' 'line 2, got "0x10"'
bad_csv inf 'inf\n' 'line 1, got "inf"'
bad_csv nan '1\nnan\n' 'line 2, got "nan"'
bad_csv huge '1e400\n' 'line 1, got "1e400"'
bad_csv negative '-1\n' 'line 1, got "-1"'
bad_csv columns '1,2\n' 'line 1, got "1,2"'
bad_csv backwards '5\n4\n' 'line 2 goes back'
bad_csv nul '1\n2\0003\n' 'NUL byte on .* line 2'
mkdir "$TMP/dir.csv"; csv_scn dir
refuse 'dir.csv" \(not a regular file\)' "$BIN" run --no-db --duration 60 "$TMP/dir.json"
mkfifo "$TMP/fifo.csv"; csv_scn fifo
refuse 'fifo.csv" \(not a regular file\)' "$BIN" run --no-db --duration 60 "$TMP/fifo.json"
printf 'time_s\n1\n2.5\r\n  3e1  \n\n# end\n' >"$TMP/good.csv"; csv_scn good
"$BIN" run --no-db --duration 60 "$TMP/good.json" >"$TMP/out" || die "a good CSV file is refused"
grep -q '^tasks: 3 submitted' "$TMP/out" || die "a good CSV file did not give 3 arrivals"
ok "CSV arrivals: strict numbers with the line number; empty, NUL, directory and FIFO refused"

# ---- traces: trailing garbage, duplicate and unknown keys, FIFOs ----
T=tests/conformance/fee-zero.json
{ cat "$T"; echo ' {"more": 1}'; } >"$TMP/trailing.json"
refuse 'trailing.json: trailing data after the JSON' "$BIN" replay "$TMP/trailing.json"
python3 - "$T" "$TMP" <<'PY'
import json, sys
src, tmp = sys.argv[1], sys.argv[2]
t = json.load(open(src)); t['extra'] = 1
json.dump(t, open(tmp + '/unknown.json', 'w'))
t = json.load(open(src)); t['steps'][1]['args']['bogus'] = 1
json.dump(t, open(tmp + '/unknown-arg.json', 'w'))
t = json.load(open(src)); t['steps'][2]['bogus'] = 1
json.dump(t, open(tmp + '/unknown-step.json', 'w'))
s = open(src).read()
open(tmp + '/dup.json', 'w').write(s.replace('"format"', '"name": "x", "format"', 1))
i = s.index('"state"')
open(tmp + '/dup-step.json', 'w').write(s[:i] + '"events": [], ' + s[i:])
PY
refuse 'unknown.json: \$\.extra: unknown key' "$BIN" replay "$TMP/unknown.json"
refuse 'unknown-arg.json: \$\.steps\[1\]\.args\.bogus: unknown key' "$BIN" replay "$TMP/unknown-arg.json"
refuse 'unknown-step.json: \$\.steps\[2\]\.bogus: unknown key' "$BIN" replay "$TMP/unknown-step.json"
refuse 'dup.json: \$\.name: duplicate key' "$BIN" replay "$TMP/dup.json"
refuse 'dup-step.json: \$\.steps\[0\]\.events: duplicate key' "$BIN" replay "$TMP/dup-step.json"
mkfifo "$TMP/tfifo.json"
refuse 'tfifo.json: cannot open \(not a regular file\)' "$BIN" replay "$TMP/tfifo.json"
ok "traces: trailing data, duplicate and unknown keys, a FIFO refused with the JSON path"

# ---- scenarios: FIFO and directory ----
mkfifo "$TMP/scn.json"
refuse 'scn.json: \$: expected a readable file, got not a regular file' "$BIN" run --no-db "$TMP/scn.json"
refuse 'expected a readable file, got not a regular file' "$BIN" run --no-db "$TMP"
ok "scenarios: a FIFO or a directory refused without blocking"
