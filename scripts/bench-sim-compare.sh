#!/bin/sh
# Side-by-side timing of the whole simulation: this checkout against other
# commits (default main), with the same harness (this tests/bench/bench_sim.c
# built against each library) on the same machine, the builds' runs of a
# case taking turns (the order rotating each round) so that load drifts hit
# all alike.  Prints per case and reference commit the median wall and CPU
# seconds of each, their ratios (reference / this checkout) and peak RSS.
#
#   scripts/bench-sim-compare.sh [REF[,REF...]] [ROUNDS] [CASE...]
#   e.g. scripts/bench-sim-compare.sh main 3             all cases, 3 rounds
#        scripts/bench-sim-compare.sh main,f427647 5 1 3  two references
#        BENCH_SIM_SCALE=0.1 scripts/bench-sim-compare.sh main 1 1
#
# Each REF is built from `git archive` in a temporary directory (removed at
# exit) with its own Makefile.
set -eu
refs=${1:-main}
rounds=${2:-3}
[ $# -ge 2 ] && shift 2 || shift $#
case $rounds in '' | *[!0-9]* | 0) echo "bench-sim-compare: ROUNDS: expected a positive integer, got \"$rounds\"" >&2; exit 2 ;; esac
refs=$(echo "$refs" | tr ',' ' ')
[ -n "$refs" ] || { echo "bench-sim-compare: REF: expected a commit, got \"\"" >&2; exit 2; }
for ref in $refs; do
  git rev-parse --verify -q "$ref^{commit}" >/dev/null || { echo "bench-sim-compare: REF: no commit \"$ref\"" >&2; exit 2; }
done

here=$(pwd)
top=$(mktemp -d "${TMPDIR:-/tmp}/avrami-ref.XXXXXX")
trap 'rm -rf "$top"' EXIT
i=0
labels=""
for ref in $refs; do
  i=$((i + 1))
  mkdir "$top/$i"
  git archive "$ref" | tar -x -C "$top/$i"
  cp tests/bench/bench_sim.c "$top/$i/tests/bench/bench_sim.c"
  make -C "$top/$i" -j2 build/bench/bench_sim >/dev/null
  labels="$labels $i"
done
make -j2 build/bench/bench_sim >/dev/null

out="$top/times"
: >"$out"
run() { # label dir case
  (cd "$2" && ./build/bench/bench_sim "$3") | tr -s ' ' | awk -v who="$1" -v c="$3" '
    /^bench_sim: BENCH/ { next }
    /^bench_sim:/ { for (i = 1; i < NF; i++) { if ($i == "wall") w = $(i + 1); if ($i == "cpu") u = $(i + 1) } }
    /peak RSS/ { for (i = 1; i < NF; i++) if ($i == "RSS") r = $(i + 1); print who, c, w, u, r }' >>"$out"
}
cases=${*:-1 2 3}
all="new$labels"
n_all=$(echo $all | wc -w)
for r in $(seq "$rounds"); do
  for c in $cases; do
    # rotate the order: round r starts with build number r mod n
    k=0
    while [ $k -lt "$n_all" ]; do
      j=$(( (r + k) % n_all + 1 ))
      who=$(echo $all | cut -d' ' -f$j)
      if [ "$who" = new ]; then run new "$here" "$c"; else run "$who" "$top/$who" "$c"; fi
      k=$((k + 1))
    done
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -v w="$1" -v c="$2" -v f="$3" '$1 == w && $2 == c { print $f }' "$out" | median; }
printf 'bench-sim-compare: this checkout (new) against %s, %s rounds, medians\n' "$(echo $refs | tr ' ' ',')" "$rounds"
printf '%-5s %-10s %10s %10s %7s   %10s %10s %7s   %8s %8s\n' case ref "ref wall" "new wall" ratio "ref cpu" "new cpu" ratio "ref MB" "new MB"
for c in $cases; do
  nw=$(col new "$c" 3); nu=$(col new "$c" 4); nm=$(col new "$c" 5)
  for l in $labels; do
    ref=$(echo $refs | cut -d' ' -f"$l")
    rw=$(col "$l" "$c" 3); ru=$(col "$l" "$c" 4); rm=$(col "$l" "$c" 5)
    awk -v c="$c" -v ref="$ref" -v rw="$rw" -v nw="$nw" -v ru="$ru" -v nu="$nu" -v rm="$rm" -v nm="$nm" 'BEGIN {
      printf "%-5s %-10s %9.2fs %9.2fs %6.2fx   %9.2fs %9.2fs %6.2fx   %8s %8s\n", c, substr(ref, 1, 10), rw, nw, rw / nw, ru, nu, ru / nu, rm, nm }'
  done
done
