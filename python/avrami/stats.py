"""Means, 95% intervals and paired differences of sweep metrics.

The Student-t quantile is GSL's gsl_cdf_tdist_Pinv (the C side's function),
called through ctypes so that Python and `avrami report` print the same
intervals."""
import ctypes
import ctypes.util
import math

import pandas as pd

from .db import AvramiError

_tdist = None


def t_quantile(p, dof):
    """The p quantile of Student's t with dof degrees of freedom (GSL)."""
    global _tdist
    if _tdist is None:
        name = ctypes.util.find_library("gsl")
        if name is None:
            raise AvramiError("GSL (libgsl) not found: run `make deps`")
        f = ctypes.CDLL(name).gsl_cdf_tdist_Pinv
        f.restype = ctypes.c_double
        f.argtypes = [ctypes.c_double, ctypes.c_double]
        _tdist = f
    return _tdist(p, dof)


def _interval(values):
    n = len(values)
    mean = float(sum(values)) / n if n else math.nan
    if n < 2:
        return n, mean, math.nan
    s = pd.Series(values, dtype=float).std(ddof=1)
    return n, mean, t_quantile(0.975, n - 1) * s / math.sqrt(n)


def summarize(runs, metric, by="point"):
    """Per point: n, mean and the 95% half-width of `metric`."""
    rows = []
    for key, g in runs.groupby(by, sort=True):
        n, mean, hw = _interval(list(g[metric]))
        rows.append({by: key, "n": n, "mean": mean, "half_width": hw})
    return pd.DataFrame(rows)


def paired(runs, metric, baseline=0, params=None):
    """Paired differences of `metric` against the baseline point, using the
    common random numbers of a sweep (replication r of every point shares
    its streams): d_r = x[point, r] - x[baseline, r] over the replications
    both points have; per point the mean difference and its 95% t interval.
    `params` (default: every column between 'point' and 'rep') are carried
    into the result so that points are readable."""
    if metric not in runs.columns:
        raise AvramiError(f"no metric {metric!r}; the runs have {', '.join(runs.columns)}")
    if params is None:
        cols = list(runs.columns)
        params = cols[cols.index("point") + 1:cols.index("rep")]
    base = runs[runs["point"] == baseline].set_index("rep")[metric]
    if base.empty:
        raise AvramiError(f"baseline point {baseline} has no finished runs")
    rows = []
    for pt, g in runs.groupby("point", sort=True):
        g = g.set_index("rep")
        common = g.index.intersection(base.index)
        d = [float(g.at[r, metric]) - float(base.at[r]) for r in common]
        n, mean, hw = _interval(d)
        row = {"point": pt}
        row.update({p: g[p].iloc[0] for p in params})
        row.update({"n": n, "diff": mean, "ci_low": mean - hw, "ci_high": mean + hw})
        rows.append(row)
    return pd.DataFrame(rows)
