#!/usr/bin/env bash
# Program-level tests: the avrami binary run as a user runs it.
# usage: tests/cli/run.sh path/to/avrami
set -euo pipefail
BIN=${1:?usage: run.sh path/to/avrami}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"

T=tests/conformance
# --- replay: the recorded traces, and what it says about bad ones ---
expect_exit 0 '^replay: 102 traces, 4968 steps, 0 mismatches$' "$BIN" replay --quiet $T/*.json
expect_exit 2 'no trace files' "$BIN" replay
expect_exit 2 'unknown option' "$BIN" replay --bogus $T/fee-zero.json
expect_exit 0 'usage: avrami replay' "$BIN" replay --help
expect_exit 2 'nonexistent.json: cannot open' "$BIN" replay "$TMP/nonexistent.json"
printf '{"format": "helium-trace/1", ' >"$TMP/trunc.json"
expect_exit 2 'trunc.json: invalid JSON near byte' "$BIN" replay "$TMP/trunc.json"
# a mutated recording must be reported as a mismatch with its path
python3 - "$T/gpt-order-d012.json" "$TMP" <<'PY'
import json, sys
src, tmp = sys.argv[1], sys.argv[2]
t = json.load(open(src))
t['steps'][8]['events'][0]['fee'] = "36000000000000000003"
json.dump(t, open(tmp + '/fee.json', 'w'))
t = json.load(open(src)); t['steps'][3]['op'] = 'frobnicate'
json.dump(t, open(tmp + '/op.json', 'w'))
t = json.load(open(src)); t['steps'][5]['args']['round'] = 'one'
json.dump(t, open(tmp + '/round.json', 'w'))
t = json.load(open(src)); t['steps'][4]['from'] = 'n9'
json.dump(t, open(tmp + '/actor.json', 'w'))
t = json.load(open(src)); t['steps'][3]['args']['task_fee'] = '1e18'
json.dump(t, open(tmp + '/wei.json', 'w'))
t = json.load(open(src)); del t['steps'][2]['state']
json.dump(t, open(tmp + '/state.json', 'w'))
PY
expect_exit 1 'steps\[8\]\.events\[0\]\.fee' "$BIN" replay "$TMP/fee.json"
expect_exit 1 'expected: "36000000000000000003"' "$BIN" replay "$TMP/fee.json"
expect_exit 2 'op.json: \$\.steps\[3\]\.op: unknown op "frobnicate"' "$BIN" replay "$TMP/op.json"
expect_exit 2 'round.json: \$\.steps\[5\]\.args\.round: expected a non-negative integer' "$BIN" replay "$TMP/round.json"
expect_exit 2 'actor.json: \$\.steps\[4\]\.from: expected an actor listed in \$\.accounts' "$BIN" replay "$TMP/actor.json"
expect_exit 2 'wei.json: \$\.steps\[3\]\.args\.task_fee: expected a decimal wei amount' "$BIN" replay "$TMP/wei.json"
expect_exit 2 'state.json: \$\.steps\[2\]\.state: missing field' "$BIN" replay "$TMP/state.json"
# good and bad together: the good one is still replayed, exit 2
expect_exit 2 'replay: 1 traces, 27 steps, 0 mismatches' "$BIN" replay "$TMP/op.json" $T/gpt-order-d012.json

# the project's copy of the traces must stay identical to the shared source
SHARED=../shared/conformance/traces
if [ -d "$SHARED" ]; then
  if diff -rq "$SHARED" $T >/dev/null; then ok; else bad "tests/conformance differs from $SHARED (copy them again)"; fi
fi

# --- top level ---
expect_exit 2 'unknown command' "$BIN" frobnicate
expect_exit 2 "unknown command 'sweeep'; did you mean 'sweep'\\?" "$BIN" sweeep
expect_exit 2 "did you mean 'report'\\?" "$BIN" reprot
expect_exit 0 'commands:' "$BIN" --help

# --- timing: card efficiencies derived from published measurements ---
expect_exit 0 'efficiency \(Q4_0 weights\): bandwidth 0\.706 \(from the card.s published measurement\)' \
  "$BIN" timing --card "RTX 4090" --model Llama-2-7B --bits 4
expect_exit 0 'efficiency \(F16 weights\): bandwidth 0\.691' "$BIN" timing --card "M2 Ultra" --model Llama-2-7B --bits 16
expect_exit 0 'bandwidth 0\.[0-9]+ \(host calibrated default\)' "$BIN" timing --card "RTX 3080" --model Llama-2-7B --bits 4
python3 - models/cards.json "$TMP" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
del c['cards'][2]['sources']['fp32_tflops']
json.dump(c, open(sys.argv[2] + '/unsourced.json', 'w'))
PY
expect_exit 2 'unsourced.json: \.cards\[2\]\.sources\.fp32_tflops: expected the source' \
  "$BIN" timing --cards "$TMP/unsourced.json" --card "RTX 4090" --model Llama-2-7B

# --- run --set: one edit of the scenario, validated like the file ---
S=scenarios/attack-timeout.json
"$BIN" run $S --set protocol.kickout_threshold=10 --set duration_s=1200 --out "$TMP/set.db" --quiet
python3 - "$S" "$TMP/edited.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s['protocol'] = {'kickout_threshold': 10}; s['duration_s'] = 1200
json.dump(s, open(sys.argv[2], 'w'))
PY
"$BIN" run "$TMP/edited.json" --out "$TMP/file.db" --quiet
if [ "$(sqlite3 "$TMP/set.db" 'select count(*), sum(outcome is not null) from tasks; select income_wei from nodes')" \
     = "$(sqlite3 "$TMP/file.db" 'select count(*), sum(outcome is not null) from tasks; select income_wei from nodes')" ]; then ok
else bad "run --set differs from the same edit written into the file"; fi
expect_exit 0 '"kickout_threshold":[[:space:]]*10' sqlite3 "$TMP/set.db" "select value from run where key = 'scenario'"
expect_exit 2 'did you mean "kickout_threshold"' "$BIN" run $S --set protocol.kickout_thresold=10 --no-db
expect_exit 2 'expected one value \(a grid of values is `avrami sweep`\)' "$BIN" run $S --set protocol.kickout_threshold=10,20 --no-db
expect_exit 2 'network.cards has no element \[3\]' "$BIN" run $S --set 'network.cards[3].card=x' --no-db
# settings that validate but cannot mean what they seem: a warning, and the run goes on
expect_exit 0 'warning: the run lasts 600 s, not longer than warmup_s 3600 s' \
  "$BIN" run scenarios/helium-baseline.json --duration 600 --no-db --quiet
expect_exit 0 'warning: protocol.kickout_threshold 1000 is not below the largest QoS window sum, 60' \
  "$BIN" run $S --set protocol.kickout_threshold=1000 --duration 600 --no-db --quiet
if "$BIN" run $S --duration 600 --no-db --quiet 2>&1 | grep -q warning; then
  bad "a plain run warns"; else ok; fi

# avrami finds models/ and plots/ from any working directory (util/datadir.h)
REPO=$(pwd)
if (cd "$TMP" && "$REPO/$BIN" run "$REPO/scenarios/helium-baseline.json" --duration 120 --no-db --quiet); then ok
else bad "run from another directory cannot find models/"; fi
if (cd "$TMP" && AVRAMI_DATA="$TMP/nowhere" "$REPO/$BIN" run "$REPO/$S" --duration 60 --no-db --quiet); then ok
else bad "an AVRAMI_DATA without models/ must fall back to the other places"; fi
# make install PREFIX=...: the installed binary finds its installed data; uninstall removes it
if make -s --no-print-directory install PREFIX="$TMP/inst" BUILD="$(dirname "$BIN")" >/dev/null &&
   (cd "$TMP" && "$TMP/inst/bin/avrami" run "$TMP/inst/share/avrami/$S" --duration 60 --no-db --quiet) &&
   make -s --no-print-directory uninstall PREFIX="$TMP/inst" BUILD="$(dirname "$BIN")" &&
   [ ! -e "$TMP/inst/bin/avrami" ] && [ ! -e "$TMP/inst/share/avrami" ]; then ok
else bad "make install / uninstall"; fi
# plots: gnuplot's warnings on a short run ("empty x range") stay hidden
"$BIN" run $S --duration 600 --out "$TMP/short.db" --quiet
if (cd "$TMP" && "$REPO/$BIN" plot short.db --out plots >/dev/null 2>"$TMP/plot.err") && [ ! -s "$TMP/plot.err" ]; then ok
else bad "plot from another directory printed: $(head -3 "$TMP/plot.err")"; fi

# sweep: paired differences against --baseline; bounded intervals printed clipped
expect_exit 0 'Δ: the paired difference against point 1' \
  "$BIN" sweep $S --set protocol.kickout_threshold=10,20 --reps 3 --duration 1200 --baseline 1 --out "$TMP/pd.db"
expect_exit 0 'kick-outs +[0-9.]+ (± [0-9.]+|\[0\.0000, [0-9.]+\]) +Δ [+-][0-9.]+ ± [0-9.]+' \
  "$BIN" sweep $S --set protocol.kickout_threshold=10,20 --reps 3 --duration 1200 --out "$TMP/pd.db"
expect_exit 2 'the grid has points 0 to 1' \
  "$BIN" sweep $S --set protocol.kickout_threshold=10,20 --reps 3 --duration 1200 --baseline 2 --out "$TMP/pd.db"
expect_exit 2 'the sweep has points 0 to 1' "$BIN" report "$TMP/pd.db" --baseline 5 --out "$TMP/pdr"
if [ ! -e "$TMP/pdr/report.md" ]; then ok; else bad "a failed report left report.md"; fi

# --- the simulator: run, check, determinism, golden summaries (own script) ---
if tests/cli/sim.sh "$BIN"; then ok; else bad "tests/cli/sim.sh"; fi
# --- sweeps: grid, replications, resume, workers, MPI (own script) ---
if tests/cli/sweep.sh "$BIN"; then ok; else bad "tests/cli/sweep.sh"; fi
if tests/cli/export.sh "$BIN"; then ok; else bad "tests/cli/export.sh"; fi
if tests/cli/plot.sh "$BIN"; then ok; else bad "tests/cli/plot.sh"; fi
if tests/cli/python.sh "$BIN"; then ok; else bad "tests/cli/python.sh"; fi

# --- gpt tasks (own script) ---
if tests/cli/gpt.sh "$BIN"; then ok; else bad "tests/cli/gpt.sh"; fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
