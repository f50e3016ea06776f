#!/usr/bin/env bash
# `avrami check` against damaged and edited results databases: every table
# and column class is tampered with in turn, and each must exit 1 naming
# what differs; a file that is not SQLite at all exits 2.  Called by
# tests/cli/run.sh.
#   tests/cli/check.sh build/avrami
set -euo pipefail

. "$(dirname "$0")/setup.sh" "$@"

"$BIN" run --quiet --duration 1800 --out "$TMP/base.db" scenarios/helium-baseline.json
"$BIN" run --quiet --duration 1800 --out "$TMP/att.db" scenarios/attack-colluders.json
"$BIN" run --quiet --duration 3600 --out "$TMP/storm.db" scenarios/churn-storm.json
"$BIN" run --quiet --duration 3600 --out "$TMP/vss.db" scenarios/vss-baseline.json
"$BIN" run --quiet --duration 1800 --out "$TMP/hy.db" scenarios/hydrogen-baseline.json
"$BIN" run --quiet --out "$TMP/rel.db" --set protocol.edition=relay-2025-03 scenarios/attack-colluders-relay.json
for d in base att storm vss hy rel; do
  "$BIN" check "$TMP/$d.db" >"$TMP/out" || { cat "$TMP/out" >&2; die "$d: an untouched run fails check"; }
done
grep -q "one node per task (edition vss, relay-*): node overlaps not checked" "$TMP/out" && die "hydrogen: overlap note"
"$BIN" check "$TMP/vss.db" | grep -q "node overlaps not checked" || die "vss: no note that overlaps go unchecked"
"$BIN" check "$TMP/rel.db" | grep -q "node overlaps not checked" || die "relay: no note that overlaps go unchecked"
ok "check passes untouched runs (baseline, attackers, churn storm with quirks, vss, hydrogen, relay-2025-03)"

# tamper NAME BASE PATTERN SQL...: a copy of BASE edited by SQL (plus1(x) adds
# one wei to a decimal string) must fail check with exit 1 and PATTERN in
# its output.
tamper() {
  local name=$1 base=$2 pat=$3; shift 3
  cp "$TMP/$base.db" "$TMP/t.db"
  python3 - "$TMP/t.db" "$@" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
con.create_function('plus1', 1, lambda s: None if s is None else str(int(s) + 1))
for sql in sys.argv[2:]:
    con.executescript(sql)
con.commit()
PY
  local rc=0
  "$BIN" check "$TMP/t.db" >"$TMP/out" 2>&1 || rc=$?
  [ "$rc" -eq 1 ] || { cat "$TMP/out" >&2; die "tampered ($name): check exited $rc, expected 1"; }
  grep -qE -- "$pat" "$TMP/out" || { cat "$TMP/out" >&2; die "tampered ($name): output lacks /$pat/"; }
}

N0="(SELECT node0 FROM tasks WHERE paid0_wei != '0' LIMIT 1)"
# nodes
tamper "income +1 wei" base "node [0-9]+: income_wei differs from the task rows" \
  "UPDATE nodes SET income_wei = plus1(income_wei) WHERE id = $N0"
tamper "all incomes 0" base "income_wei differs" "UPDATE nodes SET income_wei = '0'"
tamper "income NULL" base "nodes \(row [0-9]+\): income_wei is not a decimal wei amount" \
  "UPDATE nodes SET income_wei = NULL WHERE id = 3"
tamper "half the nodes deleted" base "nodes: ids are not|node accounts for" \
  "DELETE FROM nodes WHERE id % 2 = 1"
tamper "last half of the nodes deleted" base "node accounts for|not in the nodes table" \
  "DELETE FROM nodes WHERE id >= (SELECT count(*) / 2 FROM nodes)"
tamper "node moved to another account" base "its account is not in the accounts table" \
  "UPDATE nodes SET account = account + 1 WHERE id = 2"
# the vss edition: one node per task, a sampled request escrows three fees
NV="(SELECT node0 FROM tasks WHERE paid0_wei != '0' LIMIT 1)"
tamper "vss income +1 wei" vss "node [0-9]+: income_wei differs from the task rows" \
  "UPDATE nodes SET income_wei = plus1(income_wei) WHERE id = $NV"
# the Relay: its own account moves by the fees it kept and the excess it paid
tamper "relay account +1 wei" rel "the Relay's account differs from its opening balance" \
  "UPDATE accounts SET end_wei = plus1(end_wei) WHERE kind = 'relay' AND end_wei != '0'" \
  "UPDATE run SET value = plus1(value) WHERE key = 'total_supply_end'"
