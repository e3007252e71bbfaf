"""Documented flows on one footing: net new long-term financing per instrument, debt capacity.

The documents give a loan *balance* change for credit and *gross issuance* for direct
financing (short-term bills included). This module reads those figures by meaning (indicator,
year, kind) and turns them into net new long-term finance per instrument, with maturity,
refinancing and overlap shares as parameters, and splits the finance for fixed investment
between the 双百 projects (within their debt capacity) and the firms' other investment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.core.intervals import Interval
from evaluation.data.facts import default_facts
from evaluation.data.resolve import resolve
from evaluation.errors import DataError

Array = np.ndarray | float

# Figures the model reads from the base year's outcomes, by indicator.
BASE_INDICATORS = {
    "special_fund": "special_fund", "tax_relief": "tax_relief_amount",
    "loan_balance": "loan_balance", "loan_growth_pct": "loan_balance_growth",
    "loan_share_pct": "loan_share_industrial", "direct_financing": "direct_financing",
    "trust": "direct_financing_trust", "leasing": "direct_financing_leasing",
    "short_notes": "direct_financing_short_notes", "medium_notes": "direct_financing_medium_notes",
    "placement": "direct_financing_placement",
    "enterprise_bonds": "direct_financing_enterprise_bonds",
    "corporate_bonds": "direct_financing_corporate_bonds",
    "investment": "project_investment",
    "investment_share_pct": "investment_share_general_industrial",
    "sales": "sales_revenue", "sales_growth_pct": "sales_growth",
}
# The indicator of the investment target or plan the projections reach.
TARGET_INDICATOR = "project_investment"
# Written budget lines are exact amounts: an integer budget is not a rounded figure.
BUDGET_LINES = ("special_fund",)
ITEMISED = ("trust", "leasing", "short_notes", "medium_notes", "placement", "enterprise_bonds",
            "corporate_bonds")
BONDS_AND_NOTES = ("medium_notes", "enterprise_bonds", "corporate_bonds")
READING_CUT = 0.5


def _interval(row: pd.Series) -> Interval:
    return Interval(float(row["low"]), float(row["high"]))


def resolve_any(facts: pd.DataFrame, *, indicator: str, year: int,
                kinds: tuple[str, ...] = ("target", "plan"),
                pins: Mapping[str, str] | None = None, role: str | None = None) -> pd.Series:
    """The first of ``kinds`` the facts state for the figure (a target before a plan)."""
    last: DataError | None = None
    for kind in kinds:
        try:
            return resolve(facts, indicator=indicator, year=year, kind=kind, pins=pins, role=role)
        except DataError as exc:
            last = exc
    assert last is not None
    raise last


@dataclass(frozen=True)
class Documented:
    """The document figures the model uses, as intervals (written precision and qualifiers).

    ``target_first`` is the investment target of the first year after the base year and
    ``target_last`` the target or plan of the last target year; ``fact_ids`` name every source.
    """

    base_year: int
    target_years: tuple[int, ...]
    values: dict[str, Interval]
    fact_ids: dict[str, str]

    @classmethod
    def from_facts(cls, facts: pd.DataFrame | None = None, *, base_year: int,
                   target_years: tuple[int, ...] | list[int],
                   pins: Mapping[str, str] | None = None) -> Documented:
        """Read every figure by meaning (indicator, year, kind) through the resolution rule."""
        facts = default_facts() if facts is None else facts
        values, ids = {}, {}
        for name, indicator in BASE_INDICATORS.items():
            row = resolve(facts, indicator=indicator, year=base_year, kind="actual", pins=pins,
                          role=name)
            values[name] = (Interval.point(float(row["value"])) if name in BUDGET_LINES
                            else _interval(row))
            ids[name] = str(row["fact_id"])
        years = tuple(sorted(int(y) for y in target_years))
        for name, year in (("target_first", years[0]), ("target_last", years[-1])):
            row = resolve_any(facts, indicator=TARGET_INDICATOR, year=year, pins=pins, role=name)
            values[name], ids[name] = _interval(row), str(row["fact_id"])
        return cls(base_year, years, values, ids)

    @property
    def horizon(self) -> int:
        """Projection years after the base year (to the last target year)."""
        return self.target_years[-1] - self.base_year

    def mid(self, name: str) -> float:
        """Midpoint of a figure's interval (the open-ended tax relief at its lower bound)."""
        iv = self.values[name]
        return iv.low if np.isinf(iv.high) else iv.mid

    def draw(self, rng: np.random.Generator, draws: int, tax_relief_excess: np.ndarray
             ) -> dict[str, np.ndarray]:
        """Uniform draws inside each finite interval; the open-ended tax relief as
        ``low × (1 + tax_relief_excess)``."""
        out: dict[str, np.ndarray] = {}
        for name, iv in self.values.items():
            if name == "tax_relief":
                out[name] = iv.low * (1 + tax_relief_excess)
            elif iv.width == 0:
                out[name] = np.full(draws, iv.low)
            else:
                out[name] = rng.uniform(iv.low, iv.high, draws)
        return out

    def midpoints(self, tax_relief_excess: Array) -> dict[str, Array]:
        """Every figure at its midpoint; the tax relief as ``low × (1 + excess)``."""
        out: dict[str, Array] = {n: self.mid(n) for n in self.values}
        out["tax_relief"] = self.values["tax_relief"].low * (1 + np.asarray(tax_relief_excess))
        return out


