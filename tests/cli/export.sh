#!/usr/bin/env bash
# Program-level tests of `avrami export` (CSV), called by tests/cli/run.sh.
set -euo pipefail
. "$(dirname "$0")/setup.sh" "$@"

"$BIN" run --quiet --duration 1800 --out "$TMP/run.db" scenarios/vanishing-nodes.json
"$BIN" sweep --quiet --set 'network.cards[0].card="NVIDIA GeForce RTX 4070",NVIDIA GeForce RTX 3060' \
  --reps 2 --duration 900 --out "$TMP/sweep.db" scenarios/vanishing-nodes.json
rc=0; "$BIN" export "$TMP/run.db" taskz >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" = 2 ] || die "unknown table exited $rc, expected 2"
grep -qF 'no table "taskz"; its tables: accounts, actors, app_harm, invariants, node_actors, nodes, reverts, run, series, tasks' "$TMP/err" || die "tables not listed"
rc=0; "$BIN" export "$TMP/none.db" tasks 2>/dev/null || rc=$?
[ "$rc" = 2 ] || die "missing database exited $rc, expected 2"
# every table, read back by an independent CSV reader, equals the database
for t in tasks nodes series run; do
  "$BIN" export "$TMP/run.db" $t --out "$TMP/$t.csv"
  python3 - "$TMP/run.db" $t "$TMP/$t.csv" <<'PY'
import csv, sqlite3, sys
db, table, path = sys.argv[1:]
raw = open(path, 'rb').read()
assert raw.endswith(b'\r\n'), 'records end in CRLF'
if table != 'run':  # run holds the scenario text, with line breaks inside quotes
    assert raw.count(b'\n') == raw.count(b'\r\n'), 'records end in CRLF'
rows = list(csv.reader(open(path, newline='')))
cur = sqlite3.connect(db).execute('select * from "%s"' % table)
assert rows[0] == [d[0] for d in cur.description], rows[0]
want = cur.fetchall()
assert len(rows) - 1 == len(want), (len(rows), len(want))
for got, w in zip(rows[1:], want):
    for g, v in zip(got, w):
        if v is None: assert g == '', (g, v)
        elif isinstance(v, float): assert float(g) == v, (g, v)
        else: assert g == str(v), (g, v)
PY
done
# quoting: labels and JSON with commas and quotes
"$BIN" export "$TMP/sweep.db" points --out "$TMP/points.csv"
python3 - "$TMP/points.csv" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert json.loads(rows[2][2]) == {"network.cards[0].card": "NVIDIA GeForce RTX 3060"}, rows[2]
assert rows[1][1] == 'network.cards[0].card="NVIDIA GeForce RTX 4070"', rows[1]
PY
grep -qF '"{""network.cards[0].card"":""NVIDIA GeForce RTX 4070""}"' "$TMP/points.csv" || die "quotes not doubled"
ok "export: CSV of every table reads back equal (RFC 4180 quoting, CRLF); unknown table lists the tables"
