#!/usr/bin/env bash
# Program-level tests of what makes avrami pleasant to use for research:
# `run --set`, warnings for settings that cannot mean what they seem, data
# found from any directory, `make install`, quiet plots, and paired
# differences in sweeps and reports.  Called by tests/cli/run.sh.
# usage: tests/cli/usability.sh path/to/avrami
set -euo pipefail
BIN=${1:?usage: usability.sh path/to/avrami}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"

# --- run --set: one edit of the scenario, validated like the file ---
S=scenarios/attack-timeout.json
"$BIN" run $S --set protocol.kickout_threshold=10 --set duration_s=1200 --out "$TMP/set.db" --quiet
python3 - "$S" "$TMP/edited.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); s['protocol'] = {'kickout_threshold': 10}; s['duration_s'] = 1200
json.dump(s, open(sys.argv[2], 'w'))
PY
"$BIN" run "$TMP/edited.json" --out "$TMP/file.db" --quiet
if [ "$(sqlite3 "$TMP/set.db" 'select count(*), sum(outcome is not null) from tasks; select income_wei from nodes')" \
     = "$(sqlite3 "$TMP/file.db" 'select count(*), sum(outcome is not null) from tasks; select income_wei from nodes')" ]; then ok
else bad "run --set differs from the same edit written into the file"; fi
expect_exit 0 '"kickout_threshold":[[:space:]]*10' sqlite3 "$TMP/set.db" "select value from run where key = 'scenario'"
expect_exit 2 'did you mean "kickout_threshold"' "$BIN" run $S --set protocol.kickout_thresold=10 --no-db
expect_exit 2 'expected one value \(a grid of values is `avrami sweep`\)' "$BIN" run $S --set protocol.kickout_threshold=10,20 --no-db
expect_exit 2 'network.cards has no element \[3\]' "$BIN" run $S --set 'network.cards[3].card=x' --no-db
# settings that validate but cannot mean what they seem: a warning, and the run goes on
expect_exit 0 'warning: the run lasts 600 s, not longer than warmup_s 3600 s' \
  "$BIN" run scenarios/helium-baseline.json --duration 600 --no-db --quiet
expect_exit 0 'warning: protocol.kickout_threshold 1000 is not below the largest QoS window sum, 60' \
  "$BIN" run $S --set protocol.kickout_threshold=1000 --duration 600 --no-db --quiet
if "$BIN" run $S --duration 600 --no-db --quiet 2>&1 | grep -q warning; then
  bad "a plain run warns"; else ok; fi

# avrami finds models/ and plots/ from any working directory (util/datadir.h)
REPO=$(pwd)
if (cd "$TMP" && "$REPO/$BIN" run "$REPO/scenarios/helium-baseline.json" --duration 120 --no-db --quiet); then ok
else bad "run from another directory cannot find models/"; fi
if (cd "$TMP" && AVRAMI_DATA="$TMP/nowhere" "$REPO/$BIN" run "$REPO/$S" --duration 60 --no-db --quiet); then ok
else bad "an AVRAMI_DATA without models/ must fall back to the other places"; fi
# a missing models/ is reported with the places tried
expect_exit 2 "tried .*nomodels/cards.json" "$BIN" run scenarios/helium-baseline.json --set timing.models_dir=nomodels --no-db
cp "$BIN" "$TMP/lone-avrami"
expect_exit 2 'no models directory found \(tried ' sh -c "cd '$TMP' && ./lone-avrami timing --card 'RTX 4090' --model gpt2"
# make install PREFIX=...: the installed binary finds its installed data; uninstall removes it
if make -s --no-print-directory install PREFIX="$TMP/inst" BUILD="$(dirname "$BIN")" >/dev/null &&
   (cd "$TMP" && "$TMP/inst/bin/avrami" run "$TMP/inst/share/avrami/$S" --duration 60 --no-db --quiet) &&
   make -s --no-print-directory uninstall PREFIX="$TMP/inst" BUILD="$(dirname "$BIN")" &&
   [ ! -e "$TMP/inst/bin/avrami" ] && [ ! -e "$TMP/inst/share/avrami" ]; then ok
else bad "make install / uninstall"; fi
# plots: gnuplot's warnings on a short run ("empty x range") stay hidden
"$BIN" run $S --duration 600 --out "$TMP/short.db" --quiet
if (cd "$TMP" && "$REPO/$BIN" plot short.db --out plots >/dev/null 2>"$TMP/plot.err") && [ ! -s "$TMP/plot.err" ]; then ok
else bad "plot from another directory printed: $(head -3 "$TMP/plot.err")"; fi

