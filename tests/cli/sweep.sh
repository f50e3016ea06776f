#!/usr/bin/env bash
# Program-level tests of `avrami sweep`, called by tests/cli/run.sh.
#   tests/cli/sweep.sh build/avrami
# Each check prints "ok - ..." or fails the script.
set -euo pipefail

. "$(dirname "$0")/setup.sh" "$@"
# rows of the tables that hold results (not the command lines, which differ)
content() { sqlite3 "$1" "select * from meta where key not in ('reps'); select * from axes;
                          select * from points; select * from runs order by point, rep;
                          select * from run_actors order by point, rep, actor;"; }

V=scenarios/vanishing-nodes.json
GRID=(--set protocol.kickout_threshold=10,25 --set network.nodes=20:40:20 --reps 3 --duration 3600)

# ---- usage and bad input: exit 2, the path named, no database left ----
expect_exit 0 "$BIN" sweep --help
grep -q -- '--set PATH=LO:HI:STEP' "$TMP/out" || die "sweep --help lacks ranges"
expect_exit 2 "$BIN" sweep
expect_exit 2 "$BIN" sweep --reps 0 $V
expect_exit 2 "$BIN" sweep --set novalue $V
expect_exit 2 "$BIN" sweep --set protocol.kickout_thresold=5 --out "$TMP/bad.db" $V
grep -qF "$V: \$.protocol.kickout_thresold: expected a known key" "$TMP/err" || die "unknown --set path not named"
grep -qF 'did you mean "kickout_threshold"' "$TMP/err" || die "no suggestion for a misspelt path"
expect_exit 2 "$BIN" sweep --set network.nodes=10,-1 --out "$TMP/bad.db" $V
grep -qF "\$.network.nodes: expected an integer in [0, 50000000], got -1" "$TMP/err" || die "bad value not named"
grep -qF "at sweep point network.nodes=-1" "$TMP/err" || die "bad point not named"
expect_exit 2 "$BIN" sweep --set 'network.cards[5].share=1' --out "$TMP/bad.db" $V
grep -qF "\$.network.cards has no element [5]" "$TMP/err" || die "bad index not named"
[ ! -e "$TMP/bad.db" ] || die "a failed sweep left a database"
ok "sweep: usage and bad --set paths and values exit 2, naming them"

# ---- the grid and the table; -j 1 and -j 2 give the same database ----
"$BIN" sweep "${GRID[@]}" -j 1 --out "$TMP/j1.db" $V >"$TMP/j1.txt" 2>/dev/null
"$BIN" sweep "${GRID[@]}" -j 2 --out "$TMP/j2.db" --quiet --keep-runs "$TMP/keep" $V
[ "$(sqlite3 "$TMP/j1.db" 'select count(*) from runs')" = 12 ] || die "expected 4 points x 3 reps"
[ "$(sqlite3 "$TMP/j1.db" "select label from points where point = 3")" = \
  "protocol.kickout_threshold=25 network.nodes=40" ] || die "point order"
content "$TMP/j1.db" >"$TMP/j1.sql"
content "$TMP/j2.db" >"$TMP/j2.sql"
cmp -s "$TMP/j1.sql" "$TMP/j2.sql" || die "-j 1 and -j 2 databases differ"
[ "$(grep -c '^point [0-3]: ' "$TMP/j1.txt")" = 4 ] || die "table lacks points"
# replication r of a point is `avrami run --replication r` of the edited scenario
sed 's/"nodes": 40/"nodes": 20/' $V >"$TMP/v20.json"
"$BIN" run --quiet --duration 3600 --replication 2 --out "$TMP/r2.db" "$TMP/v20.json"
want=$(sqlite3 "$TMP/r2.db" "select count(*) from tasks")
[ "$(sqlite3 "$TMP/j1.db" "select submitted from runs where point = 0 and rep = 2")" = "$want" ] ||
  die "sweep run differs from avrami run --replication 2"
ok "sweep: 4 points x 3 reps; -j 1 = -j 2; a sweep run = avrami run --replication"

# ---- swept parameters are typed columns of runs (and of its export) ----
python3 - "$TMP/j1.db" <<'PY'
import json, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
assert con.execute("select value from meta where key = 'format'").fetchone()[0] == "avrami-sweep/2"
rows = con.execute('select point, "protocol.kickout_threshold", "network.nodes",'
                   ' typeof("protocol.kickout_threshold") || typeof("network.nodes") from runs').fetchall()
settings = dict(con.execute("select point, settings from points"))
assert len(rows) == 12
for point, k, n, types in rows:
    assert types == "integerinteger", types
    s = json.loads(settings[point])
    assert (k, n) == (s["protocol.kickout_threshold"], s["network.nodes"]), (point, k, n, s)
PY
"$BIN" export "$TMP/j1.db" runs --out "$TMP/runs.csv"
head -1 "$TMP/runs.csv" | grep -q '^point,rep,protocol.kickout_threshold,network.nodes,status,' ||
  die "export of runs lacks the parameter columns"
grep -q $'^3,1,25,40,' "$TMP/runs.csv" || die "export of runs: point 3 lacks its values"
# REAL and TEXT axes (the widest JSON type of the axis's values)
"$BIN" sweep --quiet --set 'network.cards[0].share=1,2.5' --set name=a,b --reps 1 --duration 2400 \
  --out "$TMP/types.db" $V
[ "$(sqlite3 "$TMP/types.db" 'select group_concat(typeof("network.cards[0].share") || typeof(name) || ":" ||
    "network.cards[0].share" || name, " ") from runs')" = \
  "realtext:1.0a realtext:1.0b realtext:2.5a realtext:2.5b" ] || die "REAL and TEXT parameter columns"
ok "sweep: swept parameters are typed columns of runs and of its CSV export"

# ---- per-actor rows; --keep-runs keeps each run's database as avrami run writes it ----
for f in "$TMP"/keep/point-{0,1,2,3}-rep-{0,1,2}.db; do [ -f "$f" ] || die "--keep-runs: $f missing"; done
[ -z "$(ls "$TMP/keep" | grep -v '^point-[0-3]-rep-[0-2]\.db$')" ] || die "--keep-runs left other files"
"$BIN" run --quiet --duration 3600 --replication 2 --set protocol.kickout_threshold=25 --set network.nodes=20 \
  --out "$TMP/k22.db" $V
cmp -s <(sqlite3 "$TMP/k22.db" .dump) <(sqlite3 "$TMP/keep/point-2-rep-2.db" .dump) ||
  die "--keep-runs point-2-rep-2.db differs from avrami run --replication 2 of that point"
A=scenarios/attack-timeout.json
"$BIN" sweep --quiet --set network.nodes=30,40 --reps 2 --duration 1800 --keep-runs "$TMP/ka" --out "$TMP/a.db" $A
[ "$(sqlite3 "$TMP/a.db" 'select count(*) from run_actors')" = 12 ] || die "run_actors: expected 4 runs x 3 actors"
COLS="actor, name, kind, mode, nodes, start_wei, end_wei, income_wei, stake_lost_wei, profit_wei, slashes,
      stakes_lost, kickouts, tasks_paid, fakes, cheats_won, timeouts, busy_s"
for pr in "0 0" "1 1"; do
  set -- $pr
  cmp -s <(sqlite3 "$TMP/ka/point-$1-rep-$2.db" "select $COLS from actors order by actor") \
         <(sqlite3 "$TMP/a.db" "select $COLS from run_actors where point = $1 and rep = $2 order by actor") ||
    die "run_actors of point $1 rep $2 differ from that run's actors table"
done
# aborted: aborted tasks one of the actor's nodes was selected for, recounted
# from the kept run's tasks and node_actors tables
python3 - "$TMP/a.db" "$TMP/ka" <<'PY'
import sqlite3, sys
sweep = sqlite3.connect(sys.argv[1])
total = 0
for point, rep in sweep.execute("select point, rep from runs"):
    run = sqlite3.connect(f"{sys.argv[2]}/point-{point}-rep-{rep}.db")
    actor_of = dict(run.execute("select node, actor from node_actors"))
    want = {}
    for row in run.execute("select node0, node1, node2 from tasks where outcome = 'aborted'"):
        for a in {actor_of.get(n, 0) for n in row if n is not None}:
            want[a] = want.get(a, 0) + 1
    got = dict(sweep.execute("select actor, aborted from run_actors where point = ? and rep = ?", (point, rep)))
    assert got == {a: want.get(a, 0) for a in got}, (point, rep, got, want)
    total += sum(got.values())
assert total > 0, "no aborted task in the test sweep: the check proves nothing"
PY
[ "$(sqlite3 "$TMP/a.db" "select count(*) from run_actors where name = 'honest' and kind = 'honest' and actor = 0")" = 4 ] ||
  die "run_actors: the honest nodes are not actor 0"
ok "sweep: run_actors = each run's actors table; --keep-runs DIR/point-P-rep-R.db = avrami run --replication R"

# ---- a database of the older format is refused with a clear message ----
cp "$TMP/types.db" "$TMP/old.db"
sqlite3 "$TMP/old.db" "update meta set value = 'avrami-sweep/1' where key = 'format'"
expect_exit 2 "$BIN" sweep --quiet --set 'network.cards[0].share=1,2.5' --set name=a,b --reps 1 --duration 2400 \
  --out "$TMP/old.db" $V
grep -q 'older format avrami-sweep/1' "$TMP/err" || { cat "$TMP/err"; die "an avrami-sweep/1 database was not refused clearly"; }
expect_exit 2 "$BIN" sweep --quiet --keep-runs "$TMP/types.db" --reps 1 --duration 2400 --out "$TMP/kx.db" $V
grep -q 'expected a directory' "$TMP/err" || die "--keep-runs on a file not refused"
ok "sweep: an avrami-sweep/1 database and a --keep-runs that is no directory are refused"

# ---- the interval, recomputed from the stored runs (t quantile 4.302653 for n = 3) ----
python3 - "$TMP/j1.db" "$TMP/j1.txt" <<'PY'
import math, re, sqlite3, sys
db, txt = sys.argv[1], open(sys.argv[2]).read()
v = [r[0] for r in sqlite3.connect(db).execute("select income_cnx_per_node_h from runs where point = 1 order by rep")]
m = sum(v) / 3
sd = math.sqrt(sum((x - m) ** 2 for x in v) / 2)
want = "%.4f ± %.4f" % (m, 4.302653 * sd / math.sqrt(3))
block = txt.split("point 1:")[1].split("point 2:")[0]
got = re.search(r"node income \(CNX/node-h\)\s+(\S+ ± \S+)", block).group(1)
assert got == want, (got, want)
PY
ok "sweep: mean ± 95% half-width matches a recomputation"

# ---- resume: an interrupted sweep continues, nothing is redone or duplicated ----
# point 0 runs take milliseconds, point 1 runs about half a second (plain build)
B=$V
RES=(--set duration_s=3600,1000000 --reps 2 -j 2 --seed 5)
"$BIN" sweep "${RES[@]}" --quiet --out "$TMP/res.db" $B &
pid=$!
for _ in $(seq 100); do
  sleep 0.1
  n=$(sqlite3 "$TMP/res.db" 'select count(*) from runs' 2>/dev/null || echo 0)
  [ "$n" -ge 2 ] && break
done
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 1 ] || die "interrupted sweep exited $rc, expected 1"
[ "$(sqlite3 "$TMP/res.db" 'select count(*) from runs')" = 2 ] || die "interrupted sweep: expected the 2 short runs"
"$BIN" sweep "${RES[@]}" --out "$TMP/res.db" $B >/dev/null 2>"$TMP/err"
grep -q '2 of 4 runs already done, 2 to go' "$TMP/err" || { cat "$TMP/err"; die "resume did not skip the finished runs"; }
"$BIN" sweep "${RES[@]}" --quiet --out "$TMP/res.db" $B
[ "$(sqlite3 "$TMP/res.db" 'select count(*) from runs')" = 4 ] || die "resumed sweep: rows missing or duplicated"
[ "$(sqlite3 "$TMP/res.db" 'select count(*) from invocations')" = 3 ] || die "invocations not recorded"
expect_exit 2 "$BIN" sweep --set duration_s=3600,1000001 --reps 2 -j 2 --seed 5 --out "$TMP/res.db" $B
grep -q 'made by a different sweep (its grid differs' "$TMP/err" || die "a different grid was not refused"
expect_exit 2 "$BIN" sweep "${RES[@]}" --seed 6 --out "$TMP/res.db" $B
grep -q 'its seed differs' "$TMP/err" || die "a different seed was not refused"
"$BIN" run --quiet --duration 600 --out "$TMP/run.db" $V
expect_exit 2 "$BIN" sweep --out "$TMP/run.db" $V
grep -q 'not a sweep database' "$TMP/err" || die "a run database was not refused"
ok "sweep: interrupted, resumed without redoing or duplicating; other sweeps refused"

