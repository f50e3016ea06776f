"""Running scenarios and sweeps through the avrami command line."""
import os
import shutil
import subprocess

from .db import AvramiError, load_run, load_sweep


def binary():
    """The avrami executable: $AVRAMI_BIN, else the source tree's
    build/avrami beside this package, else `avrami` on PATH."""
    env = os.environ.get("AVRAMI_BIN")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    built = os.path.join(here, "..", "..", "build", "avrami")
    if os.access(built, os.X_OK):
        return os.path.normpath(built)
    found = shutil.which("avrami")
    if found:
        return found
    raise AvramiError("avrami not found: build it with `make` "
                      "or set AVRAMI_BIN")


def _settings(sets):
    args = []
    for path, values in (sets or {}).items():
        if isinstance(values, (list, tuple)):
            values = ",".join(str(v) for v in values)
        args += ["--set", f"{path}={values}"]
    return args


def _call(args, cwd):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise AvramiError(f"{' '.join(args)}: exit {p.returncode}\n{p.stderr.strip()}")
    return p.stdout


def run(scenario, out, seed=None, replication=None, duration=None, cwd=None):
    """`avrami run SCENARIO --out OUT` and load the result."""
    args = [binary(), "run", scenario, "--out", out, "--quiet"]
    if seed is not None:
        args += ["--seed", str(seed)]
    if replication is not None:
        args += ["--replication", str(replication)]
    if duration is not None:
        args += ["--duration", str(duration)]
    _call(args, cwd)
    return load_run(out if cwd is None else os.path.join(cwd, out))


def sweep(scenario, out, sets, reps, jobs=1, duration=None, keep_runs=None, cwd=None):
    """`avrami sweep SCENARIO --set PATH=V1,V2 ... --reps R -j N --out OUT`;
    sets maps a scenario path to its values (a list or "LO:HI:STEP");
    keep_runs: a directory for each run's database (--keep-runs)."""
    args = [binary(), "sweep", scenario, *_settings(sets), "--reps", str(reps),
            "-j", str(jobs), "--out", out]
    if duration is not None:
        args += ["--duration", str(duration)]
    if keep_runs is not None:
        args += ["--keep-runs", keep_runs]
    _call(args, cwd)
    return load_sweep(out if cwd is None else os.path.join(cwd, out))
