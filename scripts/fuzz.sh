#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang (ASan +
# UBSan) and runs each in turn for FUZZ_SECONDS (default 60), seeded from
# the repository's own files:
#   fuzz_scenario  scenarios/*.json              fuzz_csv   scenarios/data/*.csv
#   fuzz_set       the --set expressions of tests/cli/sweep.sh
#   fuzz_data      models/*.json, models/calibration/host.json (what fuzz_data reads)
#   fuzz_db        a run and a sweep database made from scenarios/vanishing-nodes.json
#   fuzz_trace     tests/conformance/*.json      fuzz_gpt_task  examples/gpt/*.json
#   fuzz_tokenizer tests/tokenizers/spm-test.json (the shipped ones exceed max_len)
#   fuzz_vss_trace tests/conformance/vss/*.json
# Corpora grow in tests/fuzz/corpus-NAME (not committed); findings
# (crash-*, leak-*, timeout-*) land in build-fuzz/findings/.
#   FUZZ_SECONDS=600 make fuzz                 every target, 10 minutes each
#   FUZZ_TARGETS="fuzz_db fuzz_csv" make fuzz  only those
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-60}
OUT=build-fuzz
mkdir -p "$OUT/findings"
FLAGS="-std=c11 -g -O1 -D_GNU_SOURCE -Isim -fsanitize=fuzzer-no-link,address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow"
# the library once, each SIMD file with its own target flags (as the Makefile does);
# an object is rebuilt when its source or any header is newer (an object
# built against an older struct layout would fuzz a program that does not
# exist), all of them when the flags changed
OBJS=()
stamp="$OUT/obj/.flags"
[ "$(cat "$stamp" 2>/dev/null)" = "$FLAGS" ] || { rm -rf "$OUT/obj"; mkdir -p "$OUT/obj"; echo "$FLAGS" >"$stamp"; }
newest_header=$(ls -t $(find sim -name '*.h') | head -n 1)
for src in $(find sim -name '*.c' ! -path sim/cli/main.c | sort); do
  obj="$OUT/obj/${src%.c}.o"
  mkdir -p "$(dirname "$obj")"
  extra=""
  case "$src" in
    *_avx2.c) extra="-mavx2 -mfma -mf16c" ;;
    *_avx512.c) extra="-mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx512bf16" ;;
  esac
  if [ ! "$obj" -nt "$src" ] || [ ! "$obj" -nt "$newest_header" ]; then
    clang $FLAGS $extra -c "$src" -o "$obj"
  fi
  OBJS+=("$obj")
done

# database seeds: made by the program itself (the gcc build)
seed_dbs() {
  local dir=$1
  make -s build/avrami >/dev/null
  [ -e "$dir/run.db" ] || build/avrami run --quiet --duration 600 --out "$dir/run.db" scenarios/vanishing-nodes.json
  [ -e "$dir/sweep.db" ] || build/avrami sweep --quiet --set network.nodes=10,20 --reps 2 --duration 600 \
      --out "$dir/sweep.db" scenarios/vanishing-nodes.json >/dev/null 2>&1
}

found=""
targets=${FUZZ_TARGETS:-$(ls tests/fuzz/fuzz_*.c | xargs -n1 basename | sed 's/\.c$//')}
for name in $targets; do
  clang ${FLAGS/fuzzer-no-link/fuzzer} -Itests/fuzz -o "$OUT/$name" "tests/fuzz/$name.c" "${OBJS[@]}" \
        -lgsl -lgslcblas -lgmp -lsqlite3 -lcjson -lpcre2-8 -lutf8proc -lpthread -lm
  corpus="tests/fuzz/corpus-$name"
  mkdir -p "$corpus"
  max_len=65536
  case "$name" in
    fuzz_gpt_task) cp -n examples/gpt/*.json "$corpus/" ;;
    fuzz_trace) find tests/conformance -maxdepth 1 -name '*.json' -size -40k -exec cp -n {} "$corpus/" \; ;;
    fuzz_vss_trace) cp -n tests/conformance/vss/*.json "$corpus/" ;;
    fuzz_scenario) cp -n scenarios/*.json "$corpus/" ;;
    fuzz_csv) cp -n scenarios/data/*.csv "$corpus/" ;;
    fuzz_set)
      printf 'protocol.kickout_threshold=10,25\nnetwork.nodes=20:40:20\n' >"$corpus/seed-grid"
      printf 'network.nodes=10,-1\n' >"$corpus/seed-bad"
      printf 'network.cards[0].share=0.5\napplications[0].arrival.rate_per_h=1:3:1\n' >"$corpus/seed-paths" ;;
    fuzz_data) cp -n models/cards.json models/llms.json models/sd.json \
                     models/calibration/host.json "$corpus/"; max_len=131072 ;;
    fuzz_tokenizer) cp -n tests/tokenizers/spm-test.json "$corpus/" ;;
    fuzz_db) seed_dbs "$corpus"; max_len=131072 ;;
  esac
  echo "fuzz: running $name for ${SECS}s"
  "$OUT/$name" -max_total_time="$SECS" -max_len="$max_len" -timeout=20 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$OUT/findings/$name-" "$corpus" 2>&1 | tail -n 25 ||
    found="$found $name" # a finding stops that target; the others still run
done
if [ -n "${found:-}" ]; then
  echo "fuzz: findings in$found (inputs in $OUT/findings/)" >&2
  exit 1
fi
