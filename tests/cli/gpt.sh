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
expect_exit 0 'prompt   30 tokens \(exact, qwen2.5\)' "$BIN" gpt estimate examples/gpt/qwen-chat.json --card "RTX 4090"
# data after the task's object is an error, as in the framework's JSON reader
{ cat examples/gpt/gpt2-plain.json; echo ' garbage'; } >"$TMP/trailing.json"
expect_exit 2 "trailing.json: invalid JSON: data after the task's object" "$BIN" gpt estimate "$TMP/trailing.json"
# priced with the runtime Helium's nodes ran, as a scenario's task_file kind is
expect_exit 0 '^runtime +transformers with CUDA_LAUNCH_BLOCKING=1' "$BIN" gpt estimate examples/gpt/qwen-chat.json
expect_exit 0 'time .* s on RTX 4090' "$BIN" gpt estimate examples/gpt/qwen-chat.json --card "RTX 4090"
for f in examples/gpt/*.json; do
  expect_exit 0 '^vram' "$BIN" gpt estimate "$f"
done

# --- bad tasks: file, JSON path, what was expected; exit 2 ---
expect_exit 2 'nope.json: cannot read' "$BIN" gpt run "$TMP/nope.json"
printf '{"model": "gpt2", ' >"$TMP/trunc.json"
expect_exit 2 'trunc.json: invalid JSON near byte' "$BIN" gpt run "$TMP/trunc.json"
echo '{"model": "gpt2", "messages": [{"role": "user", "content": "x"}], "generation_config": {"top_p": -0.5}}' >"$TMP/topp.json"
expect_exit 2 'topp.json: \$\.generation_config\.top_p: expected a number >= 0 when sampling' "$BIN" gpt run "$TMP/topp.json"
# gpt2 samples by default (its config.json), so temperature 0 fails as on a node
echo '{"model": "gpt2", "messages": [{"role": "user", "content": "x"}], "generation_config": {"temperature": 0}}' >"$TMP/t0.json"
expect_exit 2 't0.json: \$\.generation_config\.temperature: expected a number > 0 when do_sample' "$BIN" gpt estimate "$TMP/t0.json"
expect_exit 0 'note: synthetic weights' "$BIN" gpt run "$TMP/task.json" --llms $LL --threads 1
# task files from Crynux's repositories and docs (tests/gpt/real/SOURCES.md):
# all accepted but the one a node refuses
for f in tests/gpt/real/*.json; do
  case "$f" in
    *chatweb-gpt2-temp0.json) expect_exit 2 "temperature: .*do_sample true is gpt2's own default" "$BIN" gpt estimate "$f" ;;
    *) expect_exit 0 '^vram' "$BIN" gpt estimate "$f" ;;
  esac
done
# keys the Helium-era framework ignores: a warning, an error with --strict
cp tests/gpt/real/bridge-auto-qwen2.5.json "$TMP/tools.json"
expect_exit 0 'warning: .*tools.json: \$\.tools: unknown field' "$BIN" gpt estimate "$TMP/tools.json"
expect_exit 2 'tools.json: \$\.tools: unknown field.*--strict' "$BIN" gpt estimate "$TMP/tools.json" --strict
expect_exit 2 'tools.json: \$\.tools: unknown field.*--strict' "$BIN" gpt run "$TMP/tools.json" --strict
# the rendered prompt and its token count
expect_exit 0 '^\{"prompt":"<\|im_start\|>system\\nYou are a concise assistant.<\|im_end\|>\\n.*<\|im_start\|>assistant\\n","prompt_tokens":30\}$' "$BIN" gpt prompt examples/gpt/qwen-chat.json --json
# one count: gpt prompt, gpt estimate and gpt run's usage agree on the same task
expect_exit 0 '"prompt_tokens":30' "$BIN" gpt prompt examples/gpt/qwen-chat.json --json
expect_exit 0 '^prompt +30 tokens \(exact, qwen2.5\)' "$BIN" gpt estimate examples/gpt/qwen-chat.json
# a prompt plus max_new_tokens past the context: accepted as the framework accepts it, with a warning
expect_exit 0 'warning: .*plus 2048 new tokens exceed gpt2.s context of 1024 positions' \
  "$BIN" gpt estimate tests/gpt/real/chatweb-gpt2.json
expect_exit 0 '^-- 30 prompt tokens \(exact, qwen2.5; template chatml-qwen\)' "$BIN" gpt prompt examples/gpt/qwen-chat.json
# an llms.json entry from a config.json
cat >"$TMP/config.json" <<'EOF2'
{"model_type": "qwen2", "num_hidden_layers": 24, "hidden_size": 896, "num_attention_heads": 14,
 "num_key_value_heads": 2, "intermediate_size": 4864, "vocab_size": 151936,
 "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
 "tie_word_embeddings": true, "torch_dtype": "bfloat16"}
EOF2
expect_exit 0 '"name":"Qwen2.5-0.5B-Instruct".*"arch":"llama","layers":24,"hidden":896,"heads":14,"kv_heads":2,"ffn":4864' "$BIN" gpt add-model "$TMP/config.json" --id Qwen/Qwen2.5-0.5B-Instruct
expect_exit 2 'nope.json: cannot read' "$BIN" gpt add-model "$TMP/nope.json" --id a/b
# a config.json saved by transformers 5: "dtype" for torch_dtype, the rotary
# base inside "rope_parameters" (Qwen2.5-1.5B-Instruct as re-saved by 5.1.0)
cat >"$TMP/config5.json" <<'EOF2'
{"model_type": "qwen2", "num_hidden_layers": 28, "hidden_size": 1536, "num_attention_heads": 12,
 "num_key_value_heads": 2, "intermediate_size": 8960, "vocab_size": 151936, "dtype": "float16",
 "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "tie_word_embeddings": true,
 "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}}
EOF2
expect_exit 0 '"dtype":"float16".*"norm_eps":1e-06,"rope_theta":1000000,' "$BIN" gpt add-model "$TMP/config5.json" --id Qwen/Qwen2.5-1.5B-Instruct
echo '{"model_type": "gemma", "num_hidden_layers": 28, "hidden_size": 3072, "num_attention_heads": 16, "num_key_value_heads": 16, "head_dim": 256, "intermediate_size": 24576, "vocab_size": 256000, "max_position_embeddings": 8192}' >"$TMP/gemma.json"
expect_exit 0 '"head_dim":256,"runnable":false,"why":"head_dim 256 x 16 heads differs from hidden 3072"' "$BIN" gpt add-model "$TMP/gemma.json" --id google/gemma-7b-it
echo '{"model_type": "mixtral", "num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336, "vocab_size": 32000, "num_local_experts": 8}' >"$TMP/moe.json"
expect_exit 0 '"experts":8,"priced":false,"runnable":false' "$BIN" gpt add-model "$TMP/moe.json" --id mistralai/Mixtral-8x7B-v0.1
echo '{"model_type": "gpt2", "n_layer": 12, "n_embd": 768, "n_head": 12, "n_inner": null, "vocab_size": 50257, "n_positions": 1024}' >"$TMP/gpt2.json"
expect_exit 0 '"arch":"gpt2","layers":12,"hidden":768,"heads":12,"kv_heads":12,"ffn":3072,"vocab":50257,"context":1024' "$BIN" gpt add-model "$TMP/gpt2.json" --id openai-community/gpt2
echo '{"model": "acme/unknown-3B", "messages": [{"role": "user", "content": "x"}]}' >"$TMP/model.json"
expect_exit 2 "model.json: \\\$\\.model: .*no model with the id or name 'acme/unknown-3B'.*avrami gpt add-model" "$BIN" gpt run "$TMP/model.json"
echo '{"model": "google/gemma-tiny-it", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "x"}]}' >"$TMP/sys.json"
expect_exit 2 'sys.json: \$\.messages\[0\]: the gemma chat template does not support system messages' "$BIN" gpt run "$TMP/sys.json" --llms $LL
expect_exit 2 'sys.json: \$\.messages\[0\]: the gemma chat template' "$BIN" gpt prompt "$TMP/sys.json"
echo '{"model": "test/tiny-chat", "messages": [{"role": "user", "content": "x"}], "generation_config": {"max_new_tokens": 300}}' >"$TMP/long.json"
expect_exit 2 "max_new_tokens: the prompt .* exceed tiny-llama's context of 256" "$BIN" gpt run "$TMP/long.json" --llms $LL
expect_exit 2 'needs [0-9.]+ GB of memory.*available; hint: "quantize_bits": 4 would need' "$BIN" gpt run "$TMP/task.json" --llms $LL --mem-gb 0.0001
expect_exit 2 'profile: bad or missing value' "$BIN" gpt run "$TMP/task.json" --profile l8-fast
expect_exit 2 'cannot write' "$BIN" gpt run "$TMP/task.json" --llms $LL --out "$TMP/no/such/dir/r.json"
expect_exit 2 'unknown subcommand' "$BIN" gpt frobnicate
expect_exit 0 'usage: avrami gpt run' "$BIN" gpt --help

echo "gpt: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
