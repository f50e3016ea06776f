"""avrami from Python: run and sweep databases as pandas DataFrames.

    import avrami
    run = avrami.load_run("results/helium-baseline-seed20240115.db")
    run.tasks.groupby("outcome").size()
    sw = avrami.load_sweep("results/kick.db")
    avrami.paired(sw.runs, "kickouts")          # differences against point 0

Amounts in wei are exact Python integers (object columns), never floats.
Needs only Debian's python3 and python3-pandas (`make deps` installs them);
the 95% intervals use GSL's Student-t quantile, the same function the C
report uses, through ctypes.  See docs/python.md.
"""
from .db import AvramiError, Run, Sweep, load_run, load_sweep
from .stats import paired, summarize, t_quantile
from .cli import binary, run, sweep

__all__ = ["AvramiError", "Run", "Sweep", "load_run", "load_sweep",
           "paired", "summarize", "t_quantile", "binary", "run", "sweep"]
