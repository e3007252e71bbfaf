"""A synthetic control of one province's capital formation, with in-space placebo inference.

The weights are fitted by :class:`pysyncon.Synth` (Abadie & Gardeazabal 2003; Abadie, Diamond &
Hainmueller 2010), with the outcome of every pre-treatment year as a predictor and equal
predictor weights, so the donors are chosen to track the treated unit's whole pre-period path.
The inference (ranks, p-values, the smallest detectable effect) is computed here from the gaps,
by the formulas under each function's Notes, so that each step can be checked by hand.

Why pysyncon rather than scpi-pkg: it is MIT-licensed, pure Python on numpy/pandas/scipy (all
already pinned here), and reconciles with the R ``Synth`` package; scpi-pkg's prediction
intervals need cvxpy and a model of the post-period shocks that 31 provinces cannot support.
Its own ``PlaceboTest`` is not used: it runs the placebos in a process pool (the pipeline
already runs notebooks in parallel) and its p-value leaves the treated unit out of the count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PlaceboStudy", "SyntheticControl", "detectable_gap", "fit_synthetic_control",
           "leave_one_out", "log_path", "placebo_study", "rank_and_p_value"]

WEIGHT_SHOWN = 0.01
"""Donors with at least this weight are named and left out one at a time."""


def log_path(real: pd.DataFrame, *, start: int) -> pd.DataFrame:
    """Each unit's growth path: ``100 × ln(real)`` less its mean over the years before ``start``.

    A gap between two such paths is in log points (≈ percent for small gaps); removing each
    unit's pre-period mean lets a small province be compared with larger ones (Ferman & Pinto
    2021, the demeaned synthetic control).
    """
    logs = 100 * np.log(real)
    pre = logs.loc[logs.index < start]
    if pre.empty or (logs.index >= start).sum() == 0:
        raise ValueError(f"start {start}: expected years both before and from it in "
                         f"{logs.index.min()}..{logs.index.max()}")
    return logs - pre.mean()


@dataclass(frozen=True)
class SyntheticControl:
    """One unit against its synthetic control.

    ``path`` has one row per year: ``actual``, ``synthetic`` and ``gap`` (actual − synthetic,
    in the outcome's unit); ``weights`` the donors' weights (summing to one).
    """

    treated: str
    start: int
    weights: pd.Series
    path: pd.DataFrame

    @property
    def pre(self) -> pd.Series:
        """Gaps of the years before ``start``."""
        return self.path.loc[self.path.index < self.start, "gap"]

    @property
    def post(self) -> pd.Series:
        """Gaps of ``start`` and later years."""
        return self.path.loc[self.path.index >= self.start, "gap"]

    @property
    def pre_rmspe(self) -> float:
        """Root mean squared gap before ``start`` (the quality of the fit)."""
        return float(np.sqrt((self.pre ** 2).mean()))

    @property
    def post_rmspe(self) -> float:
        """Root mean squared gap from ``start`` on."""
        return float(np.sqrt((self.post ** 2).mean()))

    @property
    def ratio(self) -> float:
        """Post/pre RMSPE ratio (infinite after a perfect pre-period fit)."""
        return self.post_rmspe / self.pre_rmspe if self.pre_rmspe > 0 else math.inf

    @property
    def mean_gap(self) -> float:
        """Average gap from ``start`` on."""
        return float(self.post.mean())

    def named_weights(self, *, at_least: float = WEIGHT_SHOWN) -> pd.Series:
        """Donors with at least ``at_least`` weight, largest first."""
        return self.weights[self.weights >= at_least].sort_values(ascending=False)


def fit_synthetic_control(outcome: pd.DataFrame, *, treated: str, start: int,
                          donors: Sequence[str] | None = None) -> SyntheticControl:
    """Fit the synthetic control of ``treated`` from ``donors`` (default every other column).

    Parameters
    ----------
    outcome
        Outcome by year (index) and unit (columns), e.g. :func:`log_path`.
    treated
        The unit treated from ``start`` on.
    start
        First treated year; the years before it are the pre-period.
    donors
        The donor pool.

    Notes
    -----
    The weights :math:`w \\ge 0`, :math:`\\sum w = 1` minimise
    :math:`\\sum_k v_k (X_{1k} - X_{0k} w)^2` over the pre-period years :math:`k` with equal
    :math:`v_k` after pysyncon's scaling of each year by its spread across units.
    """
    from pysyncon import Synth

    donors = [d for d in (donors if donors is not None else outcome.columns) if d != treated]
    pre = outcome.index[outcome.index < start]
    x0, x1 = outcome.loc[pre, donors], outcome.loc[pre, treated]
    synth = Synth()
    synth.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=np.ones(len(pre)))
    weights = pd.Series(np.asarray(synth.W, dtype=float), index=donors).clip(lower=0)
    weights = weights / weights.sum()
    synthetic = outcome[donors] @ weights
    path = pd.DataFrame({"actual": outcome[treated], "synthetic": synthetic})
    path["gap"] = path["actual"] - path["synthetic"]
    return SyntheticControl(treated=treated, start=start, weights=weights, path=path)


def rank_and_p_value(ratios: Mapping[str, float], treated: str) -> tuple[int, float]:
    """The treated unit's rank among all post/pre RMSPE ratios (1 = largest) and its p-value.

    Notes
    -----
    rank = 1 + the number of placebos whose ratio is at least the treated unit's;
    p = rank / N with N the number of units, treated included (Abadie, Diamond & Hainmueller
    2010): the share of units whose ratio is as extreme as the treated unit's.
    """
    mine = ratios[treated]
    rank = 1 + sum(1 for unit, r in ratios.items() if unit != treated and r >= mine)
    return rank, rank / len(ratios)


def detectable_gap(placebo_ratios: Sequence[float], *, pre_rmspe: float,
                   alpha: float) -> float:
    """The smallest constant post-period gap the placebo test would call significant at ``alpha``.

    Notes
    -----
    A constant gap :math:`\\delta` after a fit whose pre-period RMSPE is :math:`r` has ratio
    :math:`\\delta / r`. With :math:`N` units, :math:`p \\le \\alpha` needs at most
    :math:`m - 1` placebos at or above that ratio, :math:`m = \\lfloor \\alpha N \\rfloor`, so
    :math:`\\delta` must exceed :math:`r` times the :math:`m`-th largest placebo ratio (infinite
    when :math:`m = 0`: too few units for that level).
    """
    n = len(placebo_ratios) + 1
    m = math.floor(alpha * n + 1e-9)
    if m == 0:
        return math.inf
    ordered = sorted(placebo_ratios, reverse=True)
    return pre_rmspe * ordered[m - 1]


@dataclass(frozen=True)
class PlaceboStudy:
    """The treated unit's fit and every donor's placebo fit (each from the other donors)."""

    treated: str
    fits: Mapping[str, SyntheticControl]

    @property
    def fit(self) -> SyntheticControl:
        """The treated unit's synthetic control."""
        return self.fits[self.treated]

    @property
    def ratios(self) -> dict[str, float]:
        """Post/pre RMSPE ratio of every unit."""
        return {unit: f.ratio for unit, f in self.fits.items()}

    @property
    def rank(self) -> int:
        """The treated unit's rank among the ratios (1 = largest)."""
        return rank_and_p_value(self.ratios, self.treated)[0]

    @property
    def p_value(self) -> float:
        """The placebo test's p-value (:func:`rank_and_p_value`)."""
        return rank_and_p_value(self.ratios, self.treated)[1]

    @property
    def units(self) -> int:
        """Number of units in the test, the treated one included."""
        return len(self.fits)

    def detectable(self, alpha: float) -> float:
        """:func:`detectable_gap` of this study."""
        return detectable_gap([r for u, r in self.ratios.items() if u != self.treated],
                              pre_rmspe=self.fit.pre_rmspe, alpha=alpha)

    @property
    def gaps(self) -> pd.DataFrame:
        """Gap by year (index) and unit (columns)."""
        return pd.DataFrame({unit: f.path["gap"] for unit, f in self.fits.items()})

    @property
    def table(self) -> pd.DataFrame:
        """One row per unit: pre- and post-period RMSPE, their ratio, mean gap, rank, treated."""
        rows = [{"unit": unit, "pre_rmspe": f.pre_rmspe, "post_rmspe": f.post_rmspe,
                 "ratio": f.ratio, "mean_gap": f.mean_gap, "treated": unit == self.treated}
                for unit, f in self.fits.items()]
        table = pd.DataFrame(rows).sort_values("ratio", ascending=False, kind="stable")
        table.insert(0, "rank", range(1, len(table) + 1))
        return table.reset_index(drop=True)


def placebo_study(outcome: pd.DataFrame, *, treated: str, start: int) -> PlaceboStudy:
    """Fit ``treated`` and, in turn, every other unit as if it were treated (in-space placebos).

    A placebo's donors are the other units except ``treated``, whose own post-period may carry
    the effect.
    """
    fits = {treated: fit_synthetic_control(outcome, treated=treated, start=start)}
    others = [u for u in outcome.columns if u != treated]
    for unit in others:
        fits[unit] = fit_synthetic_control(outcome[others], treated=unit, start=start)
    return PlaceboStudy(treated=treated, fits=fits)


def leave_one_out(outcome: pd.DataFrame, fit: SyntheticControl) -> dict[str, SyntheticControl]:
    """The fit again without each donor that carries weight (:data:`WEIGHT_SHOWN`), by donor."""
    donors = [u for u in outcome.columns if u != fit.treated]
    return {left: fit_synthetic_control(outcome, treated=fit.treated, start=fit.start,
                                        donors=[d for d in donors if d != left])
            for left in fit.named_weights().index}