# sweep: paired differences against --baseline; bounded intervals printed clipped
expect_exit 0 'Δ: the paired difference against point 1' \
  "$BIN" sweep $S --set protocol.kickout_threshold=10,20 --reps 3 --duration 1200 --baseline 1 --out "$TMP/pd.db"
expect_exit 0 'kick-outs +[0-9.]+ (± [0-9.]+|\[0\.0000, [0-9.]+\]) +Δ [+-][0-9.]+ ± [0-9.]+' \
  "$BIN" sweep $S --set protocol.kickout_threshold=10,20 --reps 3 --duration 1200 --out "$TMP/pd.db"
expect_exit 2 'the grid has points 0 to 1' \
  "$BIN" sweep $S --set protocol.kickout_threshold=10,20 --reps 3 --duration 1200 --baseline 2 --out "$TMP/pd.db"
expect_exit 2 'the sweep has points 0 to 1' "$BIN" report "$TMP/pd.db" --baseline 5 --out "$TMP/pdr"
if [ ! -e "$TMP/pdr/report.md" ]; then ok; else bad "a failed report left report.md"; fi

# the run report covers everything the summary prints (stored without the wall-clock line)
"$BIN" run $S --duration 1800 --out "$TMP/rep.db" --quiet
"$BIN" report "$TMP/rep.db" --out "$TMP/rep" >/dev/null
if grep -q '^## Summary' "$TMP/rep/report.md" && grep -q '^utilization after warm-up' "$TMP/rep/report.md" &&
   grep -q '^contract quirks' "$TMP/rep/report.md" && grep -q '^## Scenario' "$TMP/rep/report.md" &&
   ! grep -q ' wall ' "$TMP/rep/report.md"; then ok
else bad "the run report lacks the summary or the scenario, or shows wall-clock time"; fi

# network.card_allocation "exact": 300 time-0 nodes split by share exactly (largest remainders)
"$BIN" run scenarios/helium-baseline.json --set network.card_allocation=exact \
  --set network.churn.join_rate_per_h=0 --duration 60 --out "$TMP/exact.db" --quiet 2>/dev/null
got=$(sqlite3 "$TMP/exact.db" "select count(*) from nodes group by card order by card" | tr '\n' ' ')
if [ "$got" = "30 15 45 30 30 30 45 30 45 " ]; then ok; else bad "exact card allocation gave $got"; fi
expect_exit 2 'card_allocation: expected "random" or "exact"' \
  "$BIN" run scenarios/helium-baseline.json --set network.card_allocation=exactly --no-db

# a sweep with no finished run: a plain message, no gnuplot error, no picture
cp "$TMP/pd.db" "$TMP/none.db"
sqlite3 "$TMP/none.db" "DELETE FROM runs; DELETE FROM run_actors"
expect_exit 2 'the sweep has no finished run yet; nothing to plot' "$BIN" plot "$TMP/none.db" --out "$TMP/nonep"
if ls "$TMP/nonep"/*.png >/dev/null 2>&1; then bad "a sweep without runs left a picture"; else ok; fi

# an unfinished sweep is marked as such; plot takes --baseline too
cp "$TMP/pd.db" "$TMP/part.db"
sqlite3 "$TMP/part.db" "DELETE FROM runs WHERE point = 1 AND rep = 2; DELETE FROM run_actors WHERE point = 1 AND rep = 2"
"$BIN" report "$TMP/part.db" --out "$TMP/partr" >/dev/null 2>&1 || true
if grep -q '^\*\*Incomplete sweep\*\*: 5 of 6 runs finished' "$TMP/partr/report.md"; then ok
else bad "an incomplete sweep's report is not marked"; fi
expect_exit 0 'warning: incomplete sweep, 5 of 6 runs finished' "$BIN" plot "$TMP/part.db" --out "$TMP/partp"
expect_exit 0 'sweep_kickouts_paired.png .*minus point 1' "$BIN" plot "$TMP/pd.db" --baseline 1 --out "$TMP/pdb"
expect_exit 2 '--baseline 9: the sweep has points 0 to 1' "$BIN" plot "$TMP/pd.db" --baseline 9 --out "$TMP/pdb"

echo "usability: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
