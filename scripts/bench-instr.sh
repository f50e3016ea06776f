#!/bin/sh
# Instructions per task of the whole simulation, per protocol edition, counted
# by callgrind (valgrind): a figure that a loaded or shared machine does not
# blur, where bench_sim's events per second do.  Runs bench_sim's case 1 (10k
# nodes) under helium, hydrogen and vss (cases 1, 4, 5) at two scales and
# prints the marginal count, (I(b) - I(a)) / (tasks(b) - tasks(a)), which
# leaves out the setup (scenario parsing, joins) both runs share.  With REF,
# the same for another commit, built from `git archive` with this harness,
# side by side.
#
#   scripts/bench-instr.sh [REF]
#   BENCH_INSTR_SCALES="0.01 0.02" scripts/bench-instr.sh main
#   BENCH_INSTR_LL=2097152 scripts/bench-instr.sh main
#
# BENCH_INSTR_LL=bytes adds the last-level read misses per task in a
# simulated cache of that size (cachegrind: 16-way, 64-byte lines, D1 32 KiB
# 8-way), the lines a task reads from memory on a host whose last-level
# cache serves that much: like the instructions, a count that the machine's
# load does not move, where the time those misses cost is blurred by it.
set -eu
ref=${1:-}
scales=${BENCH_INSTR_SCALES:-0.01 0.02}
set -- $scales
[ $# = 2 ] || { echo "bench-instr: BENCH_INSTR_SCALES: expected two scales, got \"$scales\"" >&2; exit 2; }
sa=$1
sb=$2
command -v valgrind >/dev/null || { echo "bench-instr: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
ll=${BENCH_INSTR_LL:-}
case $ll in '' ) ;; *[!0-9]* | 0*) echo "bench-instr: BENCH_INSTR_LL: expected a cache size in bytes, got \"$ll\"" >&2; exit 2 ;; esac
if [ -n "$ref" ]; then
  git rev-parse --verify -q "$ref^{commit}" >/dev/null || { echo "bench-instr: REF: no commit \"$ref\"" >&2; exit 2; }
fi

here=$(pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/avrami-instr.XXXXXX")
trap 'rm -rf "$dir"' EXIT
make -j2 build/bench/bench_sim >/dev/null
if [ -n "$ref" ]; then
  mkdir "$dir/ref"
  git archive "$ref" | tar -x -C "$dir/ref"
  cp tests/bench/bench_sim.c "$dir/ref/tests/bench/bench_sim.c"
  make -C "$dir/ref" -j2 build/bench/bench_sim >/dev/null
fi

# count TREE CASE SCALE: "tasks instructions LL-read-misses" of the case's
# process (misses 0 without BENCH_INSTR_LL)
count() {
  rm -f "$dir"/cg.*
  if [ -n "$ll" ]; then
    tool="--tool=cachegrind --cache-sim=yes --LL=$ll,16,64 --D1=32768,8,64 --cachegrind-out-file=$dir/cg.%p"
  else
    tool="--tool=callgrind --callgrind-out-file=$dir/cg.%p"
  fi
  out=$(cd "$1" && BENCH_SIM_SCALE=$3 BENCH_SIM_SHARES=0 valgrind $tool --trace-children=yes ./build/bench/bench_sim "$2" 2>/dev/null)
  tasks=$(printf '%s\n' "$out" | awk '/nodes .* tasks/ { for (i = 1; i < NF; i++) if ($(i + 1) == "tasks") print $i }')
  [ -n "$tasks" ] || { echo "bench-instr: case $2 at scale $3 printed no task count" >&2; exit 1; }
  # the case runs in a child process: the larger of the two profiles
  # (cachegrind's summary: Ir I1mr ILmr Dr D1mr DLmr ...; callgrind's: Ir)
  counts=$(for f in "$dir"/cg.*; do awk '/^summary:/ { print $2, (NF >= 7 ? $7 : 0) }' "$f"; done | sort -g | tail -1)
  echo "$tasks $counts"
}

per_task() { # TREE CASE: "instructions misses" per task
  set -- $(count "$1" "$2" "$sa") $(count "$1" "$2" "$sb")
  awk -v ta="$1" -v ia="$2" -v ma="$3" -v tb="$4" -v ib="$5" -v mb="$6" \
    'BEGIN { printf "%.0f %.2f", (ib - ia) / (tb - ta), (mb - ma) / (tb - ta) }'
}

printf 'bench-instr: instructions per task, bench_sim case 1 per edition (10k nodes), scales %s and %s\n' "$sa" "$sb"
[ -z "$ll" ] || printf 'and last-level read misses per task, %s-byte cache (cachegrind)\n' "$ll"
if [ -n "$ref" ]; then
  printf '%-9s %12s %12s %7s' edition "$ref" "this" ratio
  [ -z "$ll" ] || printf ' %12s %12s' "misses $ref" "misses this"
else
  printf '%-9s %12s %9s' edition "this" "/ helium"
  [ -z "$ll" ] || printf ' %12s' "misses"
fi
echo
helium=
for pair in 1:helium 4:hydrogen 5:vss; do
  c=${pair%%:*}
  e=${pair#*:}
  set -- $(per_task "$here" "$c")
  new=$1 new_m=$2
  [ -n "$helium" ] || helium=$new
  if [ -n "$ref" ]; then
    set -- $(per_task "$dir/ref" "$c")
    awk -v e="$e" -v o="$1" -v n="$new" 'BEGIN { printf "%-9s %12d %12d %6.2fx", e, o, n, o / n }'
    [ -z "$ll" ] || printf ' %12s %12s' "$2" "$new_m"
  else
    awk -v e="$e" -v n="$new" -v h="$helium" 'BEGIN { printf "%-9s %12d %8.2fx", e, n, n / h }'
    [ -z "$ll" ] || printf ' %12s' "$new_m"
  fi
  echo
done