@dataclass(frozen=True)
class Financing:
    """One year's financing on one footing (亿元; arrays over draws or floats).

    ``loans`` and ``direct`` are net new long-term finance; ``equity`` is new equity
    (placements); ``short_term`` is what rolls over within the year (no long-term finance);
    ``overlap`` is trust and leasing already in the loan-balance increase.
    """

    loans: Array
    direct: Array
    equity: Array
    short_term: Array
    overlap: Array
    unitemised: Array


def tax_forgone(doc: Mapping[str, Array], p: Mapping[str, Array]) -> Array:
    """Tax forgone under the two readings of the written relief.

    Notes
    -----
    ``T`` the written figure; tax forgone ``T`` when ``tax_relief_reading < 0.5`` and
    ``T × cit_rate_on_base`` (a deduction base) otherwise.
    """
    base = np.asarray(p["tax_relief_reading"]) >= READING_CUT
    return np.where(base, doc["tax_relief"] * p["cit_rate_on_base"], doc["tax_relief"])


def loan_increase(doc: Mapping[str, Array]) -> Array:
    """Base-year increase of the loan balance, ``B - B / (1 + g)``."""
    return doc["loan_balance"] * (1 - 1 / (1 + doc["loan_growth_pct"] / 100))


def base_financing(doc: Mapping[str, Array], p: Mapping[str, Array], *,
                   loan_increase_amount: Array | None = None, direct_scale: Array = 1.0
                   ) -> Financing:
    """Net new long-term finance per instrument from the documented balance and issuance.

    Notes
    -----
    Loans: ``ΔB m_L`` (``m_L`` long-term share). Direct financing, gross items ``x``:
    trust ``x m_T (1 - o)``, leasing ``x (1 - o)`` (``o`` share already in bank balances),
    notes and bonds ``x (1 - r)`` (``r`` refinancing), placements are equity, short-term bills
    roll over (0). The unitemised gap ``U = D - Σ x`` is 0 when ``unitemised_reading < 0.5``
    (a typo), else ``U`` times the net long-term share of the itemised debt instruments.
    """
    increase = loan_increase(doc) if loan_increase_amount is None else loan_increase_amount
    overlap = p["bank_trust_overlap_share"]
    trust = doc["trust"] * p["trust_long_term_share"] * (1 - overlap)
    leasing = doc["leasing"] * (1 - overlap)
    bonds = sum(doc[k] for k in BONDS_AND_NOTES) * (1 - p["refinancing_share"])
    itemised = sum(doc[k] for k in ITEMISED)
    debt_items = itemised - doc["placement"]
    real = np.asarray(p["unitemised_reading"]) >= READING_CUT
    unitemised = np.where(real, (doc["direct_financing"] - itemised)
                          * (trust + leasing + bonds) / debt_items, 0.0)
    return Financing(
        loans=increase * p["loan_long_term_share"],
        direct=direct_scale * (trust + leasing + bonds + unitemised),
        equity=direct_scale * doc["placement"],
        short_term=direct_scale * doc["short_notes"],
        overlap=direct_scale * (doc["trust"] + doc["leasing"]) * overlap,
        unitemised=direct_scale * unitemised)


@dataclass(frozen=True)
class Split:
    """Finance for fixed investment split between the projects and the firms' other uses."""

    project: dict[str, Array]
    other: dict[str, Array]
    capacity: Array
    binding: Array


def split_debt(debt: Mapping[str, Array], equity: Mapping[str, Array], p: Mapping[str, Array],
               investment: Array) -> Split:
    """Split finance between the 双百 projects and the firms' other investment.

    Notes
    -----
    A share ``s`` of each instrument's finance goes to the projects. Project debt is capped by
    the projects' debt capacity ``(1 - κ) I`` (``κ`` the project-capital ratio, ``I`` project
    investment); when ``s Σ D > (1 - κ) I`` each debt instrument's project part is scaled by
    ``(1 - κ) I / (s Σ D)`` and the rest finances the firms' other investment.
    """
    s = p["project_financing_share"]
    capacity = (1 - p["project_capital_ratio"]) * investment
    wanted = s * sum(debt.values())
    scale = np.minimum(1.0, capacity / np.maximum(wanted, 1e-12))
    project_part = {k: v * s * scale for k, v in debt.items()}
    other = {k: v - project_part[k] for k, v in debt.items()}
    for k, v in equity.items():
        project_part[k] = v * s
        other[k] = v * (1 - s)
    return Split(project_part, other, capacity, wanted > capacity)


def feasible_lending(balance: Array, wanted: Array, province_balance: Array, *,
                     max_share: Array) -> Array:
    """New lending within the cap ``B + L ≤ max_share × P`` (never negative).

    Notes
    -----
    ``L = clip(wanted, 0, max_share × P - B)``: the 双百 balance ``B`` cannot exceed the
    share ``max_share`` of the province's industrial loan balance ``P``.
    """
    room = np.maximum(max_share * province_balance - balance, 0.0)
    return np.minimum(np.maximum(wanted, 0.0), room)
