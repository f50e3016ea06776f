#!/usr/bin/env bash
# Program-level tests of `avrami compare`, called by tests/cli/run.sh.
#   tests/cli/compare.sh build/avrami
set -euo pipefail

. "$(dirname "$0")/setup.sh" "$@"
V=scenarios/vanishing-nodes.json

# ---- usage and bad input: exit 2 with the reason ----
expect_exit 0 "$BIN" compare --help
grep -q -- '--editions LIST' "$TMP/out" || die "compare --help lacks --editions"
expect_exit 2 "$BIN" compare $V
grep -q -- '--editions is required' "$TMP/err" || die "missing --editions not said"
expect_exit 2 "$BIN" compare --editions helium
grep -q 'no scenario given' "$TMP/err" || die "missing scenario not said"
expect_exit 2 "$BIN" compare --editions 'helium,,vss' $V
grep -q 'expected edition names separated by commas' "$TMP/err" || die "empty edition name accepted"
expect_exit 2 "$BIN" compare --editions 'relay-2026,vss,relay-2026' $V
grep -q 'relay-2026 is listed twice' "$TMP/err" || die "an edition listed twice was accepted"
expect_exit 2 "$BIN" compare --editions helium --set network.nodes=10,20 $V
grep -q 'compare takes one value per key (2 given)' "$TMP/err" || die "a --set list accepted"
expect_exit 2 "$BIN" compare --bogus --editions helium $V
expect_exit 2 "$BIN" compare --table "$TMP/none.db"
ok "compare: usage and bad arguments exit 2, saying why"

# ---- the table of a paired comparison, checked against the database ----
# (a one-axis sweep has the layout of a comparison: its first axis the
# only one that varies, point 0 the baseline)
mkdir "$TMP/runs"
"$BIN" sweep $V --set protocol.kickout_threshold=10,30 --reps 4 --duration 3600 --out "$TMP/c.db" --quiet \
  --keep-runs "$TMP/runs"
expect_exit 0 "$BIN" compare --table "$TMP/c.db"
cp "$TMP/out" "$TMP/table"
grep -q '^compare: vanishing-nodes, protocol.kickout_threshold = 10 ..., 4 replications each' "$TMP/table" \
  || die "no heading"
python3 - "$TMP/c.db" "$TMP/table" <<'PY'
# the utilization difference and the honest kick-outs, recomputed from the
# runs and run_actors tables with Python's own statistics
import sqlite3, statistics, sys, re
db, table = sys.argv[1], open(sys.argv[2]).read().split('\n')
con = sqlite3.connect(db)
def rows(sql):
    return {(p, r): v for p, r, v in con.execute(sql)}
def check(label, sql):
    v = rows(sql)
    reps = sorted({r for (_, r) in v})
    d = [v[(1, r)] - v[(0, r)] for r in reps]
    mean = statistics.mean(d)
    i = table.index(label)
    line = table[i + 2]
    m = re.search(r'diff ([-+][0-9.e+-]+)', line)
    assert m, (label, line)
    got = float(m.group(1))
    assert abs(got - mean) <= 1e-3 * max(1, abs(mean)), (label, got, mean)
    base = statistics.mean(v[(0, r)] for r in reps)
    assert abs(float(table[i + 1].split()[1]) - base) <= 1e-3 * max(1, abs(base)), (label, table[i + 1], base)
check('utilization', 'SELECT point, rep, utilization FROM runs')
check('honest nodes kicked out', 'SELECT point, rep, kickouts FROM run_actors WHERE actor = 0')
check('node income Gini', 'SELECT point, rep, gini FROM run_income')
PY
ok "compare: means and paired differences match the database"
python3 - "$TMP/c.db" "$TMP/runs" <<'PY'
# run_income against the kept run databases: the Gini coefficient by its
# mean-difference definition and the top 10 % share, from nodes.income_wei
import sqlite3, sys, math
db, runs = sys.argv[1], sys.argv[2]
for p, r, gini, top in sqlite3.connect(db).execute("SELECT point, rep, gini, top10_share FROM run_income"):
    x = [int(v) / 1e18 for (v,) in sqlite3.connect(f"{runs}/point-{p}-rep-{r}.db").execute(
        "SELECT income_wei FROM nodes WHERE joined_s IS NOT NULL")]
    n, s = len(x), sum(x)
    g = sum(abs(a - b) for a in x for b in x) / (2 * n * n * (s / n))
    k = math.ceil(n / 10)
    t = sum(sorted(x)[-k:]) / s
    assert abs(g - gini) < 1e-9 and abs(t - top) < 1e-9, (p, r, g, gini, t, top)
PY
ok "compare: income concentration matches the nodes of the kept runs"
python3 - "$TMP/c.db" "$TMP/runs" "$TMP/table" <<'PY'
# run_cards against the kept run databases: per card, its identities, their
# online hours (joined to left, or to the end) and their income; and the
# table's per-card means from those rows
import sqlite3, sys, statistics
db, runs, table = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().split('\n')
con = sqlite3.connect(db)
got = {(p, r, c): (n, h, int(w)) for p, r, c, n, h, w in
       con.execute("SELECT point, rep, card, nodes, online_h, income_wei FROM run_cards")}
