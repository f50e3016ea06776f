#!/bin/sh
# Side-by-side timing of the whole simulation: this checkout against another
# commit (default main), with the same harness (this tests/bench/bench_sim.c
# built against each library) on the same machine, cases run alternately
# (ref, new; then new, ref; ...) so that load drifts hit both alike.  Prints
# per case the median wall and CPU seconds of each and their ratios.
#
#   scripts/bench-sim-compare.sh [REF] [ROUNDS] [CASE...]
#   e.g. scripts/bench-sim-compare.sh main 3        all cases, 3 rounds
#        BENCH_SIM_SCALE=0.1 scripts/bench-sim-compare.sh main 1 1
#
# REF is built from `git archive` in a temporary directory (removed at exit).
set -eu
ref=${1:-main}
rounds=${2:-3}
[ $# -ge 2 ] && shift 2 || shift $#
case $rounds in '' | *[!0-9]* | 0) echo "bench-sim-compare: ROUNDS: expected a positive integer, got \"$rounds\"" >&2; exit 2 ;; esac
git rev-parse --verify -q "$ref^{commit}" >/dev/null || { echo "bench-sim-compare: REF: no commit \"$ref\"" >&2; exit 2; }

here=$(pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/avrami-ref.XXXXXX")
trap 'rm -rf "$dir"' EXIT
git archive "$ref" | tar -x -C "$dir"
cp tests/bench/bench_sim.c "$dir/tests/bench/bench_sim.c"
make -C "$dir" -j2 build/bench/bench_sim >/dev/null
make -j2 build/bench/bench_sim >/dev/null

out="$dir/times"
: >"$out"
run() { # label dir case
  (cd "$2" && ./build/bench/bench_sim "$3") | tr -s ' ' | awk -v who="$1" -v c="$3" '
    /^bench_sim: BENCH/ { next }
    /^bench_sim:/ { for (i = 1; i < NF; i++) { if ($i == "wall") w = $(i + 1); if ($i == "cpu") u = $(i + 1) } }
    /peak RSS/ { for (i = 1; i < NF; i++) if ($i == "RSS") r = $(i + 1); print who, c, w, u, r }' >>"$out"
}
cases=${*:-1 2 3}
for r in $(seq "$rounds"); do
  for c in $cases; do
    if [ $((r % 2)) = 1 ]; then run ref "$dir" "$c"; run new "$here" "$c"; else run new "$here" "$c"; run ref "$dir" "$c"; fi
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf 'bench-sim-compare: %s (ref) vs this checkout, %s rounds, medians\n' "$ref" "$rounds"
printf '%-5s %10s %10s %7s   %10s %10s %7s   %8s %8s\n' case "ref wall" "new wall" ratio "ref cpu" "new cpu" ratio "ref MB" "new MB"
for c in $cases; do
  rw=$(awk -v c="$c" '$1 == "ref" && $2 == c { print $3 }' "$out" | median)
  nw=$(awk -v c="$c" '$1 == "new" && $2 == c { print $3 }' "$out" | median)
  ru=$(awk -v c="$c" '$1 == "ref" && $2 == c { print $4 }' "$out" | median)
  nu=$(awk -v c="$c" '$1 == "new" && $2 == c { print $4 }' "$out" | median)
  rm=$(awk -v c="$c" '$1 == "ref" && $2 == c { print $5 }' "$out" | median)
  nm=$(awk -v c="$c" '$1 == "new" && $2 == c { print $5 }' "$out" | median)
  awk -v c="$c" -v rw="$rw" -v nw="$nw" -v ru="$ru" -v nu="$nu" -v rm="$rm" -v nm="$nm" 'BEGIN {
    printf "%-5s %9.2fs %9.2fs %6.2fx   %9.2fs %9.2fs %6.2fx   %8s %8s\n", c, rw, nw, rw / nw, ru, nu, ru / nu, rm, nm }'
done
