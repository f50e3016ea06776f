#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 60), seeded from the conformance traces (the GPT task
# parser: from examples/gpt).
#   FUZZ_SECONDS=600 make fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-60}
OUT=build-fuzz
mkdir -p "$OUT"
FLAGS="-std=c11 -g -O1 -D_GNU_SOURCE -Isim -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
# the library once, each SIMD file with its own target flags (as the Makefile does)
OBJS=()
for src in $(find sim -name '*.c' ! -path sim/cli/main.c | sort); do
  obj="$OUT/obj/${src%.c}.o"
  mkdir -p "$(dirname "$obj")"
  extra=""
  case "$src" in
    *_avx2.c) extra="-mavx2 -mfma -mf16c" ;;
    *_avx512.c) extra="-mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx512bf16" ;;
  esac
  clang $FLAGS $extra -c "$src" -o "$obj"
  OBJS+=("$obj")
done
for target in tests/fuzz/fuzz_*.c; do
  name=$(basename "$target" .c)
  clang ${FLAGS/fuzzer-no-link/fuzzer} -o "$OUT/$name" "$target" "${OBJS[@]}" \
        -lgsl -lgslcblas -lsqlite3 -lcjson -lpcre2-8 -lutf8proc -lpthread -lm
  corpus="tests/fuzz/corpus-$name"
  mkdir -p "$corpus"
  # seeds: the example tasks for the task parser, the smaller recorded traces otherwise
  if [ "$name" = fuzz_gpt_task ]; then
    cp -n examples/gpt/*.json "$corpus/"
  else
    find tests/conformance -name '*.json' -size -40k -exec cp -n {} "$corpus/" \;
  fi
  echo "fuzz: running $name for ${SECS}s"
  "$OUT/$name" -max_total_time="$SECS" -max_len=65536 -timeout=10 -print_final_stats=1 \
      "$corpus" 2>&1 | tail -n 25
done
