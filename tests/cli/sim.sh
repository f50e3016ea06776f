#!/usr/bin/env bash
# Program-level tests of the simulator (avrami run / check), called by
# tests/cli/run.sh.
#   tests/cli/sim.sh build/avrami
# A plain sequence of checks; each prints "ok - ..." or fails the script.
# UPDATE_GOLDEN=1 rewrites tests/golden/*.txt (review the diff before committing).
set -euo pipefail

. "$(dirname "$0")/setup.sh" "$@"


# ---- run: help and usage ----
expect_exit 0 "$BIN" run --help
grep -q -- '--paranoid' "$TMP/out" || die "run --help lacks --paranoid"
ok "run --help"
expect_exit 2 "$BIN" run
expect_exit 2 "$BIN" run --seed abc scenarios/helium-baseline.json
expect_exit 2 "$BIN" run --bogus scenarios/helium-baseline.json
ok "run usage errors exit 2"

# ---- bad scenarios: exit 2, message names the file and the JSON path ----
bad() { # NAME JSON EXPECTED-SUBSTRING
  printf '%s\n' "$2" >"$TMP/$1.json"
  expect_exit 2 "$BIN" run --no-db "$TMP/$1.json"
  grep -qF "$TMP/$1.json: $3" "$TMP/err" || { cat "$TMP/err" >&2; die "$1: message lacks '$3'"; }
}
NET='"network": {"nodes": 5, "cards": [{"card": "NVIDIA GeForce RTX 4090"}]}'
APP='"applications": [{"arrival": {"process": "poisson", "rate_per_h": 10}, "tasks": [{"type": "sd", "fee": {"wei": "1"}}]}]'
bad unknown-key "{$NET, $APP, \"sed\": 1}" '$.sed: expected a known key, got unknown key "sed" (did you mean "seed"?)'
bad wrong-type "{$NET, $APP, \"chain\": {\"block_time_s\": \"2\"}}" '$.chain.block_time_s: expected a number'
bad out-of-range "{\"network\": {\"nodes\": -1, \"cards\": []}, $APP}" '$.network.nodes: expected an integer in [0, 50000000], got -1'
bad unknown-card "{\"network\": {\"nodes\": 5, \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4099\"}]}, $APP}" '$.network.cards[0].card: expected a card of models/cards.json'
bad stake-number "{$NET, $APP, \"protocol\": {\"stake\": 400}}" '$.protocol.stake: expected a decimal wei string'
bad nested-key "{$NET, \"applications\": [{\"arrival\": {\"process\": \"poisson\", \"rate\": 3}, \"tasks\": []}]}" '$.applications[0].arrival.rate: expected a known key'
bad duplicate "{$NET, $APP, \"seed\": 1, \"seed\": 2}" '$.seed: expected each key once'
bad syntax "{$NET," '$: expected valid JSON'
expect_exit 2 "$BIN" run --no-db "$TMP/does-not-exist.json"
grep -qF "does-not-exist.json" "$TMP/err" || die "missing file not named"
ok "bad scenarios exit 2 with file and JSON path"
bad app-profile "{$NET, \"applications\": [{\"profile\": \"bridge\", \"arrival\": {\"process\": \"poisson\"}, \"tasks\": [{\"type\": \"gpt\"}]}]}" '$.applications[0].profile: expected one of "generic", "bridge-2024-03"'
bad node-profile "{\"network\": {\"node_profile\": \"node-2024\", \"cards\": [{\"card\": \"NVIDIA GeForce RTX 4090\"}]}, $APP}" '$.network.node_profile: expected one of "generic", "node-2024-03", got "node-2024"'
ok "bad profile names exit 2 with file and JSON path"

# ---- profile rules, counted by hand (docs/profiles.md) ----
# A create every 30 s from one client id (at 30, 60, ..., 3570 s: 119 in
# the hour); the bridge allows one a minute (crynux-bridge d439ea5): the
# 60 at 30, 90, ..., 3570 s pass, the 59 between them are refused.
prof() { # NAME APP-KEYS CHAIN
  printf '{"duration_s": 3600, "chain": %s, %s, "applications": [{%s, "arrival": {"process": "periodic", "rate_per_h": 120}, "tasks": [{"type": "sd"}]}]}\n' \
    "$3" "$NET" "$2" >"$TMP/$1.json"
  "$BIN" run --no-db "$TMP/$1.json" >"$TMP/$1.txt"
}
prof rate '"profile": "bridge-2024-04"' '{"block_time_s": 2}'
grep -q '^  app0       119 asked, 59 refused by the rate limit, 60 created;' "$TMP/rate.txt" ||
  { cat "$TMP/rate.txt" >&2; die "bridge rate limit: expected 59 of 119 creates refused"; }