# ---- MPI: mpirun -n 1, 2, 4 (oversubscribed) give the -j 1 database ----
if command -v mpirun >/dev/null && "$BIN" sweep --help | grep -q 'This build: MPI'; then
  # Open MPI's own allocations are still live at exit; LeakSanitizer reports
  # them as leaks of this program, so leak checking is off for these runs
  # (ASan's other checks stay on).
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  for k in 1 2 4; do
    timeout 120 mpirun --oversubscribe -n $k "$BIN" sweep "${GRID[@]}" --out "$TMP/mpi$k.db" $V \
      >"$TMP/mpi.txt" 2>"$TMP/mpi.err" || { cat "$TMP/mpi.err"; die "mpirun -n $k failed"; }
    content "$TMP/mpi$k.db" >"$TMP/mpi.sql"
    cmp -s "$TMP/j1.sql" "$TMP/mpi.sql" || die "mpirun -n $k database differs from -j 1"
    if [ $k -gt 1 ]; then
      grep -q "runs by MPI rank: 0:[0-9]* 1:[1-9]" "$TMP/mpi.err" || { cat "$TMP/mpi.err"; die "rank 1 ran nothing"; }
    fi
  done
  ok "sweep: mpirun -n 1, 2, 4 give the same database as -j 1"
else
  echo "skip - sweep under mpirun (no mpirun, or built without MPI)"
