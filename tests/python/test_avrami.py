"""Tests of the Python package (python/avrami) against databases the
avrami binary writes.  Run by tests/cli/python.sh with Debian's python3:
    AVRAMI_BIN=build/avrami PYTHONPATH=python /usr/bin/python3 tests/python/test_avrami.py
"""
import math
import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import avrami

BIN = os.environ.get("AVRAMI_BIN", "build/avrami")


class Fixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.run_db = os.path.join(d, "run.db")
        cls.r = avrami.run("scenarios/attack-timeout.json", cls.run_db, duration=3600)
        cls.sweep_db = os.path.join(d, "sweep.db")
        cls.sweep = avrami.sweep("scenarios/attack-timeout.json", cls.sweep_db,
                                 sets={"protocol.kickout_threshold": [10, 20],
                                       "network.nodes": "20:30:10"},
                                 reps=3, jobs=2, duration=1800,
                                 keep_runs=os.path.join(d, "keep"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def tampered(self, src, name, *sql):
        """A copy of database src named name, with the statements applied."""
        out = os.path.join(self.tmp.name, name)
        shutil.copy(src, out)
        con = sqlite3.connect(out)
        for q in sql:
            con.execute(q)
        con.commit()
        con.close()
        return out


class RunTests(Fixture):
    def test_tables_and_meta(self):
        r = self.r
        self.assertTrue(r.complete)
        self.assertEqual(r.meta["scenario_name"], "attack-timeout")
        self.assertEqual(r.meta["duration_s"], 3600)
        for t in avrami.db.RUN_TABLES:
            self.assertIsNotNone(getattr(r, t))
        self.assertGreater(len(r.tasks), 0)

    def test_wei_exact_integers(self):
        # every income equals the database's decimal text digit for digit
        con = sqlite3.connect(self.run_db)
        raw = dict(con.execute("SELECT id, income_wei FROM nodes"))
        con.close()
        for i, v in zip(self.r.nodes["id"], self.r.nodes["income_wei"]):
            self.assertIsInstance(v, int)
            self.assertEqual(str(v), raw[i])
        self.assertIsInstance(self.r.meta["total_supply_start"], int)
        self.assertEqual(self.r.meta["total_supply_start"], self.r.meta["total_supply_end"])
        # 2^64 and more survive (a float would not keep these digits)
        self.assertGreater(self.r.meta["total_supply_start"], 2 ** 64)

    def test_incomplete_run_refused(self):
        bad = os.path.join(self.tmp.name, "incomplete.db")
        with open(self.run_db, "rb") as f, open(bad, "wb") as g:
            g.write(f.read())
        con = sqlite3.connect(bad)
        con.execute("UPDATE run SET value = '0' WHERE key = 'complete'")
        con.commit()
        con.close()
        with self.assertRaisesRegex(avrami.AvramiError, "incomplete"):
            avrami.load_run(bad)
        self.assertFalse(avrami.load_run(bad, allow_incomplete=True).complete)

    def test_not_a_database(self):
        junk = os.path.join(self.tmp.name, "junk.db")
        with open(junk, "w") as f:
            f.write("not sqlite\n" * 100)
        with self.assertRaisesRegex(avrami.AvramiError, "not an SQLite database"):
            avrami.load_run(junk)
        with self.assertRaisesRegex(avrami.AvramiError, "missing table"):
            avrami.load_run(self.sweep_db)
        with self.assertRaisesRegex(avrami.AvramiError, "not a regular file"):
            avrami.load_run(self.tmp.name)

    def test_bad_wei_text(self):
        bad = self.tampered(self.run_db, "badwei.db",
                            "UPDATE nodes SET income_wei = '1e18' WHERE id = (SELECT min(id) FROM nodes)")
        with self.assertRaisesRegex(avrami.AvramiError, r"nodes\.income_wei: expected a decimal wei"):
            avrami.load_run(bad)


class SweepTests(Fixture):
    def test_parameters_are_typed_columns(self):
        s = self.sweep
        self.assertEqual(s.params, ["protocol.kickout_threshold", "network.nodes"])
        self.assertTrue(s.complete)
        self.assertEqual(len(s.runs), 4 * 3)
        self.assertEqual(sorted(set(s.runs["protocol.kickout_threshold"])), [10, 20])
        self.assertEqual(sorted(set(s.runs["network.nodes"])), [20, 30])
        # point 1 is threshold 10, 30 nodes (the first --set varies slowest)
        row = s.runs[s.runs["point"] == 1].iloc[0]
        self.assertEqual((row["protocol.kickout_threshold"], row["network.nodes"]), (10, 30))

    def test_parameters_read_from_runs_and_checked(self):
        con = sqlite3.connect(self.sweep_db)
        cols = [r[1] for r in con.execute("PRAGMA table_info(runs)")]
        con.close()
        self.assertEqual(cols[:4], ["point", "rep", "protocol.kickout_threshold", "network.nodes"])
        bad = self.tampered(self.sweep_db, "bad-param.db",
                            'UPDATE runs SET "network.nodes" = 99 WHERE point = 0 AND rep = 1')
        with self.assertRaisesRegex(avrami.AvramiError, r"\(point 0, rep 1\)\.network\.nodes is 99"):
            avrami.load_sweep(bad)

    def test_format_1_joins_settings(self):
        old = self.tampered(self.sweep_db, "format1.db",
                            *[f'ALTER TABLE runs DROP COLUMN "{p}"' for p in self.sweep.params],
                            "DROP TABLE run_actors",
                            "UPDATE meta SET value = 'avrami-sweep/1' WHERE key = 'format'")
        s = avrami.load_sweep(old)
        self.assertIsNone(s.actors)
        self.assertEqual(list(s.runs.columns), list(self.sweep.runs.columns))
        for p in s.params:
            self.assertEqual(list(s.runs[p]), list(self.sweep.runs[p]))

    def test_actors_match_the_kept_runs(self):
        a = self.sweep.actors
        self.assertEqual(len(a), 4 * 3 * 3)  # honest nodes and two behaviours
        self.assertEqual(set(a[a["actor"] == 0]["kind"]), {"honest"})
        for point, rep in ((0, 0), (3, 2)):
            kept = avrami.load_run(os.path.join(self.tmp.name, "keep", f"point-{point}-rep-{rep}.db"))
            mine = a[(a["point"] == point) & (a["rep"] == rep)].reset_index(drop=True)
            for c in ("actor", "name", "kind", "nodes", "income_wei", "profit_wei", "stake_lost_wei",
                      "slashes", "kickouts", "timeouts"):
                self.assertEqual(list(mine[c]), list(kept.actors[c]), c)
            self.assertIsInstance(mine["income_wei"][0], int)

    def test_paired_against_hand_computation(self):
        runs = self.sweep.runs
        p = avrami.paired(runs, "kickouts", baseline=0)
        b = runs[runs.point == 0].set_index("rep")["kickouts"]
        x = runs[runs.point == 2].set_index("rep")["kickouts"]
        d = [float(x[r] - b[r]) for r in b.index]
        mean = sum(d) / 3
        sd = math.sqrt(sum((v - mean) ** 2 for v in d) / 2)
        hw = 4.302652729749464 * sd / math.sqrt(3)  # t(0.975, 2)
        row = p[p.point == 2].iloc[0]
        self.assertEqual(row["n"], 3)
        self.assertAlmostEqual(row["diff"], mean, places=12)
        self.assertAlmostEqual(row["ci_low"], mean - hw, places=9)
        self.assertAlmostEqual(row["ci_high"], mean + hw, places=9)
        # the baseline against itself is exactly zero
        self.assertEqual(float(p[p.point == 0].iloc[0]["diff"]), 0.0)

    def test_summarize_matches_report(self):
        # `avrami report` writes each metric's points as TSV blocks
        # (x, mean, low, high); the package's GSL interval must agree
        out = os.path.join(self.tmp.name, "report")
        p = subprocess.run([BIN, "report", self.sweep_db, "--out", out],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [l.split("\t") for l in open(os.path.join(out, "sweep_kickouts.tsv"))
                if l[:1].isdigit()]
        self.assertEqual(len(rows), 4)
        s = avrami.summarize(self.sweep.runs, "kickouts").set_index("point")
        # blocks follow the second axis, lines the first: points 0, 2, 1, 3
        for (x, mean, low, high, _), pt in zip(rows, (0, 2, 1, 3)):
            self.assertAlmostEqual(s.at[pt, "mean"], float(mean), places=6)
            # a count cannot be negative: the plotted interval is clipped at 0
            self.assertAlmostEqual(max(0.0, s.at[pt, "mean"] - s.at[pt, "half_width"]), float(low), places=6)
            self.assertAlmostEqual(s.at[pt, "mean"] + s.at[pt, "half_width"], float(high), places=6)
        self.assertAlmostEqual(avrami.t_quantile(0.975, 2), 4.302652729749464, places=12)
        # the paired plot's data against this package's paired differences
        rows = [l.split("\t") for l in open(os.path.join(out, "sweep_kickouts_paired.tsv"))
                if l[:1].isdigit()]
        d = avrami.paired(self.sweep.runs, "kickouts", baseline=0).set_index("point")
        for (x, mean, low, high, _), pt in zip(rows, (0, 2, 1, 3)):
            self.assertAlmostEqual(d.at[pt, "diff"], float(mean), places=6)
            if pt:
                self.assertAlmostEqual(d.at[pt, "ci_low"], float(low), places=6)
                self.assertAlmostEqual(d.at[pt, "ci_high"], float(high), places=6)

    def test_report_paired_table_agrees(self):
        # the C report's paired differences (paired.c) against this
        # package's (stats.py): two implementations of one formula
        out = os.path.join(self.tmp.name, "report-paired")
        p = subprocess.run([BIN, "report", self.sweep_db, "--out", out, "--baseline", "1"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        text = open(os.path.join(out, "report.md")).read()
        section = text[text.index("## Paired differences against point 1"):text.index("## Plots")]
        rows = [l for l in section.splitlines() if l.startswith("| ") and l[2].isdigit()]
        self.assertEqual([int(r.split("|")[1]) for r in rows], [0, 2, 3])
        metrics = ["success_share", "wait_median_s", "wait_p95_s", "utilization",
                   "income_cnx_per_node_h", "kickouts", "slashes", "aborted"]
        for m_i, metric in enumerate(metrics):
            py = avrami.paired(self.sweep.runs, metric, baseline=1).set_index("point")
            for r in rows:
                cells = [c.strip() for c in r.split("|")[1:-1]]
                pt, cell = int(cells[0]), cells[3 + m_i]
                mean, _, half = cell.partition(" ± ")
                self.assertAlmostEqual(float(mean), py.at[pt, "diff"], delta=1e-3 * max(1, abs(float(mean))))
                if half:
                    hw = (py.at[pt, "ci_high"] - py.at[pt, "ci_low"]) / 2
                    self.assertAlmostEqual(float(half), hw, delta=0.06 * max(hw, 1e-9) + 1e-9)

    def test_errors(self):
        with self.assertRaisesRegex(avrami.AvramiError, "no metric"):
            avrami.paired(self.sweep.runs, "nonsense")
        with self.assertRaisesRegex(avrami.AvramiError, "baseline point 99"):
            avrami.paired(self.sweep.runs, "kickouts", baseline=99)
        with self.assertRaisesRegex(avrami.AvramiError, "missing table"):
            avrami.load_sweep(self.run_db)
        with self.assertRaisesRegex(avrami.AvramiError, "exit 2"):
            avrami.run("scenarios/does-not-exist.json", os.path.join(self.tmp.name, "x.db"))


if __name__ == "__main__":
    unittest.main()