ok "bridge-2024-04 refuses a second create from a client within a minute"
# The bridge of June 2024 gives a create up when its receipt is missing at
# its first poll (crynux-bridge d8d3ecc, 62d1535): sent at a multiple of
# 30 s, it reaches the chain 0.5 s later and the next 2-second block 2 s
# after sending: every create is given up.  With 0.5-second blocks and
# 0.25 s latency it is in a block 0.5 s after sending: none is.
prof slow '"profile": "bridge-2024-06", "rate_limit_interval_s": 0' '{"block_time_s": 2, "submission_latency_s": 0.5}'
grep -q 'lost: 119 creates given up unconfirmed' "$TMP/slow.txt" ||
  { cat "$TMP/slow.txt" >&2; die "bridge-2024-06: expected all 119 creates given up on 2-second blocks"; }
prof fast '"profile": "bridge-2024-06", "rate_limit_interval_s": 0' '{"block_time_s": 0.5, "submission_latency_s": 0.25}'
grep -q 'lost: 0 creates given up unconfirmed' "$TMP/fast.txt" ||
  { cat "$TMP/fast.txt" >&2; die "bridge-2024-06: expected no create given up on 0.5-second blocks"; }
ok "bridge-2024-06 gives up creates not in a block by its first poll"
# The node of March 2024 (crynux-node 0d48999) preloads only sd models and
# downloads any other inside the task: three nodes, a gpt task every 30
# minutes; the first one makes each node fetch 15,000 MB at 100 Mbit/s
# (1,200 s each, 1.0 node-h in all) and times out at 900 s; the model stays
# on disk for the later tasks.
printf '{"duration_s": 7200, "network": {"node_profile": "node-2024-03", "nodes": 3, "cards": [{"card": "NVIDIA GeForce RTX 4090"}]}, "applications": [{"profile": "bridge-2024-04", "arrival": {"process": "periodic", "rate_per_h": 2}, "tasks": [{"type": "gpt"}]}]}\n' >"$TMP/dl.json"
"$BIN" run --no-db "$TMP/dl.json" >"$TMP/dl.txt"
grep -q '^model downloads inside tasks: 3, 1.0 node-h' "$TMP/dl.txt" && grep -q 'aborted: Task Cancelled  *1$' "$TMP/dl.txt" ||
  { cat "$TMP/dl.txt" >&2; die "node-2024-03: expected 3 downloads inside the first task and that task cancelled"; }
ok "node-2024-03 downloads a model that is not preloaded inside the task's time"
expect_exit 2 "$BIN" run --out "$TMP/no/such/dir/x.db" scenarios/replayed-arrivals.json
grep -q 'cannot write' "$TMP/err" || die "unwritable --out not reported"
ok "unwritable --out: exit 2 before running"