fi

# ---- a worker that dies while idle is reported, not a silent SIGPIPE ----
# point 0 ends in a fraction of a second, point 1 runs for seconds: worker 0
# sits idle, is killed, and the parent later writes its quit message
"$BIN" sweep --quiet -j 2 --set duration_s=3700,400000 --reps 1 --out "$TMP/idle.db" scenarios/helium-baseline.json \
  2>"$TMP/idle.err" &
pid=$!
for _ in $(seq 50); do kids=$(pgrep -P "$pid" | head -1 || true); [ -n "$kids" ] && break; sleep 0.1; done
# worker 0 is idle once point 0 is stored (on a loaded machine that can take
# longer than any fixed pause)
for _ in $(seq 600); do
  [ "$(sqlite3 "$TMP/idle.db" "SELECT count(*) FROM runs" 2>/dev/null || echo 0)" -ge 1 ] && break
  sleep 0.1
done
[ -n "$kids" ] && kill -9 "$kids" 2>/dev/null || true
# no need to wait for the long run: SIGINT ends it, and the parent still
# sends its quit message to the dead worker
sleep 1
kill -INT "$pid" 2>/dev/null || true
rc=0; wait "$pid" || rc=$?
[ "$rc" -ne 141 ] || die "sweep died of SIGPIPE after a worker died"
[ "$rc" -le 2 ] || { cat "$TMP/idle.err"; die "sweep exited $rc after a worker died"; }
grep -Eq "worker 0 \(pid [0-9]+\) (was killed by signal 9 while idle|died)|the worker running point" "$TMP/idle.err" \
  || { cat "$TMP/idle.err"; die "a killed worker was not reported"; }
ok "sweep: a killed worker is reported and the parent exits by itself (not SIGPIPE)"

# ---- -j is capped: no more workers than runs to do ----
"$BIN" sweep -j 2000 --reps 1 --duration 600 --out "$TMP/cap.db" $V >/dev/null 2>"$TMP/cap.err" \
  || { cat "$TMP/cap.err"; die "sweep -j 2000 failed"; }
grep -q -- '-j 2000 capped to 1 (runs to do: 1' "$TMP/cap.err" || { cat "$TMP/cap.err"; die "-j 2000 not capped"; }
grep -q 'with 1 local worker$' "$TMP/cap.err" || { cat "$TMP/cap.err"; die "-j 2000 started more than one worker"; }
ok "sweep: -j 2000 for one run starts one worker"
