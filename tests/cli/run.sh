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

# --- the simulator: run, check, determinism, golden summaries (own script) ---
if tests/cli/sim.sh "$BIN"; then ok; else bad "tests/cli/sim.sh"; fi
# --- sweeps: grid, replications, resume, workers, MPI (own script) ---
if tests/cli/sweep.sh "$BIN"; then ok; else bad "tests/cli/sweep.sh"; fi
if tests/cli/export.sh "$BIN"; then ok; else bad "tests/cli/export.sh"; fi
if tests/cli/plot.sh "$BIN"; then ok; else bad "tests/cli/plot.sh"; fi

# --- gpt tasks (own script) ---
if tests/cli/gpt.sh "$BIN"; then ok; else bad "tests/cli/gpt.sh"; fi
if tests/cli/tokens.sh "$BIN"; then ok; else bad "tests/cli/tokens.sh"; fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