# ---- determinism: same scenario + seed -> identical database content ----
for s in scenarios/*.json; do
  n=$(basename "$s" .json)
  "$BIN" run --quiet --duration 1800 --out "$TMP/$n-a.db" "$s"
  "$BIN" run --quiet --duration 1800 --out "$TMP/$n-b.db" "$s"
  sqlite3 "$TMP/$n-a.db" .dump >"$TMP/a.sql"
  sqlite3 "$TMP/$n-b.db" .dump >"$TMP/b.sql"
  cmp -s "$TMP/a.sql" "$TMP/b.sql" || die "$n: two runs with the same seed differ"
  [ "$(sqlite3 "$TMP/$n-a.db" "select count(*) from tasks")" -gt 0 ] || die "$n: no tasks"
done
"$BIN" run --quiet --duration 1800 --seed 99 --out "$TMP/other.db" scenarios/helium-baseline.json
sqlite3 "$TMP/other.db" .dump >"$TMP/c.sql"
sqlite3 "$TMP/helium-baseline-a.db" .dump >"$TMP/a.sql"
! cmp -s "$TMP/a.sql" "$TMP/c.sql" || die "a different seed gave the same database"
ok "determinism: identical databases for the same seed, different for another"

# ---- avrami check ----
expect_exit 0 "$BIN" check "$TMP/helium-baseline-a.db"
cp "$TMP/helium-baseline-a.db" "$TMP/broken.db"
sqlite3 "$TMP/broken.db" "update tasks set outcome = 'weird' where seq = 0"
expect_exit 1 "$BIN" check "$TMP/broken.db"
cp "$TMP/helium-baseline-a.db" "$TMP/broken2.db"
sqlite3 "$TMP/broken2.db" "update run set value = '1' where key = 'total_supply_end'"
expect_exit 1 "$BIN" check "$TMP/broken2.db"
expect_exit 2 "$BIN" check "$TMP/does-not-exist.db"
ok "check: passes a good run, fails a tampered one"

# ---- attack scenarios: per-actor money to the wei, checked from the database ----
for s in scenarios/attack-*.json; do
  n=$(basename "$s" .json)
  expect_exit 0 "$BIN" check "$TMP/$n-a.db"
  [ "$(sqlite3 "$TMP/$n-a.db" "select count(*) from actors")" -ge 2 ] || die "$n: no behaviour actors"
done
cp "$TMP/attack-colluders-a.db" "$TMP/broken3.db"
sqlite3 "$TMP/broken3.db" "update actors set income_wei = '1' || income_wei where actor = 1"
expect_exit 1 "$BIN" check "$TMP/broken3.db"
grep -q 'actor attacker: nodes, balances, income' "$TMP/out" || die "tampered actor income not reported"
cp "$TMP/attack-colluders-a.db" "$TMP/broken4.db"
sqlite3 "$TMP/broken4.db" "update run set value = '0' where key = 'owner_balance_end'"
expect_exit 1 "$BIN" check "$TMP/broken4.db"
grep -q "owner_balance_end differs" "$TMP/out" || die "tampered owner balance not reported"
[ "$(sqlite3 "$TMP/attack-colluders-a.db" "select cheats_won > 0 and stake_lost_wei = '0' from actors where name = 'attacker'")" = 1 ] \
  || die "attack-colluders: the colluders won nothing or lost stake"
[ "$(sqlite3 "$TMP/attack-colluders-a.db" "select wrong_accepted > 0 from app_harm")" = 1 ] || die "no wrong results accepted"
for s in scenarios/attack-*.json; do
  "$BIN" run --paranoid --no-db "$s" >"$TMP/att.txt"
  grep -q 'invariants: all held' "$TMP/att.txt" || die "$s: invariant violated (paranoid, whole run)"
done
ok "attack scenarios: accounts per actor hold to the wei, after every event too; tampering is caught"

# ---- replications: one database each and a confidence-interval table ----
sed 's/"seed": 7,/"seed": 7, "replications": 3,/' scenarios/vanishing-nodes.json >"$TMP/reps.json"
"$BIN" run --duration 900 --out "$TMP/reps.db" "$TMP/reps.json" >"$TMP/reps.txt"
for r in 0 1 2; do
  "$BIN" check "$TMP/reps-rep$r.db" >/dev/null || die "replication $r: check failed"
done
[ "$(grep -c '^avrami run:' "$TMP/reps.txt")" = 3 ] || die "expected 3 replication summaries"
grep -q '^replications: 3; mean ± 95% confidence half-width' "$TMP/reps.txt" || die "no confidence table"
sqlite3 "$TMP/reps-rep0.db" .dump >"$TMP/r0.sql"
sqlite3 "$TMP/reps-rep1.db" .dump >"$TMP/r1.sql"
! cmp -s "$TMP/r0.sql" "$TMP/r1.sql" || die "replications 0 and 1 are identical"
"$BIN" run --quiet --duration 900 --replication 1 --out "$TMP/one.db" "$TMP/reps.json"
sqlite3 "$TMP/one.db" .dump | grep -v "'replication'" >"$TMP/one.sql"
grep -v "'replication'" "$TMP/r1.sql" | cmp -s - "$TMP/one.sql" || die "--replication 1 differs from the loop's replication 1"
ok "replications: a database each, confidence table, --replication N reproduces one"

# ---- paranoid mode agrees with the normal run ----
"$BIN" run --duration 900 --paranoid --no-db scenarios/vanishing-nodes.json | grep -v '^  wall' >"$TMP/p.txt"
"$BIN" run --duration 900 --no-db scenarios/vanishing-nodes.json | grep -v '^  wall' >"$TMP/n.txt"
cmp -s "$TMP/p.txt" "$TMP/n.txt" || die "--paranoid changed the outcome"
grep -q 'invariants: all held' "$TMP/p.txt" || die "paranoid run violated an invariant"
ok "paranoid run: invariants after every event"
"$BIN" run --paranoid --no-db scenarios/churn-storm.json >"$TMP/storm.txt"
grep -q 'invariants: all held' "$TMP/storm.txt" || die "churn-storm: invariant violated"
grep -q 'nodes released from a task they were still selected in' "$TMP/storm.txt" || die "churn-storm: no cancel freeing a busy node"
grep -Eq '[1-9][0-9]* foreign frees' "$TMP/storm.txt" || die "churn-storm: no foreign frees"
ok "churn-storm (3 h, paranoid): foreign frees followed, invariants held"

# ---- interrupted run: database marked incomplete, check fails ----
"$BIN" run --quiet --duration 864000 --out "$TMP/int.db" scenarios/helium-baseline.json &
pid=$!
sleep 1
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 1 ] || die "interrupted run exited $rc, expected 1"
[ "$(sqlite3 "$TMP/int.db" "select value from run where key = 'complete'")" = 0 ] || die "interrupted run not marked incomplete"
[ ! -e "$TMP/int.db.tmp" ] || die "temp file left behind"
expect_exit 1 "$BIN" check "$TMP/int.db"
ok "SIGINT: run stops, database marked incomplete"

# ---- security: closed forms beside Monte Carlo ----
expect_exit 0 "$BIN" security --help
grep -q -- '--reps' "$TMP/out" || die "security --help lacks --reps"
expect_exit 2 "$BIN" security --reps 1
grep -q 'expected an integer in \[2, 100000\]' "$TMP/err" || die "security --reps 1 not explained"
expect_exit 2 "$BIN" security --bogus
expect_exit 0 "$BIN" security --reps 3 --days 0.25
for t in '^1\. p\(h, d\)' '^2\. timeout attack' '^3\. where Helium departs' 'rare card' 'kicked out' '^4\. VSS'; do
  grep -Eq "$t" "$TMP/out" || die "security output lacks /$t/"
done
! grep -q 'INVARIANT VIOLATED' "$TMP/out" || die "an invariant failed in a security experiment"
ok "security: four tables, usage errors exit 2"
expect_exit 0 "$BIN" security --edition hydrogen --reps 3 --days 0.25
for t in '^protocol edition: hydrogen' '^1\. p\(h, d\).*k = 10 CNX' '^2\. timeout attack'; do
  grep -Eq "$t" "$TMP/out" || die "security --edition hydrogen output lacks /$t/"
done
! grep -q '^3\.' "$TMP/out" || die "security --edition hydrogen printed Helium's table 3"
! grep -q 'INVARIANT VIOLATED' "$TMP/out" || die "an invariant failed in a hydrogen security experiment"
expect_exit 2 "$BIN" security --edition lithium
grep -q 'expected one of helium, hydrogen, vss, relay-2025-03, relay-2025-07, relay-2026, got lithium' "$TMP/err" || die "security --edition lithium not explained"
ok "security --edition hydrogen: tables 1-2 under the Hydrogen rules; an unknown edition exits 2"
expect_exit 0 "$BIN" security --edition relay-2025-03 --reps 3 --days 0.25
grep -q '^4. One node per task (edition relay-2025-03, sampling rate r = 0.1): ' "$TMP/out" \
  || die "security --edition relay-2025-03: no table 4 at its sampling rate"
! grep -q '^1\.' "$TMP/out" || die "security --edition relay-2025-03 printed the three-seat table 1"
! grep -q 'INVARIANT VIOLATED' "$TMP/out" || die "an invariant failed in a Relay security experiment"
ok "security --edition relay-2025-03: the one-seat table (4) at the edition's sampling rate"

# ---- editions: a key of another edition names the file and the JSON path ----
sed 's/"edition": "hydrogen",/"edition": "hydrogen", "queue_size_limit": 50,/' scenarios/hydrogen-baseline.json >"$TMP/hk.json"
expect_exit 2 "$BIN" run --no-db "$TMP/hk.json"
grep -q "hk.json: \$.protocol.queue_size_limit: a helium key, but protocol.edition is \"hydrogen\"" "$TMP/err" \
  || die "a helium key under hydrogen not named: $(cat "$TMP/err")"
expect_exit 0 "$BIN" run --out "$TMP/hy.db" --duration 1200 --paranoid scenarios/hydrogen-baseline.json
grep -q '^protocol edition: hydrogen' "$TMP/out" || die "the summary does not name the edition"
grep -q 'rejected by the chain' "$TMP/out" || die "hydrogen run: no create rejected by the chain"
expect_exit 0 "$BIN" check "$TMP/hy.db"
ok "editions: hydrogen runs with every invariant checked after each event, its database checks, foreign keys refused"

# ---- the Relay editions: their keys, a checked run, sampling and slashing ----
sed 's/"task_timeout_s": 900/"task_timeout_s": 900, "sample_mod": 10/' scenarios/editions-compare.json >"$TMP/rk.json"
expect_exit 2 "$BIN" run --no-db "$TMP/rk.json"
grep -q 'rk.json: \$.protocol.sample_mod: a relay-2025-03 key, but protocol.edition is "helium"' "$TMP/err" \
  || die "a Relay key under helium not named: $(cat "$TMP/err")"
sed 's/"edition": "relay-2026",/"edition": "relay-2026", "kickout_threshold": 10,/' scenarios/relay-baseline.json >"$TMP/rh.json"
expect_exit 2 "$BIN" run --no-db "$TMP/rh.json"
grep -q 'rh.json: \$.protocol.kickout_threshold: a helium key, but protocol.edition is "relay-2026"' "$TMP/err" \
  || die "a helium key under relay-2026 not named: $(cat "$TMP/err")"
expect_exit 2 "$BIN" run --no-db --set protocol.sample_mod=0 scenarios/relay-baseline.json
grep -q 'relay-baseline.json: \$.protocol.sample_mod: expected an integer in \[1, 1000000\], got 0' "$TMP/err" \
  || die "sample_mod 0 not explained: $(cat "$TMP/err")"
for e in relay-2025-03 relay-2025-07 relay-2026; do
  expect_exit 0 "$BIN" run --out "$TMP/$e.db" --duration 1800 --paranoid --set protocol.edition=$e scenarios/relay-baseline.json
  grep -q "^protocol edition: $e (crynux-network/crynux-relay@" "$TMP/out" || die "$e: the summary does not name the edition"
  expect_exit 0 "$BIN" check "$TMP/$e.db"
done
ok "editions: the Relay editions run with every invariant checked after each event, their databases check, foreign keys refused"
# ---- protocol.stake_max: stakes that differ, the Relay editions only ----
refuses() { # PATTERN ARGS...: exits 2 and says PATTERN on stderr
  local pat=$1; shift
  expect_exit 2 "$@"
  grep -q "$pat" "$TMP/err" || die "$* not explained: $(cat "$TMP/err")"
}
sed 's/"task_timeout_s": 900/"task_timeout_s": 900, "stake_max": "800000000000000000000"/' scenarios/editions-compare.json >"$TMP/sm.json"
refuses 'sm.json: \$.protocol.stake_max: a relay-2025-03 key, but protocol.edition is "helium"' "$BIN" run --no-db "$TMP/sm.json"
SM='relay-stakes.json: \$.protocol.stake_max: expected'
refuses "$SM at least protocol.stake (400000000000000000000 wei), got less" \
  "$BIN" run --no-db --set protocol.stake_max=399000000000000000000 scenarios/relay-stakes.json
refuses "$SM a decimal wei string" "$BIN" run --no-db --set protocol.stake_max=1e30 scenarios/relay-stakes.json
refuses "$SM at most" "$BIN" run --no-db --set protocol.stake_max=100000000000000000000000000000000000000 \
  scenarios/relay-stakes.json
for e in relay-2025-03 relay-2025-07 relay-2026; do
  expect_exit 0 "$BIN" run --out "$TMP/st-$e.db" --duration 1800 --paranoid --set protocol.edition=$e scenarios/relay-stakes.json
  grep '^stakes (drawn' "$TMP/out" >"$TMP/st-$e.txt" || die "$e: no stake line in the summary"
  grep -q '^  Q4  stake' "$TMP/out" || die "$e: no income by stake quartile"
  expect_exit 0 "$BIN" check "$TMP/st-$e.db"
done
cut -d';' -f1 "$TMP/st-relay-2025-03.txt" >"$TMP/st-a.txt"
cut -d';' -f1 "$TMP/st-relay-2026.txt" >"$TMP/st-b.txt"
cmp -s "$TMP/st-a.txt" "$TMP/st-b.txt" || die "the stakes differ between editions"
ok "protocol.stake_max: errors name the path; stakes differ between nodes, not between editions; runs check"
# ---- relay-2026 delegated staking: delegated_stake(_max), delegator_share ----
sed 's/"task_timeout_s": 900/"task_timeout_s": 900, "delegated_stake": "0"/' scenarios/editions-compare.json >"$TMP/dl.json"
refuses 'dl.json: \$.protocol.delegated_stake: a relay-2026 key, but protocol.edition is "helium"' "$BIN" run --no-db "$TMP/dl.json"
refuses 'relay-delegation.json: \$.protocol.delegated_stake: a relay-2026 key, but protocol.edition is "relay-2025-07"' \
  "$BIN" run --no-db --set protocol.edition=relay-2025-07 scenarios/relay-delegation.json
DL='relay-delegation.json: \$.protocol'
refuses "$DL.delegated_stake_max: expected at least protocol.delegated_stake (5000000000000000000000 wei), got less" \
  "$BIN" run --no-db --set protocol.delegated_stake=5000000000000000000000 scenarios/relay-delegation.json
refuses "$DL.delegator_share: expected an integer in \[0, 99\], got 100" \
  "$BIN" run --no-db --set protocol.delegator_share=100 scenarios/relay-delegation.json
refuses "$DL.delegator_share: expected a share above 0 with delegated stakes" \
  "$BIN" run --no-db --set protocol.delegator_share=0 scenarios/relay-delegation.json
refuses "$DL.delegated_stake: expected a decimal wei string" \
  "$BIN" run --no-db --set protocol.delegated_stake=1e21 scenarios/relay-delegation.json
refuses "$DL.delegated_stake_max: expected 2^32 nodes' stakes and delegations to stay below 2^127 wei" \
  "$BIN" run --no-db --set protocol.delegated_stake_max=100000000000000000000000000000 scenarios/relay-delegation.json
expect_exit 0 "$BIN" run --out "$TMP/dl.db" --duration 5400 --paranoid scenarios/relay-delegation.json
grep -q '^invariants: all held' "$TMP/out" || die "relay-delegation: an invariant failed"
# delegators get 20 % of what the nodes earned (floor per payment: within 1 CNX)
awk '/^delegations:/ { gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "delegators'"'"'") d = $(i + 2); if ($i == "operators'"'"'") o = $(i + 1) }
       if (d <= 0 || (d - (d + o) * 0.2) ^ 2 > 1) exit 1; found = 1 } END { exit !found }' "$TMP/out" \
  || die "relay-delegation: delegators' income is not 20 % of the nodes': $(grep '^delegations' "$TMP/out")"
expect_exit 0 "$BIN" check "$TMP/dl.db"
cp "$TMP/dl.db" "$TMP/dl-bad.db"
sqlite3 "$TMP/dl-bad.db" "UPDATE accounts SET end_wei = '0' WHERE kind = 'delegator' AND end_wei != '0' AND account = (SELECT MIN(account) FROM accounts WHERE kind = 'delegator' AND end_wei != '0')"
expect_exit 1 "$BIN" check "$TMP/dl-bad.db"
grep -q "income_wei differs from the task rows' payments (less its delegator's income)" "$TMP/out" "$TMP/err" || die "check: a delegator's lost income not caught"
ok "relay-2026 delegations: keys refused elsewhere and checked with their paths; 20 % of income to delegators; runs check, tampering caught"
# every task validated and slashing on: the lone cheater's two nodes never
# agree (each forges its own bytes), so it wins nothing and loses its stakes
expect_exit 0 "$BIN" run --no-db --set protocol.sample_mod=1 --set protocol.passive_slash=false scenarios/attack-colluders-relay.json
grep -A1 '^  lone-cheater' "$TMP/out" | grep -q 'tasks won by cheating 0,' || die "sample_mod 1: the lone cheater won"
grep -q '^  lone-cheater .*stake lost     800.0' "$TMP/out" || die "passive_slash false: the lone cheater kept its stakes"
# as the scenario stands (1 % sampled, passive slashing) it wins and keeps them
expect_exit 0 "$BIN" run --no-db scenarios/attack-colluders-relay.json
grep -q '^  lone-cheater .*stake lost       0.0' "$TMP/out" || die "relay-2026 slashed the lone cheater"
ok "relay-2026: sample_mod and passive_slash decide what a cheater wins and loses"
# relay-2026's deadlines after execution: with every task validated (groups
# of three) the members that scored wait for the slowest; past 600 s the
# Relay aborts them and pays their nodes (CreatorValidationTimeout)
expect_exit 0 "$BIN" run --out "$TMP/vt.db" --duration 1800 --paranoid --set protocol.sample_mod=1 scenarios/relay-baseline.json
grep -q '^invariants: all held' "$TMP/out" || die "validation timeouts: an invariant failed"
grep -Eq '^  aborted after their execution: [1-9][0-9]* not validated in time' "$TMP/out" \
  || die "validation timeouts: none with every task in a group: $(grep 'aborted after' "$TMP/out")"
expect_exit 0 "$BIN" check "$TMP/vt.db"
ok "relay-2026: group members not validated within 600 s are aborted, their nodes paid; invariants and check hold"

# ---- security --docs-table: the docs' table, one JSON object per row ----
expect_exit 0 "$BIN" security --docs-table --help
grep -q -- '--minutes' "$TMP/out" || die "security --docs-table --help lacks --minutes"
expect_exit 2 "$BIN" security --docs-table --tasks 5
grep -q 'expected an integer in \[1000, 1000000000\]' "$TMP/err" || die "--tasks 5 not explained"
expect_exit 0 "$BIN" security --docs-table --reps 2 --deployed-reps 2 --tasks 2000 --minutes 2 --warmup-minutes 0 --json
[ "$(wc -l < "$TMP/out")" -eq 8 ] || die "docs-table --json: expected 8 rows"
for k in h d docs_apr closed_p_apr closed_q_apr sim_apr sim_apr_ci sim_apr_kickout sim_apr_rejoin; do
  [ "$(grep -c "\"$k\":" "$TMP/out")" -eq 8 ] || die "docs-table --json: key $k not in every row"
done
grep -q '^{"h":7,"d":3,"docs_apr":451.67,' "$TMP/out" || die "docs-table --json: first row"
grep -q '"closed_p_apr":451.66' "$TMP/out" || die "docs-table --json: APR(p) of (7, 3)"
grep -q '"invariant_failures":0}$' "$TMP/out" || die "docs-table --json: invariants"
! grep -q '"invariant_failures":[1-9]' "$TMP/out" || die "docs-table: an invariant failed"
ok "security --docs-table: 8 JSON rows with the documented keys"

# ---- golden summaries of every scenario, run whole ----
for s in scenarios/*.json; do
  n=$(basename "$s" .json)
  "$BIN" run --no-db "$s" | grep -v '^  wall' >"$TMP/$n.txt"
  if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$TMP/$n.txt" "tests/golden/$n.txt"
  fi
  [ -f "tests/golden/$n.txt" ] || die "tests/golden/$n.txt missing (UPDATE_GOLDEN=1 creates it)"
  diff -u "tests/golden/$n.txt" "$TMP/$n.txt" || die "$n: summary differs from tests/golden/$n.txt"
done
ok "golden summaries match for $(ls scenarios/*.json | wc -l) scenarios"