assert got, "run_cards is empty"
keys = set()
for p, r in con.execute("SELECT point, rep FROM runs"):
    run = sqlite3.connect(f"{runs}/point-{p}-rep-{r}.db")
    end = int(run.execute("SELECT value FROM run WHERE key = 'simulated_until_us'").fetchone()[0]) / 1e6
    want = {}
    for card, j, l, w in run.execute("SELECT card, joined_s, left_s, income_wei FROM nodes WHERE joined_s IS NOT NULL"):
        n, h, i = want.get(card, (0, 0.0, 0))
        want[card] = (n + 1, h + ((l if l is not None else end) - j) / 3600, i + int(w))
    for card, (n, h, i) in want.items():
        g = got[(p, r, card)]
        assert g[0] == n and abs(g[1] - h) < 1e-6 and g[2] == i, (p, r, card, g, (n, h, i))
        keys.add((p, r, card))
assert keys == set(got), "run_cards has rows no run explains"
card = sorted({c for (_, _, c) in got})[0]
i = table.index(f"node income per card (CNX/online h): {card}")
v = [got[(0, r, card)][2] / 1e18 / got[(0, r, card)][1] for r in range(4)]
base = float(table[i + 1].split()[1])
assert abs(base - statistics.mean(v)) <= 1e-3 * abs(base), (table[i + 1], v)
PY
ok "compare: node income per card matches the nodes of the kept runs"

# ---- helium against hydrogen on the comparison scenario: the table, and
# the same database for -j 1 and -j 2 ----
E=scenarios/editions-compare.json
expect_exit 2 "$BIN" compare scenarios/helium-baseline.json --editions helium,hydrogen --reps 2 \
  --duration 600 --out "$TMP/hb.db"
grep -qF 'protocol.queue_size_limit: a helium key, but protocol.edition is "hydrogen"' "$TMP/err" \
  || die "a scenario with another edition's keys was not refused clearly"
expect_exit 2 "$BIN" compare $E --editions helium,lithium --reps 2 --duration 600 --out "$TMP/li.db"
grep -q 'protocol.edition' "$TMP/err" || die "an unknown edition was not named"
for j in 1 2; do
  expect_exit 0 "$BIN" compare $E --editions helium,hydrogen --reps 3 --duration 3600 -j $j --out "$TMP/e$j.db"
  grep -v '^results: ' "$TMP/out" >"$TMP/e$j.txt"
done
cmp -s "$TMP/e1.txt" "$TMP/e2.txt" || { diff "$TMP/e1.txt" "$TMP/e2.txt" >&2; die "compare -j 1 and -j 2 differ"; }
grep -q '^  hydrogen .*diff [-+]' "$TMP/e1.txt" || die "no paired difference for hydrogen"
grep -q '^cost per task succeeded (CNX)$' "$TMP/e1.txt" || die "no cost per task"
[ "$(sqlite3 "$TMP/e1.db" "select count(*) from runs")" = 6 ] || die "compare did not store 2 x 3 runs"
"$BIN" check "$TMP/e1.db" >/dev/null || die "a comparison database fails check"
ok "compare: helium against hydrogen, paired, the same for -j 1 and -j 2, a checked sweep database"

# ---- the Relay editions beside the on-chain ones: the same workload and
# random streams, the same table for -j 1 and -j 2, a checked database ----
for j in 1 2; do
  expect_exit 0 "$BIN" compare $E --editions helium,vss,relay-2025-07,relay-2026 --reps 2 --duration 5400 -j $j \
    --out "$TMP/r$j.db"
  grep -v '^results: ' "$TMP/out" >"$TMP/r$j.txt"
done
cmp -s "$TMP/r1.txt" "$TMP/r2.txt" || { diff "$TMP/r1.txt" "$TMP/r2.txt" >&2; die "relay compare -j 1 and -j 2 differ"; }
# every row a comparison stores, not only the printed table
rows() { sqlite3 "$1" "select * from meta where key not in ('reps'); select * from axes; select * from points;
                       select * from runs order by point, rep; select * from run_actors order by point, rep, actor;
                       select * from run_income order by point, rep; select * from run_cards order by 1, 2, 3;"; }
rows "$TMP/r1.db" >"$TMP/r1.sql"
rows "$TMP/r2.db" >"$TMP/r2.sql"
cmp -s "$TMP/r1.sql" "$TMP/r2.sql" || die "relay compare databases of -j 1 and -j 2 differ"
if command -v mpirun >/dev/null && "$BIN" sweep --help | grep -q 'This build: MPI'; then
  # (Open MPI's own allocations outlive the program: leak checks off, as in sweep.sh)
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 OMPI_ALLOW_RUN_AS_ROOT=1 \
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
    timeout 300 mpirun --oversubscribe -n 2 "$BIN" compare $E --editions helium,vss,relay-2025-07,relay-2026 \
    --reps 2 --duration 5400 --out "$TMP/rm.db" >"$TMP/rm.txt" 2>"$TMP/rm.err" \
    || { cat "$TMP/rm.err"; die "compare under mpirun -n 2 failed"; }
  rows "$TMP/rm.db" >"$TMP/rm.sql"
  cmp -s "$TMP/r1.sql" "$TMP/rm.sql" || die "relay compare under mpirun -n 2 differs from -j 1"
  ok "compare: mpirun -n 2 stores the same rows as -j 1 (helium, vss, relay-2025-07, relay-2026)"
else
  echo "skip - compare under mpirun (no mpirun, or built without MPI)"
fi
for e in vss relay-2025-07 relay-2026; do
  grep -q "^  $e .*diff [-+]" "$TMP/r1.txt" || die "no paired difference for $e"
done
[ "$(sqlite3 "$TMP/r1.db" "select count(*) from runs")" = 8 ] || die "compare did not store 4 x 2 runs"
"$BIN" check "$TMP/r1.db" >/dev/null || die "a comparison database with Relay editions fails check"
ok "compare: helium, vss, relay-2025-07 and relay-2026, paired, the same for -j 1 and -j 2, a checked database"
