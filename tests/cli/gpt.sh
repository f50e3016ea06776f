#!/usr/bin/env bash
# Program-level tests of `avrami gpt`: the response shape, determinism, the
# numerics profile, --out, --timing, the simulator's estimate, and what it
# says about bad tasks and tasks it refuses.  Small test models only
# (tests/gpt/tiny-llms.json), so that this stays quick under the sanitizers.
# usage: tests/cli/gpt.sh path/to/avrami
set -euo pipefail
BIN=${1:?usage: gpt.sh path/to/avrami}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
LL=tests/gpt/tiny-llms.json
pass=0
fail=0
. "$(dirname "$0")/lib.sh"

cat >"$TMP/task.json" <<'EOF'
{"model": "test/tiny-chat", "messages": [{"role": "user", "content": "Hello there"}],
 "generation_config": {"max_new_tokens": 16, "do_sample": true, "top_p": 0.9,
                       "num_return_sequences": 3}, "seed": 3}
EOF
# --- the response, exactly in the documented shape ---
"$BIN" gpt run "$TMP/task.json" --llms $LL >"$TMP/a.json"
if python3 - "$TMP/a.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert list(r) == ["model", "choices", "usage"], list(r)
assert r["model"] == "test/tiny-chat"
assert len(r["choices"]) == 3
for i, c in enumerate(r["choices"]):
    assert list(c) == ["index", "finish_reason", "message"] and c["index"] == i
    assert c["finish_reason"] in ("stop", "length")
    assert list(c["message"]) == ["role", "content"] and c["message"]["role"] == "assistant"
    assert isinstance(c["message"]["content"], str)
u = r["usage"]
assert list(u) == ["prompt_tokens", "completion_tokens", "total_tokens"]
assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"] and u["prompt_tokens"] > 0
assert u["completion_tokens"] <= 3 * 16
PY
then ok; else bad "response shape"; fi

# --- determinism: same task, same bytes; --out writes the same; --seed changes it ---
"$BIN" gpt run "$TMP/task.json" --llms $LL --threads 1 >"$TMP/b.json"
if cmp -s "$TMP/a.json" "$TMP/b.json"; then ok; else bad "same task twice differs"; fi
"$BIN" gpt run "$TMP/task.json" --llms $LL --out "$TMP/c.json"
if cmp -s "$TMP/a.json" "$TMP/c.json" && [ ! -e "$TMP/c.json.tmp" ]; then ok; else bad "--out differs from stdout"; fi
"$BIN" gpt run "$TMP/task.json" --llms $LL --seed 4 >"$TMP/d.json"
if ! cmp -s "$TMP/a.json" "$TMP/d.json"; then ok; else bad "--seed did not change the sample"; fi

# --- another numerics profile (card model), another answer ---
cat >"$TMP/greedy.json" <<'EOF'
{"model": "test/small-chat", "messages": [{"role": "user", "content": "What is two plus two?"}],
 "generation_config": {"max_new_tokens": 64}, "quantize_bits": 8}
EOF
"$BIN" gpt run "$TMP/greedy.json" --llms $LL >"$TMP/p1.json"
"$BIN" gpt run "$TMP/greedy.json" --llms $LL --profile l32-pairwise >"$TMP/p2.json"
if ! cmp -s "$TMP/p1.json" "$TMP/p2.json"; then ok; else bad "profiles gave the same response"; fi

# --- timing beside the prediction; the simulator's estimate ---
expect_exit 0 'decode +[0-9]+ steps.*tokens/s' "$BIN" gpt run "$TMP/task.json" --llms $LL --timing --threads 1
expect_exit 0 'outside the kernels' "$BIN" gpt run "$TMP/task.json" --llms $LL --timing --threads 1
expect_exit 0 'prompt   30 tokens \(exact, qwen3\)' "$BIN" gpt estimate examples/gpt/qwen-chat.json --card "RTX 4090"
expect_exit 0 'time .* s on RTX 4090' "$BIN" gpt estimate examples/gpt/qwen-chat.json --card "RTX 4090"
for f in examples/gpt/*.json; do
  expect_exit 0 '^vram' "$BIN" gpt estimate "$f"
done

# --- bad tasks: file, JSON path, what was expected; exit 2 ---
expect_exit 2 'nope.json: cannot read' "$BIN" gpt run "$TMP/nope.json"
printf '{"model": "gpt2", ' >"$TMP/trunc.json"
expect_exit 2 'trunc.json: invalid JSON near byte' "$BIN" gpt run "$TMP/trunc.json"
echo '{"model": "gpt2", "messages": [{"role": "user", "content": "x"}], "generation_config": {"top_p": 1.5}}' >"$TMP/topp.json"
expect_exit 2 'topp.json: \$\.generation_config\.top_p: expected a number > 0 and <= 1' "$BIN" gpt run "$TMP/topp.json"
echo '{"model": "acme/unknown-3B", "messages": [{"role": "user", "content": "x"}]}' >"$TMP/model.json"
expect_exit 2 "model.json: \\\$\\.model: .*no model with the id or name 'acme/unknown-3B'" "$BIN" gpt run "$TMP/model.json"
echo '{"model": "google/gemma-tiny-it", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "x"}]}' >"$TMP/sys.json"
expect_exit 2 'sys.json: \$\.messages\[0\]: the gemma chat template does not support system messages' "$BIN" gpt run "$TMP/sys.json" --llms $LL
echo '{"model": "test/tiny-chat", "messages": [{"role": "user", "content": "x"}], "generation_config": {"max_new_tokens": 300}}' >"$TMP/long.json"
expect_exit 2 "max_new_tokens: the prompt .* exceed tiny-llama's context of 256" "$BIN" gpt run "$TMP/long.json" --llms $LL
expect_exit 2 'needs [0-9.]+ GB of memory.*available; hint: "quantize_bits": 4 would need' "$BIN" gpt run "$TMP/task.json" --llms $LL --mem-gb 0.0001
expect_exit 2 'profile: bad or missing value' "$BIN" gpt run "$TMP/task.json" --profile l8-fast
expect_exit 2 'cannot write' "$BIN" gpt run "$TMP/task.json" --llms $LL --out "$TMP/no/such/dir/r.json"
expect_exit 2 'unknown subcommand' "$BIN" gpt frobnicate
expect_exit 0 'usage: avrami gpt run' "$BIN" gpt --help

echo "gpt: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
