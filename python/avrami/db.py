"""Readers of avrami's run and sweep databases (schemas: docs/schema.md)."""
import json
import os
import sqlite3

import pandas as pd


class AvramiError(Exception):
    """A database that is not what avrami writes, or a failed command."""


# Tables of a run database, in the order docs/schema.md lists them.
RUN_TABLES = ("tasks", "nodes", "series", "invariants", "reverts",
              "actors", "node_actors", "app_harm")
SWEEP_TABLES = ("meta", "axes", "points", "runs", "invocations")
# avrami-sweep/1 files have no parameter columns in runs and no run_actors
SWEEP_FORMATS = ("avrami-sweep/1", "avrami-sweep/2")


def is_wei_column(name):
    """Columns holding wei as decimal text: *_wei, value_wei_per_s, and the
    run table's supply, balance and quirk amounts."""
    return (name.endswith("_wei") or name == "value_wei_per_s"
            or name.startswith("total_supply_") or name.startswith("owner_balance_"))


def _wei(v, where):
    if v is None:
        return None
    s = str(v)
    # profits may be negative; nothing else but decimal digits is wei
    if not s.removeprefix("-").isdigit():
        raise AvramiError(f"{where}: expected a decimal wei amount, got {s!r}")
    return int(s)


def _open(path, fmt):
    if not os.path.isfile(path):
        raise AvramiError(f"{path}: no such {fmt} database (not a regular file)")
    # read-only: loading never changes the file
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as e:
        raise AvramiError(f"{path}: not an SQLite database ({e})") from None
    return con


def _tables(con):
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _frame(con, path, table):
    df = pd.read_sql_query(f'SELECT * FROM "{table}"', con)
    for c in df.columns:
        if is_wei_column(c):
            df[c] = pd.Series([_wei(v, f"{path}: {table}.{c}") for v in df[c]],
                              index=df.index, dtype=object)
    return df


class Run:
    """One run database: `meta` (dict of the `run` table, wei as int,
    numbers as numbers) and one DataFrame per table."""

    def __init__(self, path, meta, frames):
        self.path = path
        self.meta = meta
        self.frames = frames
        for name, df in frames.items():
            setattr(self, name, df)

    @property
    def complete(self):
        return self.meta.get("complete") == 1

    def __repr__(self):
        sizes = ", ".join(f"{k} {len(v)}" for k, v in self.frames.items())
        return f"<avrami.Run {self.path}: {sizes}>"


def _meta_value(key, v, path):
    if v is None:
        return None
    if is_wei_column(key) or (key.startswith("quirk_") and key.endswith("_wei")):
        return _wei(v, f"{path}: run.{key}")
    s = str(v)
    if s.lstrip("-").isdigit():
        return int(s)
    return s


def load_run(path, allow_incomplete=False):
    """Load a run database.  A run that was interrupted (run.complete is not
    1) is refused unless allow_incomplete=True: its figures cover only part
    of the scenario."""
    con = _open(path, "run")
    try:
        have = _tables(con)
        missing = [t for t in ("run",) + RUN_TABLES if t not in have]
        if missing:
            raise AvramiError(f"{path}: not a complete avrami run database: "
                              f"missing table(s) {', '.join(missing)}")
        meta = {k: _meta_value(k, v, path) for k, v in con.execute("SELECT key, value FROM run")}
        if meta.get("complete") != 1 and not allow_incomplete:
            raise AvramiError(f"{path}: the run is incomplete (run.complete = "
                              f"{meta.get('complete')!r}); pass allow_incomplete=True to load it anyway")
        frames = {t: _frame(con, path, t) for t in RUN_TABLES}
    finally:
        con.close()
    return Run(path, meta, frames)


class Sweep:
    """A sweep database.  `runs` has one row per finished (point, rep) with
    every swept parameter as a column named by its scenario path (typed as
    the scenario holds it), then the metrics; `params` lists those columns.
    `actors` (run_actors) has one row per run and actor (the honest nodes,
    then each behaviour), wei as int; None for an avrami-sweep/1 file."""

    def __init__(self, path, meta, axes, points, runs, params, actors=None):
        self.path, self.meta, self.axes, self.points = path, meta, axes, points
        self.runs, self.params, self.actors = runs, params, actors

    @property
    def reps(self):
        return int(self.meta["reps"])

    @property
    def complete(self):
        """Every point has all its replications."""
        return len(self.runs) == len(self.points) * self.reps

    def __repr__(self):
        state = "complete" if self.complete else "incomplete"
        return (f"<avrami.Sweep {self.path}: {len(self.points)} points x "
                f"{self.reps} reps, {len(self.runs)} runs, {state}>")


