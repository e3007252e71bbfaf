"""Fixed effects absorbed by the within transformation (alternating projections), never by
dummy columns, with the degrees of freedom they use and the panel's columns checked first."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.errors import ParameterError, problem

DEMEAN_TOLERANCE = 1e-10  # alternating projections stop when no value moves by more than this
DEMEAN_MAX_ITERATIONS = 10_000


def require_columns(panel: pd.DataFrame, columns: dict[str, str]) -> None:
    """Check that each ``{role: column}`` is a column without missing values (numeric for the
    outcome and the treatment); ParameterError naming the role and column otherwise."""
    missing = [problem("panel", f"parameter {role}", repr(name),
                       "a column of the panel: " + ", ".join(map(str, panel.columns)))
               for role, name in columns.items() if name not in panel.columns]
    if missing:
        raise ParameterError(problems=missing)
    for role, name in columns.items():
        if role in ("outcome", "treatment") and not pd.api.types.is_numeric_dtype(panel[name]):
            raise ParameterError(problems=[problem("panel", f"parameter {role}", repr(name),
                                                   "a numeric column")])
        missing_values = int(panel[name].isna().sum())
        if missing_values:
            raise ParameterError(problems=[problem(
                "panel", f"parameter {role}, column {name!r}", f"{missing_values} missing values",
                "a value in every firm-year (drop or fill them first)")])


def demean(values: np.ndarray, groups: list[np.ndarray], *, tol: float = DEMEAN_TOLERANCE,
           max_iter: int = DEMEAN_MAX_ITERATIONS) -> np.ndarray:
    """Sweep several sets of fixed effects out of ``values`` (the within transformation).

    Parameters
    ----------
    values
        Array of shape ``(n,)`` or ``(n, k)``.
    groups
        One integer code array of length ``n`` per fixed effect (codes ``0..L-1``).

    Notes
    -----
    Alternating projections (Guimaraes & Portugal 2010; Gaure 2013): repeat
    ``x <- x - mean(x | group_f)`` for each effect ``f`` until no value changes by more than
    ``tol``. The limit is the residual of ``x`` on all the effects' dummies, for balanced and
    unbalanced panels alike; a balanced two-way panel converges after one sweep.
    """
    x = np.array(values, dtype=float, copy=True)
    flat = x.ndim == 1
    if flat:
        x = x[:, None]
    counts = [np.bincount(g) for g in groups]
    scale = max(1.0, float(np.abs(x).max(initial=0.0)))
    for _ in range(max_iter):
        largest_step = 0.0
        for g, n_g in zip(groups, counts, strict=True):
            means = np.column_stack([np.bincount(g, weights=x[:, j], minlength=n_g.size)
                                     for j in range(x.shape[1])]) / n_g[:, None]
            step = means[g]
            x -= step
            largest_step = max(largest_step, float(np.abs(step).max(initial=0.0)))
        if largest_step <= tol * scale:
            break
    return x[:, 0] if flat else x


def codes(series: pd.Series) -> np.ndarray:
    """Integer codes ``0..L-1`` of a column's levels (sorted), as :func:`demean` takes them."""
    return pd.factorize(series, sort=True)[0]


def absorbed_dof(groups: list[np.ndarray], clusters: np.ndarray) -> int:
    """Degrees of freedom used by the absorbed effects that are not nested in the clusters.

    Notes
    -----
    All effects together use ``sum_f L_f - (F - 1)`` parameters (``L_f`` levels of effect
    ``f``, ``F`` effects, one collinearity per extra effect in a connected panel). An effect
    whose every level lies inside one cluster is nested in the clusters and its ``L_f`` are not
    counted (the convention of Stata's ``xtreg, fe`` and ``reghdfe``).
    """
    total = sum(int(g.max()) + 1 for g in groups) - (len(groups) - 1)
    for g in groups:
        per_level = pd.Series(clusters).groupby(g).nunique()
        if (per_level == 1).all():
            total -= int(g.max()) + 1
    return max(total, 0)
