"""The published aggregates SYNTHETIC panels are calibrated to, asked for by meaning.

No fact id or year is written here: the calibration year is the latest year with a published
actual count of listed firms, and every figure is chosen by the resolution rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

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
    """The latest year with a published actual count of listed firms."""
    rows = facts[(facts["indicator"] == "firms") & (facts["kind"] == "actual")]
    if rows.empty:
        raise DataError(problems=[problem("facts", "indicator firms", "no actual firm count",
                                          "a published count of listed firms")])
    return int(rows["year"].max())


def calibration_targets(facts: pd.DataFrame | None = None) -> CalibrationTargets:
    """Resolve every calibration target for :func:`calibration_year`."""
    facts = default_facts() if facts is None else facts
    year = calibration_year(facts)

    def value(indicator: str) -> float:
        return float(resolve(facts, indicator=indicator, year=year, kind="actual")["value"])

    return CalibrationTargets(
        year=year, firms=int(value("firms")), sales_total=value("sales_revenue"),
        sales_growth=value("sales_growth"),
        firms_sales_over_100=int(value("firms_sales_over_100")),
        firms_sales_50_100=int(value("firms_sales_50_100")),
        firms_growth_over_20pct=int(value("firms_growth_over_20pct")),
        firms_growth_over_50pct=int(value("firms_growth_over_50pct")),
        subsidy_total=value("special_fund"), loans_total=value("matching_realised"),
        investment_total=value("project_investment"),
        tax_relief_firms=int(value("tax_relief_firms")))
