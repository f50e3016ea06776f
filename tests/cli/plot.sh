#!/usr/bin/env bash
# Program-level tests of `avrami plot` and `avrami report`, called by
# tests/cli/run.sh.
set -euo pipefail
. "$(dirname "$0")/setup.sh" "$@"

V=scenarios/vanishing-nodes.json
"$BIN" run --duration 21600 --out "$TMP/run.db" $V >"$TMP/summary.txt"
"$BIN" plot "$TMP/run.db" --out "$TMP/rp" >"$TMP/out" 2>/dev/null
for p in wait_vs_value income_by_card qos kickouts_slashes utilization; do
  [ "$(head -c 4 "$TMP/rp/$p.png" | od -An -c | tr -d ' ')" = '211PNG' ] || die "$p.png is not a PNG"
  grep -q '<svg' "$TMP/rp/$p.svg" || die "$p.svg is not an SVG"
done
# the plotted data agree with the database counted another way
[ "$(awk -F'\t' '{s += $2} END {print s}' "$TMP/rp/qos.tsv")" = "$(sqlite3 "$TMP/run.db" 'select count(*) from nodes')" ] ||
  die "QoS histogram does not count every node"
kicked=$(sed -n 's/.*kick-outs: \([0-9]*\).*/\1/p' "$TMP/summary.txt")
[ "${kicked:-0}" -gt 0 ] || die "vanishing-nodes should kick nodes out"
[ "$(awk -F'\t' '{s += $2} END {print s}' "$TMP/rp/kickouts_slashes.tsv")" = "$kicked" ] ||
  die "kick-outs over time do not add up to the summary's kick-outs"
[ "$(wc -l <"$TMP/rp/income_by_card.tsv")" = 2 ] || die "income by card: expected the scenario's 2 cards"
"$BIN" check "$TMP/run.db" >/dev/null || die "check fails on a run with the series columns"
ok "plot: the 5 run plots as PNG and SVG; their data add up"

"$BIN" sweep --quiet --set protocol.kickout_threshold=5,25 --set 'network.cards[0].card=NVIDIA GeForce RTX 4070,NVIDIA GeForce RTX 3060' \
  --reps 2 --duration 3600 --out "$TMP/sw.db" $V
"$BIN" report "$TMP/sw.db" >/dev/null 2>&1 || die "report failed"
R="$TMP/sw-report/report.md"
grep -qF '| 3 | protocol.kickout_threshold=25 network.cards[0].card=NVIDIA GeForce RTX 3060 | 2 |' "$R" || die "report lacks the point table"
grep -qF '![success share against protocol.kickout_threshold](sweep_success_share.png)' "$R" || die "report lacks plots"
# two blocks (one per card), two x values each, low <= mean <= high
python3 - "$TMP/sw-report/sweep_income_cnx_per_node_h.tsv" <<'PY'
import sys
blocks = open(sys.argv[1]).read().strip().split('\n\n\n')
assert len(blocks) == 2, blocks
for b in blocks:
    rows = [r.split('\t') for r in b.split('\n')[1:]]
    assert [r[0] for r in rows] == ['5', '25'], rows
    assert all(float(r[2]) <= float(r[1]) <= float(r[3]) for r in rows), rows
PY
[ -s "$TMP/sw-report/sweep_income_cnx_per_node_h.svg" ] || die "no sweep SVG"
rc=0; "$BIN" plot "$TMP/none.db" 2>/dev/null || rc=$?
[ "$rc" = 2 ] || die "plot of a missing database exited $rc, expected 2"
"$BIN" report "$TMP/run.db" --out "$TMP/rr" >/dev/null 2>&1 || die "run report failed"
grep -q '^| success |' "$TMP/rr/report.md" || die "run report lacks outcomes"
ok "report: sweep table with CIs and embedded plots; run report"
