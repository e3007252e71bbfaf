"""SYNTHETIC staggered-adoption panels under three designs, for the recovery study.

Each design plants a known effect of list entry on log sales and says whether parallel trends
hold. Firm sizes follow the published sales tiers and the calibration year's totals match the
published sales and growth (figures asked for by meaning through the resolution function; no
year or fact id is written here: the calibration year is the latest year with an actual firm
count). Every panel is labelled ``synthetic``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from evaluation.errors import DataError, problem
from evaluation.panel.calibration import CalibrationTargets, calibration_targets
from evaluation.panel.synthetic import (
    ADOPTION_INTERCEPT,
    ADOPTION_SIZE_SLOPE,
    COHORT_SIZE_SLOPE,
    COMMON_GROWTH,
    NOISE_SD,
    firm_sizes,
)

YEARS_BEFORE, YEARS_AFTER = 4, 3  # panel spans calibration year - 4 .. + 3
COHORT_OFFSETS = (-2, -1, 0, 1)  # list-entry cohorts relative to the calibration year
AR_COEFFICIENT = 0.5  # persistence of firm-year shocks (transitory: they mean-revert)
YEAR_SHOCK_SD = 0.03  # common year shocks in log sales
CONSTANT_EFFECT = 0.10  # log points
DYNAMIC_IMPACT, DYNAMIC_SLOPE = 0.04, 0.03  # effect at entry and its growth per year on the list
DYNAMIC_COHORT_SCALE = (1.5, 0.75)  # earliest cohort's effect x1.5, latest x0.75 (linear)
SELECTION_ON_SHOCK = 1.5  # logit slope of list entry on the standardised shock the year before
SYNTHETIC_LABEL = "SYNTHETIC"


@dataclass(frozen=True)
class Design:
    """A data-generating design: how firms enter the list and what entry does."""

    name: str
    description: str
    parallel_trends: bool  # True: the robust estimators' assumptions hold

    def effect(self, cohort_rank: np.ndarray, event_time: np.ndarray, n_cohorts: int
               ) -> np.ndarray:
        """True effect on log sales at ``event_time >= 0`` for cohorts ranked 0 (earliest)."""
        if self.name != "dynamic":
            return np.full(event_time.shape, CONSTANT_EFFECT)
        low, high = DYNAMIC_COHORT_SCALE[1], DYNAMIC_COHORT_SCALE[0]
        scale = high + (low - high) * cohort_rank / max(n_cohorts - 1, 1)
        return scale * (DYNAMIC_IMPACT + DYNAMIC_SLOPE * event_time)


DESIGNS = {
    "constant": Design("constant", "constant effect; entry favours bigger firms (size is fixed, "
                       "so parallel trends hold)", True),
    "dynamic": Design("dynamic", "effects grow with years on the list and differ by cohort "
                      "(earlier cohorts gain more); parallel trends hold", True),
    "selection_on_shock": Design(
        "selection_on_shock", "the plan lists firms whose sales did well the year before "
        "(a transitory shock that then fades): parallel trends fail", False),
}


def simulate_design(design: str, *, seed: int | np.random.SeedSequence,
                    targets: CalibrationTargets | None = None,
                    firms_scale: int = 1) -> pd.DataFrame:
    """One SYNTHETIC panel under ``design`` (a key of :data:`DESIGNS`).

    Returns
    -------
    pandas.DataFrame
        ``firm_id, year, sales, log_sales, listed`` (0/1, absorbing), ``list_year``
        (NaN: never), ``effect`` (the true effect on log sales), ``synthetic`` (True).

    Notes
    -----
    ``ln s_it = a_i + g t + l_t + e_it + tau_it D_it`` with ``e_it = rho e_{i,t-1} + u_it``
    (stationary sd ``NOISE_SD``). Constant and dynamic designs choose entrants and their
    cohort by size ``a_i`` only; the selection design lists, each cohort year, not-yet-listed
    firms with probability rising in last year's shock ``e_{i,g-1}``. Each year's level is
    then shifted so the calibration year's total and growth equal the published ones (year
    shifts are absorbed by year effects).
    """
    if design not in DESIGNS:
        raise DataError(problems=[problem("designs", "design", repr(design),
                                          "one of " + ", ".join(DESIGNS))])
    spec = DESIGNS[design]
    tg = calibration_targets() if targets is None else targets
    base = tg.year
    rng = np.random.default_rng(seed)
    size = np.concatenate([firm_sizes(rng, tg) for _ in range(firms_scale)])
    n = size.size
    years = np.arange(base - YEARS_BEFORE, base + YEARS_AFTER + 1)
    cohorts = base + np.asarray(COHORT_OFFSETS)
    innovation_sd = NOISE_SD * np.sqrt(1 - AR_COEFFICIENT**2)
    shocks = np.empty((n, years.size))
    shocks[:, 0] = rng.normal(0.0, NOISE_SD, n)
    for j in range(1, years.size):
        shocks[:, j] = AR_COEFFICIENT * shocks[:, j - 1] + rng.normal(0.0, innovation_sd, n)
    z = (size - size.mean()) / size.std()
    ever = rng.random(n) < expit(ADOPTION_INTERCEPT + ADOPTION_SIZE_SLOPE * z)
    list_year = np.full(n, np.inf)
    if spec.name == "selection_on_shock":
        share = ever.mean() / cohorts.size
        for g in cohorts:
            j = int(np.flatnonzero(years == g - 1)[0])
            free = ~np.isfinite(list_year)
            score = shocks[:, j] / NOISE_SD
            logit = np.log(share / (1 - share)) + SELECTION_ON_SHOCK * score + 0.5 * z
            pick = free & (rng.random(n) < expit(logit))
            list_year[pick] = g
    else:
        order = -COHORT_SIZE_SLOPE * z + rng.normal(size=n)
        rank = np.digitize(order, np.quantile(order, np.linspace(0, 1, cohorts.size + 1)[1:-1]))
        list_year = np.where(ever, cohorts[rank].astype(float), np.inf)
    event = years[None, :] - list_year[:, None]
    treated = event >= 0
    rank_of = np.searchsorted(cohorts, np.where(np.isfinite(list_year), list_year, cohorts[0]))
    effect = np.where(treated, spec.effect(np.broadcast_to(rank_of[:, None], event.shape),
                                           np.where(treated, event, 0), cohorts.size), 0.0)
    year_effect = COMMON_GROWTH * (years - base) + rng.normal(0.0, YEAR_SHOCK_SD, years.size)
    log_sales = size[:, None] + year_effect[None, :] + shocks + effect
    log_sales = _calibrate_years(log_sales, years, base, tg, firms_scale)
    firm_ids = np.array([f"SYN{k + 1:05d}" for k in range(n)])
    return pd.DataFrame({
        "firm_id": np.repeat(firm_ids, years.size), "year": np.tile(years, n),
        "sales": np.exp(log_sales).ravel(), "log_sales": log_sales.ravel(),
        "listed": treated.astype(int).ravel(),
        "list_year": np.repeat(np.where(np.isfinite(list_year), list_year, np.nan), years.size),
        "effect": effect.ravel(), "synthetic": True})


def _calibrate_years(log_sales: np.ndarray, years: np.ndarray, base: int,
                     targets: CalibrationTargets, firms_scale: int) -> np.ndarray:
    """Shift every year so the calibration year's total sales and growth are the published ones
    (per copy of the firm population when ``firms_scale > 1``); other years keep their trend."""
    out = log_sales.copy()
    j = int(np.flatnonzero(years == base)[0])
    total = targets.sales_total * firms_scale
    shift = np.log(total / np.exp(out[:, j]).sum())
    out += shift
    previous = total / (1 + targets.sales_growth / 100)
    gap = np.log(previous / np.exp(out[:, j - 1]).sum())
    out[:, : j] += gap
    return out
