"""A SYNTHETIC firm panel calibrated to the published aggregates, with a planted effect.

Real firm records are confidential. This generator stands in for them: the calibration year's
cross-section (the latest year with published outcomes, see
:mod:`evaluation.panel.calibration`) matches the published figures exactly (total sales,
firms by sales tier, firms by growth, the
aggregate growth rate), subsidy and loan receipt favour bigger firms (so a naive regression is
biased), and subsidy receipt raises log sales by :data:`PLANTED_EFFECT`, which the estimators in
:mod:`evaluation.panel.estimators` must recover.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from evaluation.data.availability import Availability
from evaluation.data.facts import default_facts
from evaluation.panel.calibration import (
    CalibrationTargets,
    calibration_availability,
    calibration_targets,
    calibration_year,
)
from evaluation.panel.schema import (
    COLUMN_NAMES,
    add_derived_columns,
    load_panel,
    synthetic_panel_file,
    validate_panel,
)

# ---- design parameters (chosen for the simulation; none is an estimate of the real programme)
SEED = 2013  # seed of the committed panel (any integer; kept so the panel is unchanged)
YEARS_BEFORE, YEARS_AFTER = 4, 3  # panel spans the calibration year - 4 .. + 3
PLANTED_EFFECT = 0.10  # effect of subsidy receipt on log sales (log points), the value to recover
ADOPTION_OFFSETS = (-1, 0, 1)  # first subsidy years, relative to the calibration year
COMMON_GROWTH = 0.08  # common trend in log sales per year
NOISE_SD = 0.28  # firm-year noise in log sales; sqrt(2) * 0.28 = 0.40 is the spread of one-year
# log growth that puts ~40 of 100 firms above +20% and ~21 above +50% around a 0.08 median
# (solve (ln 1.2 - m) / s = z(0.60), (ln 1.5 - m) / s = z(0.79): s = 0.40, m = 0.08)
ADOPTION_INTERCEPT, ADOPTION_SIZE_SLOPE = 0.4, 1.2  # logit P(ever subsidised) = a + b z(size)
COHORT_SIZE_SLOPE = 0.8  # bigger firms adopt earlier: latent order = -b z(size) + N(0, 1)
LOAN_INTERCEPT, LOAN_SIZE_SLOPE = 0.0, 1.0  # logit P(loan in a year) = a + b z(size)
LOAN_SALES_SPREAD = 0.5  # sd of log(loans / sales) among borrowers
INVESTMENT_SALES_SPREAD = 0.3  # sd of log(investment / sales)
# 亿元; the plan says 超过7亿元 (more than 7, indicator tax_relief_amount); the exact sum is
# unpublished, so any value above 7 is consistent with it
TAX_RELIEF_TOTAL = 7.5
# Latent calibration-year sizes (亿元) drawn inside the published tiers so calibration moves
# few firms: the
# top tier uniform (in logs) within TOP_TIER_RANGE, the second within SECOND_TIER_RANGE, the rest
# log-normal with median SMALL_FIRM_MEDIAN and log-sd SMALL_FIRM_SPREAD, capped at SMALL_FIRM_CAP.
TOP_TIER_RANGE = (105.0, 250.0)
SECOND_TIER_RANGE = (55.0, 95.0)
SMALL_FIRM_MEDIAN, SMALL_FIRM_SPREAD, SMALL_FIRM_CAP = 4.0, 0.8, 45.0
SUBSIDY_SIZE_ELASTICITY = 0.5  # a subsidised firm's subsidy is proportional to sales ** 0.5
TIER_MARGIN = 0.5  # 亿元 kept between a calibrated firm and a tier boundary (100 or 50)
GROWTH_MARGIN = 0.005  # growth kept between a calibrated firm and a threshold (20% or 50%)
SECTORS = ("non-ferrous metals", "salt-lake chemicals", "oil and gas", "power",
           "iron and steel", "building materials", "equipment", "food and light industry",
           "pharmaceuticals")
OWNERSHIP_SHARES = {"SOE": 0.4, "private": 0.5, "foreign": 0.1}


def simulate_panel(*, seed: int = SEED, planted_effect: float = PLANTED_EFFECT,
                   targets: CalibrationTargets | None = None) -> pd.DataFrame:
    """Simulate one SYNTHETIC firm panel (schema of :mod:`evaluation.panel.schema`).

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``; the same seed gives the same panel.
    planted_effect
        True effect of subsidy receipt on log sales.
    targets
        Calibration-year aggregates to match; default from the curated facts.

    Returns
    -------
    pandas.DataFrame
        One row per firm-year, ``synthetic`` True, sorted by firm and year.

    Notes
    -----
    Untreated potential outcomes follow ``ln s_it = a_i + g (t - c) + e_it`` (``c`` the
    calibration year) with
    ``e_it ~ N(0, NOISE_SD^2)``; observed ``ln s_it = ... + beta D_it`` with
    ``D_it = 1[t >= adoption_i]`` (absorbing, staggered over :data:`ADOPTION_OFFSETS`).
    Adoption depends on firm size ``a_i`` only (bigger firms are more likely and earlier to be
    subsidised): this biases pooled OLS upward but is absorbed by firm fixed effects.
    Calibration then moves the calibration year's and the previous year's cross-sections to
    the published figures: a common
    shift of each year (absorbed by year effects) chosen by root-finding so the totals match, and
    clipping of the few firms whose rank puts them on the wrong side of a tier or growth
    threshold. Subsidy, loan, investment and tax-relief amounts are scaled so their
    calibration-year totals
    match the plan's special fund, realised loans, project investment and the tax-relief count.
    """
    targets = calibration_targets() if targets is None else targets
    rng = np.random.default_rng(seed)
    n = targets.firms
    base = targets.year
    years = np.arange(base - YEARS_BEFORE, base + YEARS_AFTER + 1)
    size = firm_sizes(rng, targets)
    z = (size - size.mean()) / size.std()
    adoption = _adoption_years(rng, z, base)
    treated = years[None, :] >= adoption[:, None]
    log_sales = (size[:, None] + COMMON_GROWTH * (years - base)[None, :]
                 + rng.normal(0.0, NOISE_SD, size=(n, years.size)) + planted_effect * treated)
    i12 = int(np.flatnonzero(years == base)[0])
    log_sales[:, i12] = np.log(_calibrated_levels(log_sales[:, i12], targets))
    growth = _calibrated_log_growth(log_sales[:, i12] - log_sales[:, i12 - 1],
                                    np.exp(log_sales[:, i12]), targets)
    log_sales[:, i12 - 1] = log_sales[:, i12] - growth
    sales = np.exp(log_sales)

    sector = rng.choice(SECTORS, size=n)
    ownership = rng.choice(list(OWNERSHIP_SHARES), size=n, p=list(OWNERSHIP_SHARES.values()))
    subsidy = np.where(treated, sales ** SUBSIDY_SIZE_ELASTICITY, 0.0)
    subsidy *= targets.subsidy_total / subsidy[:, i12].sum()
    borrows = rng.random((n, years.size)) < expit(LOAN_INTERCEPT + LOAN_SIZE_SLOPE * z)[:, None]
    loans = np.where(borrows, sales * rng.lognormal(0.0, LOAN_SALES_SPREAD, sales.shape), 0.0)
    loans *= targets.loans_total / loans[:, i12].sum()
    investment = sales * rng.lognormal(0.0, INVESTMENT_SALES_SPREAD, sales.shape)
    investment *= targets.investment_total / investment[:, i12].sum()
    tax_relief = _tax_relief(rng, sales, treated, i12, targets)

    firm_ids = np.array([f"SYN{k + 1:03d}" for k in range(n)])
    panel = pd.DataFrame({
        "firm_id": np.repeat(firm_ids, years.size),
        "year": np.tile(years, n),
        "sales": sales.ravel(), "investment": investment.ravel(), "loans": loans.ravel(),
        "subsidy": subsidy.ravel(), "tax_relief": tax_relief.ravel(),
        "sector": np.repeat(sector, years.size), "ownership": np.repeat(ownership, years.size),
        "synthetic": True,
    })
    return panel[list(COLUMN_NAMES)]


def firm_sizes(rng: np.random.Generator, targets: CalibrationTargets) -> np.ndarray:
    """Latent calibration-year log sales: a few giants, a second tier, a long tail."""
    n_top, n_second = targets.firms_sales_over_100, targets.firms_sales_50_100
    n_rest = targets.firms - n_top - n_second
    top = rng.uniform(float(np.log(TOP_TIER_RANGE[0])), float(np.log(TOP_TIER_RANGE[1])), n_top)
    second = rng.uniform(float(np.log(SECOND_TIER_RANGE[0])),
                         float(np.log(SECOND_TIER_RANGE[1])), n_second)
    rest = np.minimum(rng.normal(np.log(SMALL_FIRM_MEDIAN), SMALL_FIRM_SPREAD, n_rest),
                      np.log(SMALL_FIRM_CAP))
    return rng.permutation(np.concatenate([top, second, rest]))


def _adoption_years(rng: np.random.Generator, z: np.ndarray, base: int) -> np.ndarray:
    """First subsidy year per firm (``inf`` = never): bigger firms more likely and earlier."""
    ever = rng.random(z.size) < expit(ADOPTION_INTERCEPT + ADOPTION_SIZE_SLOPE * z)
    order = -COHORT_SIZE_SLOPE * z + rng.normal(size=z.size)
    cohort = np.digitize(order, np.quantile(order, [1 / 3, 2 / 3]))
    years = base + np.asarray(ADOPTION_OFFSETS, dtype=float)
    return np.where(ever, years[cohort], np.inf)


def _rank_clip(values: np.ndarray, bands: list[tuple[int, float, float]]) -> np.ndarray:
    """Clip values so the k-th largest falls in its band: ``bands = [(count, low, high), ...]``
    from the top down."""
    order = np.argsort(-values, kind="stable")
    low, high = np.empty_like(values), np.empty_like(values)
    start = 0
    for count, band_low, band_high in bands:
        idx = order[start:start + count]
        low[idx], high[idx] = band_low, band_high
        start += count
    return np.clip(values, low, high)


def _calibrated_levels(log_level: np.ndarray, targets: CalibrationTargets) -> np.ndarray:
    """Calibration-year sales with the published tier counts and total (亿元)."""
    rest = targets.firms - targets.firms_sales_over_100 - targets.firms_sales_50_100
    bands = [(targets.firms_sales_over_100, 100 + TIER_MARGIN, np.inf),
             (targets.firms_sales_50_100, 50 + TIER_MARGIN, 100 - TIER_MARGIN),
             (rest, 0.0, 50 - TIER_MARGIN)]

    def levels(shift: float) -> np.ndarray:
        return _rank_clip(np.exp(log_level + shift), bands)

    shift = brentq(lambda c: levels(c).sum() - targets.sales_total, -10.0, 10.0, xtol=1e-14)
    return levels(shift)


def _calibrated_log_growth(log_growth: np.ndarray, sales_now: np.ndarray,
                           targets: CalibrationTargets) -> np.ndarray:
    """Log growth into the calibration year with the published counts and aggregate."""
    over_50 = targets.firms_growth_over_50pct
    over_20 = targets.firms_growth_over_20pct - over_50
    rest = targets.firms - over_50 - over_20
    bands = [(over_50, np.log(1.5 + GROWTH_MARGIN), np.inf),
             (over_20, np.log(1.2 + GROWTH_MARGIN), np.log(1.5 - GROWTH_MARGIN)),
             (rest, -np.inf, np.log(1.2 - GROWTH_MARGIN))]
    aggregate = 1 + targets.sales_growth / 100

    def growth(shift: float) -> np.ndarray:
        return _rank_clip(log_growth + shift, bands)

    def gap(shift: float) -> float:
        return sales_now.sum() / (sales_now * np.exp(-growth(shift))).sum() - aggregate

    return growth(brentq(gap, -5.0, 5.0, xtol=1e-14))


def _tax_relief(rng: np.random.Generator, sales: np.ndarray, treated: np.ndarray, i12: int,
                targets: CalibrationTargets) -> np.ndarray:
    """Tax relief: each year up to ``tax_relief_firms`` subsidised firms (drawn in proportion to
    sales) share an amount scaled to sales; the calibration year sums to
    :data:`TAX_RELIEF_TOTAL`."""
    relief = np.zeros_like(sales)
    for t in range(sales.shape[1]):
        eligible = np.flatnonzero(treated[:, t])
        if eligible.size == 0:
            continue
        weights = sales[eligible, t] / sales[eligible, t].sum()
        chosen = rng.choice(eligible, size=min(targets.tax_relief_firms, eligible.size),
                            replace=False, p=weights)
        relief[chosen, t] = sales[chosen, t]
    scale = TAX_RELIEF_TOTAL / relief[:, i12].sum()
    return relief * scale


def write_synthetic_panel(path: str | Path | None = None, *, seed: int = SEED) -> Path:
    """Write the committed SYNTHETIC panel (amounts rounded to 1万元 = 0.0001亿元)."""
    panel = simulate_panel(seed=seed)
    amounts = ["sales", "investment", "loans", "subsidy", "tax_relief"]
    panel[amounts] = panel[amounts].round(4)
    panel["synthetic"] = panel["synthetic"].map({True: "true", False: "false"})
    path = Path(path) if path else synthetic_panel_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    panel.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


@dataclass(frozen=True)
class SyntheticChoice:
    """The SYNTHETIC panel an edition uses and why.

    ``year`` is the year it is calibrated to: the edition's base year when the documents state
    every calibration target for it (``availability``), else the committed panel's year.
    """

    panel: pd.DataFrame
    year: int
    availability: Availability
    targets: CalibrationTargets

    @property
    def base_year_used(self) -> bool:
        """Whether the panel is calibrated to the edition's base year."""
        return self.year == self.availability.year


def synthetic_panel_for(base_year: int, *, pins: Mapping[str, str] | None = None,
                        facts: pd.DataFrame | None = None) -> SyntheticChoice:
    """The SYNTHETIC panel calibrated to ``base_year``'s published aggregates.

    The committed panel when ``base_year`` is its calibration year and nothing is pinned; a
    panel simulated with the committed panel's seed and the base year's targets (resolved with
    ``pins``) when the documents state them all; otherwise the committed panel, and the
    availability names the targets missing for ``base_year``.
    """
    facts = default_facts() if facts is None else facts
    found = calibration_availability(facts, year=base_year, pins=pins)
    committed = calibration_year(facts)
    if not found.complete or (base_year == committed and not pins):
        return SyntheticChoice(load_panel(None), committed, found,
                               calibration_targets(facts, year=committed))
    targets = calibration_targets(facts, year=base_year, pins=pins)
    panel = simulate_panel(targets=targets)
    panel["synthetic"] = panel["synthetic"].map({True: "true", False: "false"})
    typed = validate_panel(panel.astype(str), file=f"SYNTHETIC panel for {base_year}")
    return SyntheticChoice(add_derived_columns(typed), int(base_year), found, targets)
