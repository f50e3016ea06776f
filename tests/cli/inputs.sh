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
t = json.load(open(src)); t['params']['task_score_pool_size'] = 4
json.dump(t, open(tmp + '/window.json', 'w'))
s = open(src).read()
open(tmp + '/dup.json', 'w').write(s.replace('"format"', '"name": "x", "format"', 1))
i = s.index('"state"')
open(tmp + '/dup-step.json', 'w').write(s[:i] + '"events": [], ' + s[i:])
PY
refuse 'unknown.json: \$\.extra: unknown key' "$BIN" replay "$TMP/unknown.json"
refuse 'unknown-arg.json: \$\.steps\[1\]\.args\.bogus: unknown key' "$BIN" replay "$TMP/unknown-arg.json"
refuse 'unknown-step.json: \$\.steps\[2\]\.bogus: unknown key' "$BIN" replay "$TMP/unknown-step.json"
refuse 'window.json: \$\.params\.task_score_pool_size: expected an integer from 1 to 3 .*got 4' "$BIN" replay "$TMP/window.json"
refuse 'dup.json: \$\.name: duplicate key' "$BIN" replay "$TMP/dup.json"
refuse 'dup-step.json: \$\.steps\[0\]\.events: duplicate key' "$BIN" replay "$TMP/dup-step.json"
mkfifo "$TMP/tfifo.json"
refuse 'tfifo.json: cannot open \(not a regular file\)' "$BIN" replay "$TMP/tfifo.json"
ok "traces: trailing data, duplicate and unknown keys, a QoS window other than the contract's, a FIFO refused with the JSON path"

# ---- scenarios: FIFO and directory ----
mkfifo "$TMP/scn.json"
refuse 'scn.json: \$: expected a readable file, got not a regular file' "$BIN" run --no-db "$TMP/scn.json"
refuse 'expected a readable file, got not a regular file' "$BIN" run --no-db "$TMP"
ok "scenarios: a FIFO or a directory refused without blocking"

# ---- scenario values: money in 128 bits, memory within limits.memory_gb ----
CARD='"cards": [{"card": "NVIDIA GeForce RTX 4090"}]'
TASKS='"tasks": [{"type": "sd", "fee": {"wei": "1"}}]'
scn() { printf '%s\n' "$2" >"$TMP/$1.json"; }
scn rate "{\"network\": {\"nodes\": 5, $CARD}, \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1e9}, $TASKS}]}"
refuse 'rate.json: \$\.applications\[0\]\.arrival\.rate_per_h: expected a run that fits in \$\.limits\.memory_gb = 4 GB, got an estimated 3\.24e\+04 GB over 86400 s .*raise \$\.limits\.memory_gb' \
  "$BIN" run --no-db "$TMP/rate.json"
scn joins "{\"network\": {\"nodes\": 5, $CARD, \"churn\": {\"join_rate_per_h\": 1e7}}, \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1}, $TASKS}]}"
refuse 'joins.json: \$\.network\.churn\.join_rate_per_h: expected a run that fits.*estimated 9[0-9.]* GB' "$BIN" run --no-db "$TMP/joins.json"
scn joins2 "{\"network\": {\"nodes\": 5, $CARD, \"churn\": {\"join_rate_per_h\": 1e9}}, \"duration_s\": 36000, \"limits\": {\"memory_gb\": 1e6}, \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1}, $TASKS}]}"
refuse 'joins2.json: \$\.network\.churn\.join_rate_per_h: expected fewer than 2\^31 nodes' "$BIN" run --no-db "$TMP/joins2.json"
scn nodes "{\"network\": {\"nodes\": 50000000, $CARD}, \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1}, $TASKS}]}"
refuse 'nodes.json: \$\.network\.nodes: expected a run that fits in \$\.limits\.memory_gb = 4 GB, got an estimated 10 GB' "$BIN" run --no-db "$TMP/nodes.json"
scn raised "{\"network\": {\"nodes\": 5, $CARD}, \"duration_s\": 3600, \"limits\": {\"memory_gb\": 0.001}, \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1000}, $TASKS}]}"
refuse 'raised.json: .*expected a run that fits in \$\.limits\.memory_gb = 0\.001 GB' "$BIN" run --no-db "$TMP/raised.json"
sed 's/0\.001/1/' "$TMP/raised.json" >"$TMP/raised2.json"
"$BIN" run --no-db --quiet "$TMP/raised2.json" || die "a raised memory limit is not honoured"
refuse 'helium-baseline.json: \$\.applications\[0\]\.arrival\.rate_per_h: expected a run that fits.*\(--duration 100000000\)' \
  "$BIN" run --no-db --duration 100000000 scenarios/helium-baseline.json