def _same_value(stored, setting):
    """Whether a runs parameter column holds the JSON value of points.settings
    (INTEGER for true/false and whole numbers, REAL, TEXT: a string as is,
    anything else as JSON)."""
    if isinstance(setting, bool):
        return stored == int(setting)
    if isinstance(setting, (int, float)):
        return isinstance(stored, (int, float)) and not isinstance(stored, bool) and stored == setting
    if isinstance(setting, str):
        return stored == setting
    try:
        return isinstance(stored, str) and json.loads(stored) == setting
    except ValueError:
        return False


def load_sweep(path):
    """Load a sweep database (avrami-sweep/1 or /2).  In /2 files runs
    carries the parameters itself, checked against points.settings; in /1
    files they are joined in from points.settings."""
    con = _open(path, "sweep")
    try:
        have = _tables(con)
        missing = [t for t in SWEEP_TABLES if t not in have]
        if missing:
            raise AvramiError(f"{path}: not an avrami sweep database: "
                              f"missing table(s) {', '.join(missing)}")
        meta = dict(con.execute("SELECT key, value FROM meta"))
        fmt = meta.get("format")
        if fmt not in SWEEP_FORMATS:
            raise AvramiError(f"{path}: meta.format is {fmt!r}, "
                              f"expected one of {', '.join(SWEEP_FORMATS)}")
        if not str(meta.get("reps", "")).isdigit():
            raise AvramiError(f"{path}: meta.reps is {meta.get('reps')!r}, expected a count")
        if fmt != "avrami-sweep/1" and "run_actors" not in have:
            raise AvramiError(f"{path}: not a complete {fmt} database: missing table run_actors")
        axes = pd.read_sql_query("SELECT * FROM axes ORDER BY axis", con)
        points = pd.read_sql_query("SELECT * FROM points ORDER BY point", con)
        runs = pd.read_sql_query("SELECT * FROM runs ORDER BY point, rep", con)
        actors = (None if fmt == "avrami-sweep/1" else
                  _frame(con, path, "run_actors").sort_values(["point", "rep", "actor"],
                                                              ignore_index=True))
    finally:
        con.close()
    params = [str(p) for p in axes["path"]]
    rows = []
    for i, (pt, settings) in enumerate(zip(points["point"], points["settings"])):
        try:
            s = json.loads(settings)
        except (TypeError, ValueError):
            raise AvramiError(f"{path}: points[{i}].settings: expected a JSON object") from None
        if not isinstance(s, dict) or set(s) != set(params):
            raise AvramiError(f"{path}: points[{i}].settings: expected one value for each "
                              f"axis ({', '.join(params)})")
        rows.append({"point": int(pt), **s})
    by_point = {r["point"]: r for r in rows}
    unknown = set(runs["point"]) - set(by_point)
    if unknown:
        raise AvramiError(f"{path}: runs name point(s) {sorted(unknown)} that points does not list")
    if fmt == "avrami-sweep/1":
        settings = pd.DataFrame(rows, columns=["point"] + params)
        runs = settings.merge(runs, on="point", how="right")
    else:
        absent = [p for p in params if p not in runs.columns]
        if absent:
            raise AvramiError(f"{path}: runs lacks the parameter column(s) {', '.join(absent)}")
        for rec in runs[["point", "rep"] + params].itertuples(index=False):
            for k, p in enumerate(params):
                stored = rec[2 + k]
                stored = stored.item() if hasattr(stored, "item") else stored
                if not _same_value(stored, by_point[rec[0]][p]):
                    raise AvramiError(f"{path}: runs (point {rec[0]}, rep {rec[1]}).{p} is {stored!r}, "
                                      f"but points.settings says {by_point[rec[0]][p]!r}")
        # the frame's order, whatever the format: point, the parameters,
        # rep, the metrics (paired() finds the parameters between point and rep)
        rest = [c for c in runs.columns if c not in ["point", "rep"] + params]
        runs = runs[["point"] + params + ["rep"] + rest]
    return Sweep(path, meta, axes, points, runs, params, actors)