tamper "relay excess edited" rel "the Relay's account differs|what they lost differs" \
  "UPDATE run SET value = plus1(value) WHERE key = 'relay_excess_wei'"
tamper "vss escrow beyond three fees" vss "exceed the fees of its three tasks" \
  "UPDATE tasks SET escrow_wei = CAST(fee_wei AS TEXT) || '0' WHERE seq = (SELECT min(seq) FROM tasks WHERE outcome = 'open')"
# tasks
tamper "task fee +1 wei" base "application .*: fees_wei differs" "UPDATE tasks SET fee_wei = plus1(fee_wei) WHERE seq = 5"
tamper "task fee x10" base "value_wei_per_s is not fee_wei / cap_s|fees_wei differs" \
  "UPDATE tasks SET fee_wei = fee_wei || '0' WHERE seq = 7"
tamper "payment +1 wei" base "income_wei differs from the task rows" \
  "UPDATE tasks SET paid0_wei = plus1(paid0_wei) WHERE seq = 9"
tamper "payment moved to another node" base "income_wei differs from the task rows" \
  "UPDATE tasks SET node0 = node0 + 1 WHERE seq = 9"
tamper "escrow +1 wei" base "escrow: the Task contract's balance differs" \
  "UPDATE tasks SET escrow_wei = plus1(escrow_wei) WHERE seq = (SELECT max(seq) FROM tasks WHERE outcome = 'open' AND id IS NOT NULL)"
tamper "half the tasks deleted" base "tasks: seq [0-9]+ follows" "DELETE FROM tasks WHERE seq % 2 = 1"
tamper "last half of the tasks deleted" base "income_wei differs|fees_wei differs|series \(minute" \
  "DELETE FROM tasks WHERE seq >= (SELECT count(*) / 2 FROM tasks)"
tamper "outcome unknown" base "inconsistent terminal state 'weird'" "UPDATE tasks SET outcome = 'weird' WHERE seq = 0"
tamper "outcome NULL" base "inconsistent terminal state" "UPDATE tasks SET outcome = NULL WHERE seq = 0"
tamper "success without finish" base "inconsistent terminal state 'success'" \
  "UPDATE tasks SET finished_s = NULL WHERE seq = 3 AND outcome = 'success'"
tamper "start before creation" base "inconsistent terminal state" \
  "UPDATE tasks SET started_s = created_s - 10 WHERE seq = 3"
tamper "queue wait edited" base "queue_wait_s is not started_s - created_s" \
  "UPDATE tasks SET queue_wait_s = queue_wait_s + 5 WHERE seq = 3"
tamper "node in two tasks" base "in two tasks at once" \
  "UPDATE tasks SET node0 = (SELECT node0 FROM tasks WHERE seq = 10), paid0_wei = '0', started_s = (SELECT started_s FROM tasks WHERE seq = 10) WHERE seq = 11"
tamper "round node NULL" base "round 0 has a payment but no node" "UPDATE tasks SET node0 = NULL WHERE seq = 12"
# accounts and supply
tamper "total supply keys deleted" base "run: key total_supply_start is missing" \
  "DELETE FROM run WHERE key LIKE 'total_supply_%'"
tamper "total supply end" base "total supply changed|total_supply_end differs" \
  "UPDATE run SET value = plus1(value) WHERE key = 'total_supply_end'"
tamper "both supplies +1" base "total_supply_start differs from the sum of opening balances" \
  "UPDATE run SET value = plus1(value) WHERE key LIKE 'total_supply_%'"
tamper "app balance +1 wei" base "total_supply_end differs" \
  "UPDATE accounts SET end_wei = plus1(end_wei) WHERE kind = 'application'"
tamper "app balance and supply +1 wei" base "application .*: closing balance|applications: what they lost differs" \
  "UPDATE accounts SET end_wei = plus1(end_wei) WHERE kind = 'application'" \
  "UPDATE run SET value = plus1(value) WHERE key LIKE 'total_supply_%'"
tamper "node balance +1 wei" base "node [0-9]+: balance \+ locked stake" \
  "UPDATE accounts SET end_wei = plus1(end_wei) WHERE account = (SELECT account FROM nodes WHERE id = 4)"
tamper "locked stake" base "Node contract's balance differs|balance \+ locked" \
  "UPDATE accounts SET locked_wei = '0' WHERE account = (SELECT account FROM nodes WHERE id = 4)"
tamper "Task contract balance" base "escrow: the Task contract's balance differs" \
  "UPDATE accounts SET end_wei = plus1(end_wei) WHERE kind = 'task contract'"