refuse '\-\-duration: expected seconds from 1 to 315360000, got 9300000000000' \
  "$BIN" run --no-db --duration 9300000000000 scenarios/helium-baseline.json
refuse '\-\-duration: expected a positive integer' "$BIN" sweep --duration 9300000000000 --out "$TMP/s.db" scenarios/helium-baseline.json
scn stake "{\"network\": {\"nodes\": 5, $CARD}, \"protocol\": {\"stake\": \"170141183460469231731687303715884105728\"}, \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1}, $TASKS}]}"
refuse 'stake.json: \$\.protocol\.stake: expected at most 39614081257132168796771975167 wei' "$BIN" run --no-db "$TMP/stake.json"
scn balance "{\"network\": {\"nodes\": 5, $CARD}, \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1}, $TASKS}, {\"balance\": \"340282366920938463463374607431768211455\", \"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1}, $TASKS}]}"
refuse 'balance.json: \$\.applications\[1\]\.balance: expected the balances of all applications plus 2\^32 stakes to stay below 2\^127 wei' \
  "$BIN" run --no-db "$TMP/balance.json"
scn escape "{\"name\": \"../../out/escape\", \"network\": {\"nodes\": 5, $CARD}, \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate_per_h\": 1}, $TASKS}]}"
refuse 'escape.json: \$\.name: expected letters, digits' "$BIN" run "$TMP/escape.json"
ok "scenario limits: memory estimate with the key to raise it, 2^31 nodes, --duration, 128-bit money, names"

# ---- faults: a second run to the same --out, full disks, interrupted runs ----
"$BIN" run --quiet --duration 864000 --out "$TMP/same.db" scenarios/helium-baseline.json &
first=$!
for _ in $(seq 100); do [ -e "$TMP/same.db.lock" ] && break; sleep 0.05; done
refuse 'same.db: cannot write: another avrami run is writing it' \
  "$BIN" run --quiet --duration 600 --out "$TMP/same.db" scenarios/vanishing-nodes.json
kill -INT "$first"; wait "$first" || true
[ ! -e "$TMP/same.db.lock" ] && [ ! -e "$TMP/same.db.tmp" ] || die "lock or temp file left behind"
[ "$(sqlite3 "$TMP/same.db" "SELECT value FROM run WHERE key = 'scenario_name'")" = helium-baseline ] \
  || die "the second run replaced the first one's database"
ok "two runs to one --out: the second is refused while the first runs; nothing left behind"

