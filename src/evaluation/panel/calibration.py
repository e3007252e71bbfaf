"""The published aggregates SYNTHETIC panels are calibrated to, asked for by meaning.

No fact id or year is written here: the calibration year is the latest year with a published
actual count of listed firms, and every figure is chosen by the resolution rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from evaluation.data.availability import Availability, Needed, availability
from evaluation.data.facts import default_facts
from evaluation.data.resolve import resolve
from evaluation.errors import DataError, problem


@dataclass(frozen=True)
class CalibrationTargets:
    """The published aggregates of the calibration year (indicator names in comments)."""

    year: int  # latest year with an actual `firms` count
    firms: int  # firms
    sales_total: float  # sales_revenue, 亿元
    sales_growth: float  # sales_growth, percent
    firms_sales_over_100: int  # firms_sales_over_100
    firms_sales_50_100: int  # firms_sales_50_100
    firms_growth_over_20pct: int  # firms_growth_over_20pct
    firms_growth_over_50pct: int  # firms_growth_over_50pct
    subsidy_total: float  # special_fund, 亿元
    loans_total: float  # matching_realised, 亿元
    investment_total: float  # project_investment, 亿元
    tax_relief_firms: int  # tax_relief_firms


def calibration_year(facts: pd.DataFrame) -> int:
    """The latest year whose documents state every calibration target (the year the committed
    SYNTHETIC panel is calibrated to): a later year that states some outcomes but not all (no
    tier counts, say) does not move it."""
    rows = facts[(facts["indicator"] == "firms") & (facts["kind"] == "actual")]
    for year in sorted(set(rows["year"].astype(int)), reverse=True):
        if calibration_availability(facts, year=year).complete:
            return year
    raise DataError(problems=[problem("facts", "indicator firms", "no year with every "
                                      "calibration target stated",
                                      "a year whose documents state "
                                      f"{', '.join(TARGET_INDICATORS.values())}")])


# Field of :class:`CalibrationTargets` -> the indicator of the calibration year's outcome.
TARGET_INDICATORS = {
    "firms": "firms", "sales_total": "sales_revenue", "sales_growth": "sales_growth",
    "firms_sales_over_100": "firms_sales_over_100", "firms_sales_50_100": "firms_sales_50_100",
    "firms_growth_over_20pct": "firms_growth_over_20pct",
    "firms_growth_over_50pct": "firms_growth_over_50pct", "subsidy_total": "special_fund",
    "loans_total": "matching_realised", "investment_total": "project_investment",
    "tax_relief_firms": "tax_relief_firms"}
COUNTS = ("firms", "firms_sales_over_100", "firms_sales_50_100", "firms_growth_over_20pct",
          "firms_growth_over_50pct", "tax_relief_firms")
SUBJECT = "synthetic_panel"
PART = "calibration"


def calibration_availability(facts: pd.DataFrame | None = None, *, year: int,
                             pins: Mapping[str, str] | None = None) -> Availability:
    """The calibration targets of ``year``, found or missing (one part, ``calibration``)."""
    facts = default_facts() if facts is None else facts
    needed = [Needed(PART, field, indicator, int(year))
              for field, indicator in TARGET_INDICATORS.items()]
    return availability(facts, subject=SUBJECT, year=year, needed=needed, pins=pins)


def calibration_targets(facts: pd.DataFrame | None = None, *, year: int | None = None,
                        pins: Mapping[str, str] | None = None) -> CalibrationTargets:
    """Resolve every calibration target for ``year`` (default :func:`calibration_year`).

    Raises
    ------
    DataError
        A target is not stated for ``year`` (ask :func:`calibration_availability` first).
    """
    facts = default_facts() if facts is None else facts
    year = calibration_year(facts) if year is None else int(year)

    def value(field: str) -> float:
        return float(resolve(facts, indicator=TARGET_INDICATORS[field], year=year,
                             kind="actual", pins=pins, role=field)["value"])

    got = {field: value(field) for field in TARGET_INDICATORS}
    return CalibrationTargets(year=year, **{  # type: ignore[arg-type]
        field: int(v) if field in COUNTS else v for field, v in got.items()})
