"""The evidence beside the model's illustration: the province's capital formation against a
synthetic control of other provinces, with placebos, leave-one-out donors and other start years.

Everything is computed once per set of inputs (:func:`shared_evidence`) and read by the evidence
report and the memo.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import evaluation
from evaluation.cache import cache_key, computed_once
from evaluation.data.edition import EditionContext
from evaluation.data.sources import Source
from evaluation.evidence.series import ProvincialSeries, find_table, load_series, real_gfcf
from evaluation.evidence.synthetic_control import (
    PlaceboStudy,
    SyntheticControl,
    leave_one_out,
    log_path,
    placebo_study,
)

__all__ = ["ACTION_INDICATOR", "EvidenceResults", "edition_evidence", "evidence_study",
           "first_action_year", "shared_evidence", "to_yi_yuan"]

ACTION_INDICATOR = "project_investment"
"""The indicator of the action's own investment (the projects' completed or planned investment)."""
ALPHA = 0.10
"""Level of the placebo test whose smallest detectable effect is reported."""


def first_action_year(context: EditionContext) -> int | None:
    """The first year the edition's documents report the action's investment for (actual,
    target or plan).

    The treatment's start by meaning: the earliest year of a fact of :data:`ACTION_INDICATOR`
    (``None`` when the documents give none).
    """
    facts = context.facts
    years = facts.loc[facts["indicator"] == ACTION_INDICATOR, "year"]
    return int(years.min()) if len(years) else None


def to_yi_yuan(gap_log_points: pd.Series | float, current: pd.Series) -> pd.Series:
    """A gap in log points as 亿元 at current prices, year by year.

    Notes
    -----
    Actual real GFCF is :math:`e^{g/100}` times its synthetic counterpart, so the part of the
    current-price figure :math:`C_t` above the counterpart is :math:`C_t (1 - e^{-g_t/100})`.
    """
    return current * (1 - np.exp(-np.asarray(gap_log_points, dtype=float) / 100))


@dataclass(frozen=True)
class EvidenceResults:
    """The synthetic-control study of one province.

    ``study`` holds the main fit and its placebos; ``without`` the fit again without each
    weighted donor; ``by_start`` the main figures for each start year tried; ``current`` the
    province's GFCF at current prices (亿元) by year; ``last_published`` the last year of
    published (not extended) figures, the end of the post-period; ``source`` the table's
    registry entry.
    """

    province: str
    start: int
    first: int
    last_published: int
    alpha: float
    study: PlaceboStudy
    without: dict[str, SyntheticControl]
    by_start: pd.DataFrame
    current: pd.Series
    source: Source

    @property
    def fit(self) -> SyntheticControl:
        """The province's synthetic control."""
        return self.study.fit

    @property
    def post_current(self) -> pd.Series:
        """The province's GFCF at current prices over the post-period (亿元)."""
        return self.current.loc[self.start:self.last_published]

    @property
    def mean_gap_yi(self) -> float:
        """The average post-period gap as 亿元 a year at current prices (:func:`to_yi_yuan`)."""
        return float(to_yi_yuan(self.fit.post, self.post_current).mean())

    @property
    def detectable(self) -> float:
        """The smallest constant gap (log points) the placebos could detect at :attr:`alpha`."""
        return self.study.detectable(self.alpha)

    @property
    def detectable_yi(self) -> float:
        """:attr:`detectable` as 亿元 a year at current prices (averaged over the post-period)."""
        if math.isinf(self.detectable):
            return math.inf
        return float(to_yi_yuan(self.detectable, self.post_current).mean())

    @property
    def without_table(self) -> pd.DataFrame:
        """One row per donor left out: its weight in the main fit, pre-period RMSPE and mean gap."""
        rows = [{"left_out": donor, "weight": float(self.fit.weights[donor]),
                 "pre_rmspe": f.pre_rmspe, "mean_gap": f.mean_gap}
                for donor, f in self.without.items()]
        return pd.DataFrame(rows, columns=["left_out", "weight", "pre_rmspe", "mean_gap"])

    @property
    def gap_range_without(self) -> tuple[float, float]:
        """Smallest and largest mean gap with one donor left out (the main gap when none is)."""
        gaps = [f.mean_gap for f in self.without.values()] or [self.fit.mean_gap]
        return min(gaps), max(gaps)


