#!/usr/bin/python3
"""A kick-out threshold study with paired differences (docs/python.md).

Runs `avrami sweep` over protocol.kickout_threshold on the timeout-attack
scenario, then compares every threshold with the first one replication by
replication: the points share their random numbers (replication r of every
point uses the same streams), so the paired interval is much narrower than
the two points' own intervals.

usage: PYTHONPATH=python /usr/bin/python3 docs/examples/threshold_study.py [OUT.db] [--quick]
"""
import sys

import avrami

quick = "--quick" in sys.argv
args = [a for a in sys.argv[1:] if a != "--quick"]
out = args[0] if args else "results/threshold-study.db"

sw = avrami.sweep("scenarios/attack-timeout.json", out,
                  sets={"protocol.kickout_threshold": [10, 20, 30]},
                  reps=3 if quick else 10, jobs=2,
                  duration=3600 if quick else 14400)
print(sw)
for metric in ("kickouts", "income_cnx_per_node_h", "aborted"):
    own = avrami.summarize(sw.runs, metric)
    diff = avrami.paired(sw.runs, metric, baseline=0)
    table = diff.merge(own[["point", "mean", "half_width"]], on="point")
    print(f"\n{metric}: mean ± 95% half-width per point, and the paired "
          f"difference against point 0 (threshold 10)")
    print(table[["point", "protocol.kickout_threshold", "n", "mean", "half_width",
                 "diff", "ci_low", "ci_high"]].to_string(index=False))
