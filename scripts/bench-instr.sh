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
set -eu
ref=${1:-}
scales=${BENCH_INSTR_SCALES:-0.01 0.02}
set -- $scales
[ $# = 2 ] || { echo "bench-instr: BENCH_INSTR_SCALES: expected two scales, got \"$scales\"" >&2; exit 2; }
sa=$1
sb=$2
command -v valgrind >/dev/null || { echo "bench-instr: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
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

# count TREE CASE SCALE: "tasks instructions" of the case's process
count() {
  rm -f "$dir"/cg.*
  out=$(cd "$1" && BENCH_SIM_SCALE=$3 valgrind --tool=callgrind --trace-children=yes \
    --callgrind-out-file="$dir/cg.%p" ./build/bench/bench_sim "$2" 2>/dev/null)
  tasks=$(printf '%s\n' "$out" | awk '/nodes .* tasks/ { for (i = 1; i < NF; i++) if ($(i + 1) == "tasks") print $i }')
  [ -n "$tasks" ] || { echo "bench-instr: case $2 at scale $3 printed no task count" >&2; exit 1; }
  # the case runs in a child process: the larger of the two profiles
  instr=$(for f in "$dir"/cg.*; do awk '/^summary:/ { print $2 }' "$f"; done | sort -g | tail -1)
  echo "$tasks $instr"
}

per_task() { # TREE CASE
  set -- $(count "$1" "$2" "$sa") $(count "$1" "$2" "$sb")
  awk -v ta="$1" -v ia="$2" -v tb="$3" -v ib="$4" 'BEGIN { printf "%.0f", (ib - ia) / (tb - ta) }'
}

printf 'bench-instr: instructions per task, bench_sim case 1 per edition (10k nodes), scales %s and %s\n' "$sa" "$sb"
if [ -n "$ref" ]; then
  printf '%-9s %12s %12s %7s\n' edition "$ref" "this" ratio
else
  printf '%-9s %12s %9s\n' edition "this" "/ helium"
fi
helium=
for pair in 1:helium 4:hydrogen 5:vss; do
  c=${pair%%:*}
  e=${pair#*:}
  new=$(per_task "$here" "$c")
  [ -n "$helium" ] || helium=$new
  if [ -n "$ref" ]; then
    old=$(per_task "$dir/ref" "$c")
    awk -v e="$e" -v o="$old" -v n="$new" 'BEGIN { printf "%-9s %12d %12d %6.2fx\n", e, o, n, o / n }'
  else
    awk -v e="$e" -v n="$new" -v h="$helium" 'BEGIN { printf "%-9s %12d %8.2fx\n", e, n, n / h }'
  fi
done
