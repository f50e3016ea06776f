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
expect_exit 0 '^replay: 54 traces, 1209 steps, 0 mismatches$' "$BIN" replay --quiet $T/vss/*.json
# a mutated VSS recording: a payment, a node entry the step changed, a download notice
python3 - "$T/vss" "$TMP" <<'PY'
import json, sys
src, tmp = sys.argv[1], sys.argv[2]
t = json.load(open(src + '/group-all-agree.json'))
i, k = next((i, k) for i, s in enumerate(t['steps']) for k, v in s['state']['tasks'].items() if v['payments'])
p = t['steps'][i]['state']['tasks'][k]['payments'][0]
p[1] = str(int(p[1]) + 1)
json.dump(t, open(tmp + '/vpay.json', 'w'))
print(i, file=open(tmp + '/vpay.step', 'w'))
t = json.load(open(src + '/group-all-agree.json')); del t['steps'][0]['state']['nodes']['n0']
json.dump(t, open(tmp + '/vnode.json', 'w'))
t = json.load(open(src + '/version-and-models.json'))
ev = next(e for s in t['steps'] for e in s['events'] if e['name'] == 'DownloadModel')
ev['node'] = 'n2' if ev['node'] != 'n2' else 'n0'
json.dump(t, open(tmp + '/vdl.json', 'w'))
t = json.load(open(src + '/single-success.json')); t['params']['sampling_modulus'] = 100
json.dump(t, open(tmp + '/vmod.json', 'w'))
t = json.load(open(src + '/single-success.json')); t['steps'][4]['op'] = 'report_parameters'
json.dump(t, open(tmp + '/vop.json', 'w'))
PY
expect_exit 1 "steps\\[$(cat "$TMP/vpay.step")\\]\\.state\\.tasks\\.0x[0-9a-f]*\\.payments\\[0\\]\\[1\\]" "$BIN" replay "$TMP/vpay.json"
expect_exit 1 'steps\[0\]\.state\.nodes\.n0' "$BIN" replay "$TMP/vnode.json"
expect_exit 1 'download notices are not a choice the contract could make' "$BIN" replay "$TMP/vdl.json"
expect_exit 2 'vmod.json: \$\.params\.sampling_modulus: expected 10' "$BIN" replay "$TMP/vmod.json"
expect_exit 2 'vop.json: \$\.steps\[4\]\.op: unknown op "report_parameters"' "$BIN" replay "$TMP/vop.json"
# Hydrogen (hydrogen-trace/1, recorded by oracle/hydrogen): every trace, and mutated ones
expect_exit 0 '^replay: 22 traces, 2991 steps, 0 mismatches$' "$BIN" replay --quiet $T/hydrogen/*.json
python3 - "$T/hydrogen" "$TMP" <<'PY'
import json, sys
src, tmp = sys.argv[1], sys.argv[2]
t = json.load(open(src + '/error-two-agree-third-paid.json'))
e = next(e for s in t['steps'] for e in s['events'] if e['name'] == 'TaskAborted')
e['reason'] = 'Task Cancelled'
json.dump(t, open(tmp + '/hreason.json', 'w'))
t = json.load(open(src + '/try-delete-keeps-task.json'))
s = next(s for s in t['steps'] if None in s['state']['tasks'].values())
s['state']['tasks'] = {}
json.dump(t, open(tmp + '/hdelete.json', 'w'))
print(s['i'], file=open(tmp + '/hdelete.step', 'w'))
# a gpt task started on a node of another GPU than its two partners
t = json.load(open(src + '/create-task-reverts.json'))
s = next(s for s in t['steps'] if s['ok'] and s['op'] == 'create_task' and s['args']['task_type'] == 'gpt')
s['events'][2]['node'] = 'n2'
json.dump(t, open(tmp + '/hforced.json', 'w'))
t = json.load(open(src + '/cancel-timeouts.json'))
c = next(s for s in t['steps'] if s['op'] == 'create_task')
c['args']['task_fee'] = '30000000000000000000'
json.dump(t, open(tmp + '/hfee.json', 'w'))
print(c['i'], file=open(tmp + '/hfee.step', 'w'))
t = json.load(open(src + '/cancel-timeouts.json')); del t['params']['task_fee_per_node_wei']
json.dump(t, open(tmp + '/hparam.json', 'w'))
t = json.load(open(src + '/cancel-timeouts.json')); t['params']['task_timeout_s'] = 899
json.dump(t, open(tmp + '/htimeout.json', 'w'))
PY
expect_exit 1 'steps\[[0-9]*\]\.events\[0\]\.reason' "$BIN" replay "$TMP/hreason.json"
expect_exit 1 "steps\\[$(cat "$TMP/hdelete.step")\\]\\.state\\.tasks\\.[0-9]+" "$BIN" replay "$TMP/hdelete.json"
expect_exit 1 'an eligible node selection' "$BIN" replay "$TMP/hforced.json"
expect_exit 2 "hfee.json: \\\$\\.steps\\[$(cat "$TMP/hfee.step")\\]\\.args\\.task_fee: unknown key" "$BIN" replay "$TMP/hfee.json"
expect_exit 2 'hparam.json: \$\.params\.task_fee_per_node_wei: missing field' "$BIN" replay "$TMP/hparam.json"
expect_exit 1 'steps\[[0-9]+\]\.ok' "$BIN" replay "$TMP/htimeout.json"
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
t = json.load(open(src)); a = list(t['accounts'])
t['accounts'][a[0]] = t['accounts'][a[1]] = str(2**127)
json.dump(t, open(tmp + '/open.json', 'w'))
PY
expect_exit 1 'steps\[8\]\.events\[0\]\.fee' "$BIN" replay "$TMP/fee.json"
expect_exit 1 'expected: "36000000000000000003"' "$BIN" replay "$TMP/fee.json"
expect_exit 2 'op.json: \$\.steps\[3\]\.op: unknown op "frobnicate"' "$BIN" replay "$TMP/op.json"
expect_exit 2 'round.json: \$\.steps\[5\]\.args\.round: expected a non-negative integer' "$BIN" replay "$TMP/round.json"
expect_exit 2 'actor.json: \$\.steps\[4\]\.from: expected an actor listed in \$\.accounts' "$BIN" replay "$TMP/actor.json"
expect_exit 2 'wei.json: \$\.steps\[3\]\.args\.task_fee: expected a decimal wei amount' "$BIN" replay "$TMP/wei.json"
expect_exit 2 'state.json: \$\.steps\[2\]\.state: missing field' "$BIN" replay "$TMP/state.json"
expect_exit 2 'open.json: \$\.accounts: opening balances overflow 128 bits' "$BIN" replay "$TMP/open.json"
# good and bad together: the good one is still replayed, exit 2
expect_exit 2 'replay: 1 traces, 27 steps, 0 mismatches' "$BIN" replay "$TMP/op.json" $T/gpt-order-d012.json

# the project's copy of the traces must stay identical to the shared source
# (tests/conformance/vss/ and hydrogen/ are not copies: oracle/vss and
# oracle/hydrogen record those traces)
SHARED=../shared/conformance/traces
if [ -d "$SHARED" ]; then
  if diff -rq -x vss -x hydrogen "$SHARED" $T >/dev/null; then ok; else bad "tests/conformance differs from $SHARED (copy them again)"; fi
fi

# --- top level ---
expect_exit 2 'unknown command' "$BIN" frobnicate
expect_exit 2 "unknown command 'sweeep'; did you mean 'sweep'\\?" "$BIN" sweeep
expect_exit 2 "did you mean 'report'\\?" "$BIN" reprot
expect_exit 0 'commands:' "$BIN" --help

# --- timing: efficiencies fitted from models/validation/fit.json, per card, family, vendor ---
expect_exit 0 'runtime llama.cpp \(Q4_0 weights\): bandwidth efficiency 0\.[0-9]+ \(from the card.s own measurements\).*ms per forward on the NVIDIA backend' \
  "$BIN" timing --card "RTX 4090" --model Llama-2-7B --bits 4 --runtime llama.cpp
expect_exit 0 'F16 weights.*\(from the card.s own measurements\)' "$BIN" timing --card "M2 Ultra" --model Llama-2-7B --bits 16 --runtime llama.cpp
expect_exit 0 'bandwidth efficiency 0\.[0-9]+ \(from its family.s measurements\)' \
  "$BIN" timing --card "RTX 3080" --model Llama-2-7B --bits 4 --runtime llama.cpp
expect_exit 0 'CUDA_LAUNCH_BLOCKING=1' "$BIN" timing --card "RTX 3080" --model Llama-3-8B --bits 8
expect_exit 0 'launches overlapping the GPU' "$BIN" timing --card "RTX 3080" --model Llama-3-8B --bits 8 --no-launch-blocking
expect_exit 0 'no Metal backend' "$BIN" timing --card "M2 Max" --model Llama-3-8B --bits 4
expect_exit 0 'work   25 steps, 1024x1024' "$BIN" timing --card "RTX 4090" --model sdxl
# --- timing: a card too small for the model (device_map="auto"), and the failures ---
expect_exit 0 'offload +18\.[0-9]+ GB of weights in host memory.*at 31\.5 GB/s' \
  "$BIN" timing --card "RTX 4070" --model Mistral-7B --bits 32 --prompt 256 --new 2048
expect_exit 0 'at 15\.8 GB/s' "$BIN" timing --card "RTX 4070" --model Mistral-7B --bits 32 --h2d 15.75
expect_exit 0 'fails    quantized model offloaded \(execution error\)' "$BIN" timing --card "RTX 3080" --model Llama-3-8B --bits 8
expect_exit 0 'fails    out of memory' "$BIN" timing --card "RTX 4060" --model sdxl
expect_exit 2 'h2d: expected a valid value' "$BIN" timing --card "RTX 4060" --model sdxl --h2d 0
expect_exit 0 'transformers +NVIDIA +decode' "$BIN" timing --validate
expect_exit 0 'transformers +NVIDIA +prefill +- +- +- +[0-9]+ ' "$BIN" timing --validate
expect_exit 2 'runtime: expected transformers or llama.cpp' "$BIN" timing --card "RTX 4090" --model gpt2 --runtime diffusers
python3 - models/cards.json "$TMP" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
del c['cards'][2]['sources']['fp32_tflops']
json.dump(c, open(sys.argv[2] + '/unsourced.json', 'w'))
PY
expect_exit 2 'unsourced.json: \.cards\[2\]\.sources\.fp32_tflops: expected the source' \
  "$BIN" timing --cards "$TMP/unsourced.json" --card "RTX 4090" --model Llama-2-7B

# --- calibrate: host.json says where it was fitted; --check warns elsewhere ---
expect_exit 0 'cpu: .*CPUs' "$BIN" calibrate --quick --threads 1 --out "$TMP/host.json"
python3 - "$TMP/host.json" <<'PY2'
import json, sys
h = json.load(open(sys.argv[1]))
assert h['cpu']['model'] and h['cpu']['cpus'] >= 1 and 'loadavg_1min' in h['load_before']
h['cpu']['model'] = 'Another CPU'
json.dump(h, open(sys.argv[1][:-5] + '-other.json', 'w'))
slow = json.load(open(sys.argv[1]))
slow['read_gbs'] = [r / 10 for r in slow['read_gbs']]
json.dump(slow, open(sys.argv[1][:-5] + '-slowread.json', 'w'))
del h['cpu']
json.dump(h, open(sys.argv[1][:-5] + '-old.json', 'w'))
PY2
# a calibration that read memory at another rate than the check does is named
expect_exit 0 'the 1-thread read bandwidth is [0-9.]+ GB/s, [0-9.]+ at calibration' "$BIN" calibrate --quick --check --threads 1 --out "$TMP/host-slowread.json"
expect_exit 0 'was fitted on another CPU \(Another CPU' "$BIN" calibrate --quick --check --threads 1 --out "$TMP/host-other.json"
expect_exit 0 'does not say which CPU it was fitted on' "$BIN" calibrate --quick --check --threads 1 --out "$TMP/host-old.json"
# --refit fits the stored points again: the points are written bit for bit,
# so with the model unchanged the fits come out identical
cp "$TMP/host.json" "$TMP/host-refit.json"
expect_exit 0 'refitted [0-9]+ points' "$BIN" calibrate --refit --out "$TMP/host-refit.json"
if python3 - "$TMP/host.json" "$TMP/host-refit.json" <<'PY3'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a['points'] == b['points'] and a['cpu'] == b['cpu'], 'refit moved the measurements'
assert len(a['fits']) > 0 and a['fits'] == b['fits'], 'refit moved the fits'
PY3
then ok; else bad "calibrate --refit of an unchanged model moved the fits"; fi
python3 - "$TMP/host.json" <<'PY4'
import json, sys
h = json.load(open(sys.argv[1]))
h['points'][3]['seconds'] = -1
json.dump(h, open(sys.argv[1][:-5] + '-bad.json', 'w'))
PY4
cp "$TMP/host-bad.json" "$TMP/host-bad-before.json"
expect_exit 2 'host-bad.json: \.points\[3\]\.seconds: expected a positive number' "$BIN" calibrate --refit --out "$TMP/host-bad.json"
if cmp -s "$TMP/host-bad.json" "$TMP/host-bad-before.json"; then ok; else bad "a failed --refit rewrote its file"; fi
expect_exit 2 '--refit and --check: expected one of them' "$BIN" calibrate --refit --check --out "$TMP/host.json"
# a host.json with its points and no fits (or fits of another model) is refitted whole
python3 -c "import json, sys; h = json.load(open(sys.argv[1])); del h['fits']; json.dump(h, open(sys.argv[2], 'w'))" \
  "$TMP/host.json" "$TMP/host-nofits.json"
expect_exit 0 'refitted [0-9]+ points' "$BIN" calibrate --refit --out "$TMP/host-nofits.json"
expect_exit 0 'cpu: .*CPUs' "$BIN" calibrate --quick --check --threads 1 --out "$TMP/host-nofits.json"

# --- the simulator: run, check, determinism, golden summaries (own script) ---
if tests/cli/sim.sh "$BIN"; then ok; else bad "tests/cli/sim.sh"; fi
# --- hostile inputs: CSV, traces, FIFOs, limits (own script) ---
if tests/cli/inputs.sh "$BIN"; then ok; else bad "tests/cli/inputs.sh"; fi
# --- avrami check against tampered databases (own script) ---
if tests/cli/check.sh "$BIN"; then ok; else bad "tests/cli/check.sh"; fi
# --- sweeps: grid, replications, resume, workers, MPI (own script) ---
if tests/cli/sweep.sh "$BIN"; then ok; else bad "tests/cli/sweep.sh"; fi
if tests/cli/compare.sh "$BIN"; then ok; else bad "tests/cli/compare.sh"; fi
if tests/cli/export.sh "$BIN"; then ok; else bad "tests/cli/export.sh"; fi
if tests/cli/plot.sh "$BIN"; then ok; else bad "tests/cli/plot.sh"; fi
if tests/cli/python.sh "$BIN"; then ok; else bad "tests/cli/python.sh"; fi
# --- run --set, warnings, data from any directory, install, paired differences (own script) ---
if tests/cli/usability.sh "$BIN"; then ok; else bad "tests/cli/usability.sh"; fi

# --- gpt tasks (own script) ---
if tests/cli/gpt.sh "$BIN"; then ok; else bad "tests/cli/gpt.sh"; fi
if tests/cli/tokens.sh "$BIN"; then ok; else bad "tests/cli/tokens.sh"; fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