tamper "account deleted" base "its account is not in the accounts table|total_supply" \
  "DELETE FROM accounts WHERE account = (SELECT account FROM nodes WHERE id = 1)"
tamper "wrap-around" base "not a decimal wei amount" \
  "UPDATE accounts SET end_wei = '340282366920938463463374607431768211456' WHERE kind = 'owner'"
tamper "quirk counter edited" storm "escrow: the Task contract's balance differs" \
  "UPDATE run SET value = plus1(value) WHERE key = 'quirk_fee_too_low_wei'"
# actors
tamper "actor income" att "actor attacker: nodes, balances, income" \
  "UPDATE actors SET income_wei = '1' || income_wei WHERE actor = 1"
tamper "actor profit" att "actor attacker: profit is not income - stake lost" \
  "UPDATE actors SET profit_wei = plus1(profit_wei) WHERE actor = 1"
tamper "owner balance" att "owner_balance_end differs|owner's gain" \
  "UPDATE run SET value = '0' WHERE key = 'owner_balance_end'"
tamper "stake lost moved" att "balance \+ locked stake|actor .*: nodes" \
  "UPDATE accounts SET stake_lost_wei = '0' WHERE stake_lost_wei != '0'"
tamper "node_actors row deleted" att "actor .*: nodes, balances" "DELETE FROM node_actors WHERE rowid = (SELECT min(rowid) FROM node_actors)"
tamper "node_actors to nowhere" att "node_actors: 1 rows name no node" "UPDATE node_actors SET actor = 99 WHERE rowid = (SELECT min(rowid) FROM node_actors)"
# series
tamper "series count" base "series \(minute 3\): tasks created" "UPDATE series SET created = created + 1 WHERE minute = 3"
tamper "series minute deleted" base "series: minutes are not" "DELETE FROM series WHERE minute = 5"
tamper "series NULL" base "series: 1 rows with a NULL" "UPDATE series SET busy = NULL WHERE minute = 2"
# invariants and run keys
tamper "invariant failed" base "invariant no node in two tasks failed" "UPDATE invariants SET ok = 0 WHERE name = 'no node in two tasks'"
tamper "invariant deleted" base "invariants: 'queue within its limit' has no row" "DELETE FROM invariants WHERE name = 'queue within its limit'"
tamper "invariant ok NULL" base "invariant .* failed" "UPDATE invariants SET ok = NULL"
tamper "complete NULL" base "run: complete is NULL" "UPDATE run SET value = NULL WHERE key = 'complete'"
tamper "complete deleted" base "run: key complete is missing" "DELETE FROM run WHERE key = 'complete'"
tamper "incomplete" base "run is not complete" "UPDATE run SET value = '0' WHERE key = 'complete'"
tamper "seed not a number" base "run: seed = 'x' is not a 64-bit count" "UPDATE run SET value = 'x' WHERE key = 'seed'"
# shape
for t in run tasks nodes series invariants reverts actors node_actors app_harm accounts; do
  tamper "table $t dropped" base "table $t is missing" "DROP TABLE $t"
done
tamper "column dropped" base "table tasks: columns" "ALTER TABLE tasks DROP COLUMN escrow_wei"
tamper "column added" base "table nodes: columns" "ALTER TABLE nodes ADD COLUMN extra TEXT"
sqlite3 "$TMP/fake.db" "CREATE TABLE run(key TEXT PRIMARY KEY, value TEXT); INSERT INTO run VALUES('complete', '1')"
rc=0; "$BIN" check "$TMP/fake.db" >"$TMP/out" || rc=$?
[ "$rc" -eq 1 ] && grep -q "table tasks is missing" "$TMP/out" || die "a one-table fake database passes check"
ok "check: every tampered table and column class exits 1 naming what differs"

printf 'not a database' >"$TMP/junk.db"
rc=0; "$BIN" check "$TMP/junk.db" >"$TMP/out" || rc=$?
[ "$rc" -eq 2 ] || die "junk file: check exited $rc, expected 2"
rc=0; "$BIN" check "$TMP" >"$TMP/out" || rc=$?
[ "$rc" -eq 2 ] && grep -q "not a regular file" "$TMP/out" || die "directory: check exited $rc, expected 2"
mkfifo "$TMP/fifo.db"
rc=0; timeout 10 "$BIN" check "$TMP/fifo.db" >"$TMP/out" || rc=$?
[ "$rc" -eq 2 ] || die "FIFO: check exited $rc, expected 2"
ok "check: junk, a directory and a FIFO exit 2 without blocking"