def evidence_study(series: ProvincialSeries, *, province: str, start: int, first: int,
                   last_published: int, starts: Sequence[int] = (),
                   alpha: float = ALPHA) -> EvidenceResults:
    """The synthetic control of ``province``'s real GFCF growth path, with its inference.

    Parameters
    ----------
    series
        The provincial table (:func:`evaluation.evidence.series.load_series`).
    province
        The treated province, as the table names it.
    start
        First treated year.
    first, last_published
        First year of the pre-period and last year of the post-period (the last year of
        published figures: later values of the table are extended, not published).
    starts
        Other start years to try (the sensitivity); the main ``start`` is always included.
    alpha
        Level of the placebo test for the smallest detectable effect.

    Raises
    ------
    ValueError
        ``province`` is not in the table, or a start year leaves no pre- or post-period.
    """
    if province not in series.provinces:
        raise ValueError(f"province {province!r}: expected one of {series.provinces}")
    real = real_gfcf(series, first=first, last=last_published)
    main = placebo_study(log_path(real, start=start), treated=province, start=start)
    rows = []
    for year in sorted({start, *starts}):
        study = main if year == start else placebo_study(log_path(real, start=year),
                                                         treated=province, start=year)
        rows.append({"start": year, "pre_rmspe": study.fit.pre_rmspe,
                     "mean_gap": study.fit.mean_gap, "rank": study.rank,
                     "units": study.units, "p_value": study.p_value,
                     "main": year == start})
    return EvidenceResults(
        province=province, start=start, first=first, last_published=last_published,
        alpha=alpha, study=main, without=leave_one_out(log_path(real, start=start), main.fit),
        by_start=pd.DataFrame(rows), current=series.current[province], source=series.source)


EVIDENCE_CODE = Path(evaluation.__file__).resolve().parent / "evidence"


def shared_evidence(series: ProvincialSeries, *, province: str, start: int, first: int,
                    last_published: int, starts: Sequence[int] = (),
                    alpha: float = ALPHA) -> EvidenceResults:
    """:func:`evidence_study`, computed at most once for these arguments, table and code.

    The evidence report and the memo both call this; the key covers the arguments, the table's
    file and this package's code.
    """
    inputs = {"province": province, "start": start, "first": first,
              "last_published": last_published, "starts": sorted(set(starts)), "alpha": alpha}
    key = cache_key(inputs=inputs, paths=[series.source.path, EVIDENCE_CODE])
    return computed_once("evidence", lambda: evidence_study(
        series, province=province, start=start, first=first, last_published=last_published,
        starts=starts, alpha=alpha), key=key)


def edition_evidence(context: EditionContext, *, province: str, first: int, start_year: int,
                     start_shifts: Sequence[int], last_published: int,
                     alpha: float = ALPHA) -> EvidenceResults | None:
    """The edition's study (:func:`shared_evidence`): the registered table, the first treated
    year from the documents (:func:`first_action_year`) unless ``start_year`` is set (non-zero),
    and the start years ``start + shift`` tried beside it.

    Returns ``None`` when no provincial statistics table is registered or the documents give
    no year for the action and none is set. Report 05 and the memo call it with the edition's
    parameters, so the memo reads what the report computed.
    """
    table = find_table(context.sources)
    start = start_year or first_action_year(context)
    if table is None or start is None:
        return None
    return shared_evidence(load_series(table), province=province, start=start, first=first,
                           last_published=last_published,
                           starts=[start + shift for shift in start_shifts], alpha=alpha)
