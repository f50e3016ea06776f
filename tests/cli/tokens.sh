#!/usr/bin/env bash
# Program-level tests of prompt tokens: `avrami tokens check` (the shipped
# tokenizers against the Hugging Face library's ids, the estimates within
# 15% on the prompts kept apart from their fit), Crynux's documented count
# for its own gpt2 example, one count for `gpt estimate`, `gpt run` and a
# scenario's task files, and the context length wherever a task is priced
# or run.
# usage: tests/cli/tokens.sh path/to/avrami
set -euo pipefail
BIN=${1:?usage: tokens.sh path/to/avrami}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"

# --- the reference vectors and the estimate's bound ---
expect_exit 0 '^gpt2 +exact +0 mismatches in 117 prompts' "$BIN" tokens check
expect_exit 0 '^qwen2.5 +exact +0 mismatches in 117 prompts' "$BIN" tokens check
expect_exit 0 '^qwen3 +exact +0 mismatches in 117 prompts' "$BIN" tokens check
expect_exit 0 '^mistral +exact +0 mismatches in 117 prompts' "$BIN" tokens check
expect_exit 0 '^llama-2 +estimate +vs llama-2 ' "$BIN" tokens check
expect_exit 0 '^llama-3 +estimate +vs llama-3 ' "$BIN" tokens check
expect_exit 0 '^like-mistral +estimate +vs mistral .*checking prompts \(worst +[0-9.]+%\)$' "$BIN" tokens check
expect_exit 0 '^like-qwen +estimate +vs qwen2.5 .*checking prompts \(worst +[0-9.]+%\)$' "$BIN" tokens check
expect_exit 0 '^like-gpt2 +estimate +vs gpt2 .*checking prompts \(worst +[0-9.]+%\)$' "$BIN" tokens check
for f in gemma gemma2 chatglm3 yi; do
    expect_exit 0 "estimate +vs $f .*checking prompts \\(worst +[0-9.]+%\\)\$" "$BIN" tokens check
done
# the default, fitted to all references but one, against that one
expect_exit 0 '^default +held out +vs yi +MAPE .* fitted to the other 7$' "$BIN" tokens check
expect_exit 0 '^ok$' "$BIN" tokens check
# a reference that disagrees is a failure, named
python3 - "$TMP" <<'PY'
import json, shutil, sys
v = json.load(open("tests/tokenizers/vectors.json"))
v["exact"]["gpt2"]["ids"][3][0] += 1
v["counts"]["llama-2"]["counts"] = [3 * c for c in v["counts"]["llama-2"]["counts"]]
json.dump(v, open(sys.argv[1] + "/vectors.json", "w"))
shutil.copy("tests/tokenizers/prompts.json", sys.argv[1])
PY
expect_exit 1 '^gpt2 +exact +1 mismatches in 117' "$BIN" tokens check --tests "$TMP"
expect_exit 1 'llama-2 .*OVER 15%' "$BIN" tokens check --tests "$TMP"
expect_exit 2 'usage: avrami tokens' "$BIN" tokens frobnicate
expect_exit 0 '^11 tokens \(gpt2, exact\)' sh -c "printf 'I want to create a chat bot. Any suggestions?' | $BIN tokens count gpt2 -"
expect_exit 0 'tokens \(llama-2, estimate\)' sh -c "echo hello | $BIN tokens count meta-llama/Llama-2-7b-chat-hf"
# Mistral v0.1/v0.2 and Mixtral: the shipped file; Qwen1.5 and Qwen2: Qwen2.5's
# file, Qwen3 its own (they differ in added tokens: <think> is one token in Qwen3)
expect_exit 0 '^8 tokens \(mistral, exact\)' sh -c "printf '[INST] Hi [/INST]' | $BIN tokens count mistralai/Mistral-7B-Instruct-v0.2 -"
expect_exit 0 '\(mistral, exact\)' sh -c "echo hi | $BIN tokens count mistralai/Mixtral-8x7B-Instruct-v0.1 -"
expect_exit 0 '\(qwen2.5, exact\)' sh -c "echo hi | $BIN tokens count Qwen/Qwen1.5-7B-Chat -"
expect_exit 0 '^1 tokens \(qwen3, exact\)' sh -c "printf '<think>' | $BIN tokens count Qwen/Qwen3-8B -"
# a family's own chat markers count one token each (extra_special)
expect_exit 0 '^2 tokens \(phi-3, estimate\)' sh -c "printf '<|user|><|end|>' | $BIN tokens count microsoft/Phi-3-mini-4k-instruct -"
expect_exit 0 '^2 tokens \(gemma, estimate\)' sh -c "printf '<start_of_turn><end_of_turn>' | $BIN tokens count google/gemma-2-2b-it -"
expect_exit 0 '^3 tokens \(qwen2.5, exact\)' sh -c "printf '<think>' | $BIN tokens count Qwen/Qwen2.5-7B-Instruct -"

# --- Crynux's own example (docs: text-to-text-task.md, "prompt_tokens": 11) ---
cat >"$TMP/doc.json" <<'J'
{"model": "gpt2", "messages": [{"role": "user", "content": "I want to create a chat bot. Any suggestions?"}],
 "generation_config": {"max_new_tokens": 3}, "seed": 42}
J
expect_exit 0 'prompt   11 tokens \(exact, gpt2\)' "$BIN" gpt estimate "$TMP/doc.json"
"$BIN" gpt run "$TMP/doc.json" --threads 1 >"$TMP/doc.out" 2>"$TMP/doc.err"
if python3 -c 'import json,sys; u=json.load(open(sys.argv[1]))["usage"]; assert u["prompt_tokens"] == 11, u' "$TMP/doc.out"; then ok; else bad "gpt run: prompt_tokens of the documented example"; fi
"$BIN" gpt run "$TMP/doc.json" --threads 2 >"$TMP/doc2.out" 2>/dev/null
if cmp -s "$TMP/doc.out" "$TMP/doc2.out"; then ok; else bad "gpt run with the gpt2 tokenizer: 1 and 2 threads differ"; fi
if grep -q 'synthetic weights' "$TMP/doc.err" && grep -q 'exact with the gpt2 tokenizer' "$TMP/doc.err"; then ok; else bad "gpt run does not say its weights are synthetic"; cat "$TMP/doc.err"; fi

# --- the context, wherever a task is priced or run ---
python3 - "$TMP/long.json" <<'PY'
import json, sys
json.dump({"model": "gpt2", "messages": [{"role": "user", "content": "hello " * 3749}]},
          open(sys.argv[1], "w"))
PY
expect_exit 2 "long.json: \\\$.messages: the prompt \\(3750 tokens\\) exceeds gpt2's context of 1024" "$BIN" gpt estimate "$TMP/long.json"
expect_exit 2 "long.json: \\\$.messages: the prompt \\(3750 tokens\\) exceeds gpt2's context of 1024" "$BIN" gpt run "$TMP/long.json"
python3 - "$TMP" <<'PY'
import json, sys
s = json.load(open("scenarios/gpt-task-files.json"))
s["applications"][0]["tasks"][0]["task_file"] = sys.argv[1] + "/long.json"
s["duration_s"] = 60
s["warmup_s"] = 0
json.dump(s, open(sys.argv[1] + "/scn.json", "w"))
PY
expect_exit 2 "long.json: \\\$.messages: the prompt \\(3750 tokens\\) exceeds gpt2's context" "$BIN" run "$TMP/scn.json" --out "$TMP/scn.db"

echo "tokens: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