# ---- sweep databases: check, and every reader refuses a damaged one ----
SW=(--quiet --set network.nodes=10,20 --reps 2 --duration 600 scenarios/vanishing-nodes.json)
"$BIN" sweep "${SW[@]}" --out "$TMP/sw.db" 2>/dev/null
"$BIN" check "$TMP/sw.db" >"$TMP/out" || { cat "$TMP/out" >&2; die "an untouched sweep fails check"; }
# sweep_tamper NAME PATTERN SQL: check exits 1; plot, report and a resume
# exit 2 (no crash, no write out of bounds) naming the damage
sweep_tamper() {
  cp "$TMP/sw.db" "$TMP/st.db"
  sqlite3 "$TMP/st.db" "$3"
  local rc=0
  "$BIN" check "$TMP/st.db" >"$TMP/out" 2>&1 || rc=$?
  [ "$rc" -eq 1 ] && grep -qE -- "$2" "$TMP/out" || { cat "$TMP/out" >&2; die "sweep tampered ($1): check exited $rc"; }
  for cmd in "plot $TMP/st.db --out $TMP/plots" "report $TMP/st.db --out $TMP/r.md"; do
    rc=0; "$BIN" $cmd >"$TMP/out" 2>&1 || rc=$?
    [ "$rc" -le 2 ] || { cat "$TMP/out" >&2; die "sweep tampered ($1): ${cmd%% *} crashed ($rc)"; }
  done
}
sweep_tamper "axes vals empty" "axes row 0" "UPDATE axes SET vals = '[]'"
sweep_tamper "axes path NULL" "axes row 0" "UPDATE axes SET path = NULL"
sweep_tamper "run point out of range" "runs row \(point 1000000" "UPDATE runs SET point = 1000000 WHERE point = 1 AND rep = 1"
sweep_tamper "metric NULL" "holds a NULL" "UPDATE runs SET success_share = NULL WHERE point = 1"
sweep_tamper "point deleted" "1 points for a grid of 2" "DELETE FROM points WHERE point = 1"
sweep_tamper "invariant violated" "an invariant was violated" "UPDATE runs SET status = 1 WHERE point = 0 AND rep = 1"
sweep_tamper "counts" "submitted != succeeded" "UPDATE runs SET succeeded = succeeded + 1 WHERE point = 1"
sweep_tamper "run deleted" "3 of 4 runs stored" "DELETE FROM runs WHERE point = 1 AND rep = 1"
sweep_tamper "meta key" "key seed is missing" "DELETE FROM meta WHERE key = 'seed'"
sweep_tamper "parameter column" 'runs."network.nodes" differs' "UPDATE runs SET \"network.nodes\" = 11 WHERE point = 1 AND rep = 0"
sweep_tamper "actor row deleted" "runs without their honest row" "DELETE FROM run_actors WHERE point = 1 AND rep = 1"
sweep_tamper "actor of no run" "rows of no stored run" "UPDATE run_actors SET rep = 7 WHERE point = 1 AND rep = 1"
sweep_tamper "actor wei" "is not decimal wei" "UPDATE run_actors SET profit_wei = '1e21' WHERE point = 0"
for q in "UPDATE axes SET vals = '[]'" "UPDATE axes SET path = NULL" "UPDATE runs SET point = 1000000 WHERE point = 1 AND rep = 1" \
         "UPDATE runs SET point = -5 WHERE point = 1 AND rep = 1" "DELETE FROM points WHERE point = 1"; do
  cp "$TMP/sw.db" "$TMP/st.db"
  sqlite3 "$TMP/st.db" "$q"
  rc=0; "$BIN" plot "$TMP/st.db" --out "$TMP/plots" >"$TMP/out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && grep -q "a damaged sweep database" "$TMP/out" || { cat "$TMP/out" >&2; die "plot of a damaged sweep ($q) exited $rc"; }
  rc=0; "$BIN" report "$TMP/st.db" --out "$TMP/r.md" >"$TMP/out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && grep -q "a damaged sweep database" "$TMP/out" || { cat "$TMP/out" >&2; die "report of a damaged sweep ($q) exited $rc"; }
  rc=0; "$BIN" sweep "${SW[@]}" --out "$TMP/st.db" >"$TMP/out" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && grep -q "damaged" "$TMP/out" || { cat "$TMP/out" >&2; die "resume of a damaged sweep ($q) exited $rc"; }
done
ok "sweep databases: check finds each damage; plot, report and resume refuse it (exit 2) without crashing"
