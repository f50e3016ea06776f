#!/usr/bin/env bash
# The Python package (python/avrami) and the worked example of docs/python.md,
# run with Debian's python3 (the python3 first on PATH may be another
# interpreter, without pandas).
# usage: tests/cli/python.sh path/to/avrami
set -euo pipefail
BIN=$(realpath "${1:?usage: python.sh path/to/avrami}")
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export AVRAMI_BIN=$BIN PYTHONPATH=python
$PY tests/python/test_avrami.py 2>"$TMP/unittest.txt" || { cat "$TMP/unittest.txt"; exit 1; }
tail -n 3 "$TMP/unittest.txt"
$PY docs/examples/threshold_study.py "$TMP/study.db" --quick >"$TMP/study.txt"
grep -q 'kickouts: mean' "$TMP/study.txt" || { cat "$TMP/study.txt"; exit 1; }
echo "python: package tests and the worked example passed"