# a file-size limit stands in for a full disk: writes fail with EFBIG
full() { local lim=$1; shift; ( trap '' XFSZ; ulimit -f "$lim"; exec "$@" ); }
"$BIN" run --quiet --duration 14400 --out "$TMP/ok.db" scenarios/helium-baseline.json
rc=0; full 64 "$BIN" run --quiet --duration 3600 --out "$TMP/full.db" scenarios/helium-baseline.json 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "full.db.tmp: " "$TMP/err" || { cat "$TMP/err"; die "run on a full disk: exit $rc"; }
[ ! -e "$TMP/full.db" ] && [ ! -e "$TMP/full.db.tmp" ] || die "run on a full disk left a file"
rc=0; full 64 "$BIN" export "$TMP/ok.db" tasks --out "$TMP/t.csv" 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "t.csv: cannot write: File too large" "$TMP/err" || { cat "$TMP/err"; die "export on a full disk: exit $rc"; }
[ ! -e "$TMP/t.csv" ] && [ ! -e "$TMP/t.csv.tmp" ] || die "export on a full disk left a file"
for lim in 100 300; do
  rm -rf "$TMP/p"
  rc=0; full $lim "$BIN" plot "$TMP/ok.db" --out "$TMP/p" >/dev/null 2>"$TMP/err" || rc=$?
  [ "$rc" -eq 2 ] && grep -Eq "avrami plot: $TMP/p/[a-z_]+\.(tsv|png|svg): cannot write: " "$TMP/err" \
    || { cat "$TMP/err"; die "plot on a full disk ($lim KB): exit $rc"; }
  ! ls "$TMP/p" | grep -q '\.tmp$\|\.part\.' || die "plot on a full disk left a temp file"
  # what is left is whole: every PNG ends with IEND, every SVG with </svg>
  for png in "$TMP"/p/*.png; do [ -e "$png" ] || continue; tail -c 8 "$png" | grep -q IEND || die "truncated $png left"; done
  for svg in "$TMP"/p/*.svg; do [ -e "$svg" ] || continue; tail -c 16 "$svg" | grep -q '</svg>' || die "truncated $svg left"; done
done
rc=0; full 300 "$BIN" report "$TMP/ok.db" --out "$TMP/rep" >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "cannot write" "$TMP/err" || { cat "$TMP/err"; die "report on a full disk: exit $rc"; }
[ ! -e "$TMP/rep/report.md" ] || die "report on a full disk wrote report.md"
ok "full disk: run, export, plot and report exit 2 naming the file and the cause, leaving no partial file"

# an interrupted run as `run` leaves it (complete = 0), with data past the warm-up
cp "$TMP/ok.db" "$TMP/int.db"
sqlite3 "$TMP/int.db" "UPDATE run SET value = '0' WHERE key = 'complete'"
for cmd in "plot $TMP/int.db --out $TMP/ip" "report $TMP/int.db --out $TMP/ir" "export $TMP/int.db tasks --out $TMP/i.csv"; do
  rc=0; "$BIN" $cmd >/dev/null 2>"$TMP/err" || rc=$?
  [ "$rc" -eq 1 ] && grep -q "is an incomplete run" "$TMP/err" || { cat "$TMP/err"; die "${cmd%% *} of an interrupted run: exit $rc"; }
done
grep -q '^\*\*Incomplete run\*\*' "$TMP/ir/report.md" || die "the report of an interrupted run does not say so"
mkfifo "$TMP/db.fifo"
for cmd in "check $TMP/db.fifo" "plot $TMP/db.fifo --out $TMP/fp" "report $TMP/db.fifo --out $TMP/fr" "export $TMP/db.fifo tasks"; do
  rc=0; timeout 10 "$BIN" $cmd >/dev/null 2>&1 </dev/null || rc=$?
  [ "$rc" -eq 2 ] || die "${cmd%% *} of a FIFO exited $rc, expected 2"
done
ok "interrupted runs: plot, report and export say so and exit 1; a FIFO as a database exits 2"

# ---- other readers: a FIFO as a GPT task or a card file ----
mkfifo "$TMP/task.fifo"
refuse 'task.fifo: cannot read the file' "$BIN" gpt run "$TMP/task.fifo"
refuse 'task.fifo: cannot read the file' "$BIN" gpt estimate "$TMP/task.fifo"
refuse 'task.fifo: cannot read the file \(not a regular file\)' \
  "$BIN" timing --cards "$TMP/task.fifo" --card "RTX 4090" --model Llama-2-7B
ok "GPT task files and card files: a FIFO refused without blocking"
