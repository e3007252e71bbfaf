"""Firm tiers: calibrate firm sizes and growth to the documents, simulate firms forward.

A plan reports, for the 100 双百 firms in its base year, total sales, the counts of firms above
100亿 and at 50-100亿, the counts growing more than 20% and 50%, and aggregate growth (edition
2013: 1571.6亿, 3, 7, 40, 21, +25.6%). Sizes and growth rates are lognormal, fitted by
grouped-data maximum likelihood (statsmodels); the tiers the documents do not give (10-50亿,
1-10亿 in the base year) are drawn, not invented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from statsmodels.base.model import GenericLikelihoodModel

from evaluation.data.facts import default_facts
from evaluation.data.resolve import resolve

TIERS = ("over_100", "50_100", "10_50", "1_10")
TIER_EDGES = {"over_100": (100.0, np.inf), "50_100": (50.0, 100.0), "10_50": (10.0, 50.0),
              "1_10": (1.0, 10.0)}
_EDGES = sorted({edge for bounds in TIER_EDGES.values() for edge in bounds if np.isfinite(edge)})
CALIBRATION_DRAWS = 4000
CHUNK = 10_000


@dataclass(frozen=True)
class TierFacts:
    """The documented figures the firm side is calibrated to, and the tier targets."""

    firms: int
    total_sales: float
    over_100: int
    between_50_100: int
    growth_over_20: int
    growth_over_50: int
    aggregate_growth: float
    targets: dict[int, dict[str, int]]
    base_year: int

    @property
    def years(self) -> tuple[int, ...]:
        """The base year and every year to the last target year."""
        return tuple(range(self.base_year, max(self.targets) + 1))


# Base-year figures the firm side is calibrated to: field of :class:`TierFacts` -> indicator.
CALIBRATION_INDICATORS = {
    "firms": "firms", "total_sales": "sales_revenue", "over_100": "firms_sales_over_100",
    "between_50_100": "firms_sales_50_100", "growth_over_20": "firms_growth_over_20pct",
    "growth_over_50": "firms_growth_over_50pct", "aggregate_growth": "sales_growth"}


def tier_indicator(tier: str) -> str:
    """The indicator counting the firms of ``tier`` (``firms_sales_over_100``)."""
    return f"firms_sales_{tier}"


def tier_facts(facts: pd.DataFrame | None = None, *, base_year: int,
               target_years: Sequence[int], pins: Mapping[str, str] | None = None) -> TierFacts:
    """Read the calibration figures and tier targets by meaning (indicator, year, kind)."""
    facts = default_facts() if facts is None else facts

    def value(indicator: str, year: int = base_year, kind: str = "actual",
              role: str | None = None) -> float:
        return float(resolve(facts, indicator=indicator, year=year, kind=kind, pins=pins,
                             role=role)["value"])

    targets = {int(year): {tier: int(value(tier_indicator(tier), int(year), "target",
                                           f"{tier_indicator(tier)}_{int(year)}"))
                           for tier in TIERS} for year in target_years}
    got = {field: value(indicator, role=field)
           for field, indicator in CALIBRATION_INDICATORS.items()}
    return TierFacts(
        firms=int(got["firms"]),
        total_sales=got["total_sales"],
        over_100=int(got["over_100"]),
        between_50_100=int(got["between_50_100"]),
        growth_over_20=int(got["growth_over_20"]),
        growth_over_50=int(got["growth_over_50"]),
        aggregate_growth=got["aggregate_growth"] / 100,
        targets=targets,
        base_year=int(base_year),
    )


class GroupedLognormal(GenericLikelihoodModel):
    """Lognormal fitted to counts in bins, optionally with the bins' total of the variable.

    Notes
    -----
    ``loglike(mu, log sigma) = Σ_k n_k ln[Φ((ln b_k - mu)/sigma) - Φ((ln a_k - mu)/sigma)]``
    plus, when a total ``T`` of ``N`` units is given, the normal log density of ``T`` with mean
    ``N exp(mu + sigma²/2)`` and variance ``N (exp(sigma²) - 1) exp(2 mu + sigma²)``.
    """

    def __init__(self, counts: np.ndarray, edges: np.ndarray, *, total: float | None = None,
                 **kwargs: Any) -> None:
        super().__init__(np.asarray(counts, dtype=float), None,
                         extra_params_names=["mu", "log_sigma"], **kwargs)
        self.edges = np.asarray(edges, dtype=float)
        self.total = total

    def loglike(self, params: np.ndarray) -> float:
        mu, sigma = params[0], np.exp(params[1])
        with np.errstate(divide="ignore"):
            cdf = special.ndtr((np.log(self.edges) - mu) / sigma)
        probs = np.clip(np.diff(cdf), 1e-300, None)
        ll = float(np.sum(self.endog * np.log(probs)))
        if self.total is not None:
            n = self.endog.sum()
            mean = n * np.exp(mu + sigma ** 2 / 2)
            var = n * np.expm1(sigma ** 2) * np.exp(2 * mu + sigma ** 2)
            ll += -0.5 * (self.total - mean) ** 2 / var - 0.5 * np.log(2 * np.pi * var)
        return ll

    def nloglikeobs(self, params: np.ndarray) -> np.ndarray:
        return -np.full(1, self.loglike(params))


def _fit(model: GroupedLognormal, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    result = model.fit(start_params=start, method="nm", maxiter=4000, disp=0)
    result = model.fit(start_params=result.params, method="bfgs", maxiter=200, disp=0)
    return np.asarray(result.params), np.asarray(result.cov_params())


@dataclass(frozen=True)
class Calibration:
    """Fitted firm-size and growth distributions.

    Attributes
    ----------
    size_params, size_cov
        ``(mu, ln sigma)`` of log sales (亿元) and their covariance.
    growth_params, growth_cov
        ``(mu, ln sigma)`` of ``ln(1 + growth)`` and their covariance.
    size_growth_corr
        Correlation of a firm's log growth with its standardised log size that reproduces the
        aggregate growth.
    facts
        The documented figures calibrated to.
    """

    size_params: np.ndarray
    size_cov: np.ndarray
    growth_params: np.ndarray
    growth_cov: np.ndarray
    size_growth_corr: float
    facts: TierFacts

    @property
    def table(self) -> pd.DataFrame:
        """Documented figure vs fitted model (expected counts; calibration draws' means)."""
        f = self.facts
        mu, sigma = self.size_params[0], np.exp(self.size_params[1])
        gmu, gsigma = self.growth_params[0], np.exp(self.growth_params[1])

        def share_above(x: float, m: float, s: float) -> float:
            return float(special.ndtr((m - np.log(x)) / s))

        sim = simulate_base_year(self, draws=CALIBRATION_DRAWS, rng=np.random.default_rng(0))
        rows = [
            ("firms with sales > 100亿", f.over_100, f.firms * share_above(100, mu, sigma),
             sim["over_100"].mean()),
            ("firms with sales 50-100亿", f.between_50_100,
             f.firms * (share_above(50, mu, sigma) - share_above(100, mu, sigma)),
             sim["50_100"].mean()),
            ("total sales (亿元)", f.total_sales, f.firms * np.exp(mu + sigma ** 2 / 2),
             sim["total"].mean()),
            ("firms growing > 20%", f.growth_over_20, f.firms * share_above(1.2, gmu, gsigma),
             sim["growth_over_20"].mean()),
            ("firms growing > 50%", f.growth_over_50, f.firms * share_above(1.5, gmu, gsigma),
             sim["growth_over_50"].mean()),
            ("aggregate growth (%)", 100 * f.aggregate_growth, np.nan,
             100 * sim["aggregate_growth"].mean()),
        ]
        return pd.DataFrame(rows, columns=["quantity", "documented", "fitted_distribution",
                                           "simulated_mean"])


def calibrate(facts: TierFacts) -> Calibration:
    """Fit sizes and growth by grouped maximum likelihood; match aggregate growth.

    Notes
    -----
    Sizes: bins ``(0, 50], (50, 100], (100, ∞)`` with counts ``(N - n50 - n100, n50, n100)`` plus
    the total. Growth: ``ln(1+g)`` in bins split at ``ln 1.2`` and ``ln 1.5`` with counts
    ``(N - n20, n20 - n50, n50)``. The size-growth correlation ``ρ`` solves
    ``E[Σ s_i / Σ (s_i / (1 + g_i))] - 1 = G`` (aggregate growth) by root finding on common
    random numbers.
    """
    f = facts
    size_model = GroupedLognormal(
        np.array([f.firms - f.between_50_100 - f.over_100, f.between_50_100, f.over_100]),
        np.array([0.0, 50.0, 100.0, np.inf]), total=f.total_sales)
    size_params, size_cov = _fit(size_model, np.array([np.log(f.total_sales / f.firms), 0.0]))
    growth_model = GroupedLognormal(
        np.array([f.firms - f.growth_over_20, f.growth_over_20 - f.growth_over_50,
                  f.growth_over_50]), np.array([0.0, 1.2, 1.5, np.inf]))
    growth_params, growth_cov = _fit(growth_model, np.array([0.1, np.log(0.3)]))
    draft = Calibration(size_params, size_cov, growth_params, growth_cov, 0.0, f)

    sizes, log_growth = _draw_base_year(draft, draws=CALIBRATION_DRAWS,
                                        rng=np.random.default_rng(1))

    def gap(rho: float) -> float:  # the same draws for every rho: common random numbers
        growth = np.expm1(log_growth(rho))
        return float(_aggregate_growth(sizes, growth).mean() - f.aggregate_growth)

    rho = optimize.brentq(gap, -0.95, 0.95, xtol=1e-4)
    return Calibration(size_params, size_cov, growth_params, growth_cov, float(rho), f)


def _truncated_lognormal(rng: np.random.Generator, mu: np.ndarray, sigma: np.ndarray,
                         low: float, high: float, shape: tuple[int, int]) -> np.ndarray:
    """Lognormal draws truncated to ``[low, high]``; ``mu``, ``sigma`` per row."""
    with np.errstate(divide="ignore"):
        a = special.ndtr((np.log(low) - mu) / sigma)[:, None]
        b = special.ndtr((np.log(high) - mu) / sigma)[:, None]
    u = a + rng.random(shape) * (b - a)
    return np.exp(mu[:, None] + sigma[:, None] * special.ndtri(np.clip(u, 1e-16, 1 - 1e-16)))


def draw_sizes(calibration: Calibration, *, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Base-year firm sales (亿元), ``(draws, firms)``, with the documented tier counts and total.

    Notes
    -----
    Per draw, ``(mu, ln sigma)`` come from the fit's asymptotic normal; the ``n100`` largest
    firms are lognormal truncated to ``> 100``, the next ``n50`` to ``[50, 100]`` and the rest to
    ``< 50``; the rest are rescaled so the total is exact; draws whose rescaled firms leave
    ``(0, 50)`` or whose scale factor is outside ``[0.5, 2]`` are redrawn.
    """
    f = calibration.facts
    n_small = f.firms - f.over_100 - f.between_50_100
    out = np.empty((0, f.firms))
    while len(out) < draws:
        batch = int(1.3 * (draws - len(out))) + 16
        params = rng.multivariate_normal(calibration.size_params, calibration.size_cov, batch)
        mu, sigma = params[:, 0], np.exp(params[:, 1])
        top = _truncated_lognormal(rng, mu, sigma, 100.0, np.inf, (batch, f.over_100))
        mid = _truncated_lognormal(rng, mu, sigma, 50.0, 100.0, (batch, f.between_50_100))
        small = _truncated_lognormal(rng, mu, sigma, 1e-3, 50.0, (batch, n_small))
        rest = f.total_sales - top.sum(1) - mid.sum(1)
        scale = rest / small.sum(1)
        small = small * scale[:, None]
        ok = (scale >= 0.5) & (scale <= 2.0) & (small.max(1) < 50.0)
        out = np.vstack([out, np.hstack([top, mid, small])[ok]])
    return out[:draws]


def _standardised(log_size: np.ndarray) -> np.ndarray:
    """Log size standardised within each draw (row)."""
    return (log_size - log_size.mean(1, keepdims=True)) / log_size.std(1, keepdims=True)


def _correlated(z: np.ndarray, noise: np.ndarray, corr: np.ndarray | float) -> np.ndarray:
    """Standard normal shocks with correlation ``corr`` (scalar or per row) to ``z``."""
    corr = np.asarray(corr, dtype=float).reshape(-1, 1) if np.ndim(corr) else corr
    return corr * z + np.sqrt(1 - np.square(corr)) * noise


def _growth_shocks(rng: np.random.Generator, log_size: np.ndarray, corr: np.ndarray | float
                   ) -> np.ndarray:
    """Standard normal shocks with correlation ``corr`` to standardised log size."""
    return _correlated(_standardised(log_size), rng.standard_normal(log_size.shape), corr)


def simulate_base_year(calibration: Calibration, *, draws: int, rng: np.random.Generator,
                  corr: float | None = None) -> pd.DataFrame:
    """Simulated base-year cross-sections: tier counts, total, growth counts, aggregate growth."""
    sizes, log_growth = _draw_base_year(calibration, draws=draws, rng=rng)
    growth = np.expm1(log_growth(calibration.size_growth_corr if corr is None else corr))
    counts = _tier_counts(sizes)
    return pd.DataFrame({
        **counts,
        "total": sizes.sum(1),
        "growth_over_20": (growth > 0.2).sum(1),
        "growth_over_50": (growth > 0.5).sum(1),
        "aggregate_growth": _aggregate_growth(sizes, growth),
    })


def _draw_base_year(calibration: Calibration, *, draws: int, rng: np.random.Generator
               ) -> tuple[np.ndarray, Callable[[float], np.ndarray]]:
    """Base-year sizes, and log growth as a function of the size-growth correlation.

    Every random number is drawn here, so the function of the correlation is deterministic
    (calibration evaluates it at several correlations on the same draws).
    """
    sizes = draw_sizes(calibration, draws=draws, rng=rng)
    gp = rng.multivariate_normal(calibration.growth_params, calibration.growth_cov, draws)
    z = _standardised(np.log(sizes))
    noise = rng.standard_normal(sizes.shape)
    return sizes, lambda rho: gp[:, :1] + np.exp(gp[:, 1:]) * _correlated(z, noise, rho)


def _aggregate_growth(sizes: np.ndarray, growth: np.ndarray) -> np.ndarray:
    """Growth of total sales per draw, from each firm's sales and growth."""
    return sizes.sum(1) / (sizes / (1 + growth)).sum(1) - 1


def _tier_counts(sizes: np.ndarray) -> dict[str, np.ndarray]:
    above = {edge: np.count_nonzero(sizes >= edge, axis=-1) for edge in _EDGES}
    return {tier: above[lo] - (above[hi] if np.isfinite(hi) else 0)
            for tier, (lo, hi) in TIER_EDGES.items()}


@dataclass(frozen=True)
class TierPaths:
    """Forward simulation of the firms for one scenario.

    Attributes
    ----------
    counts
        ``{year: {tier: (draws,) counts}}`` from the base year to the last target year.
    totals
        ``(draws, years)`` aggregate sales, base year first.
    """

    scenario: str
    counts: dict[int, dict[str, np.ndarray]]
    totals: np.ndarray

    def probabilities(self, targets: dict[int, dict[str, int]]) -> pd.DataFrame:
        """P(count in tier >= target) per target year and tier, with Monte Carlo error."""
        rows = []
        for year, tier_targets in targets.items():
            for tier, target in tier_targets.items():
                hit = self.counts[year][tier] >= target
                p = float(hit.mean())
                rows.append({"scenario": self.scenario, "target": f"firms_sales_{tier}",
                             "year": year, "target_value": target,
                             "expected": float(self.counts[year][tier].mean()),
                             "probability": p, "mc_se": float(np.sqrt(p * (1 - p) / hit.size))})
        return pd.DataFrame(rows)


def simulate_tiers(calibration: Calibration, *, sales_shifts: Mapping[str, np.ndarray],
                   long_run_growth: np.ndarray, persistence: np.ndarray, seed: int
                   ) -> dict[str, TierPaths]:
    """Simulate the 100 firms from the base year to the last target year, once per scenario.

    Parameters
    ----------
    sales_shifts
        Per scenario, the ``(draws, years - 1)`` policy sales effect after the base year,
        against the baseline mix (亿元).
    long_run_growth, persistence
        Per-draw parameters ``long_run_sales_growth`` and ``growth_persistence``.
    seed
        Seed of the firm-level randomness. The baseline firm paths are drawn once and shared by
        every scenario (common random numbers), so scenario differences come from the shifts
        alone, and the cost of a scenario is only its tier counting.

    Notes
    -----
    For year ``k = 1, 2, ...`` after the base year (``φ`` persistence, ``σ``, ``μ`` the base-year
    growth fit):
    ``μ_k = μ_lr + φ^k (μ - μ_lr)`` with ``μ_lr = ln(1 + g_lr) - σ²/2``;
    ``ln(1 + g_ik) = μ_k + σ (ρ φ^k z_ik + sqrt(1 - ρ² φ^{2k}) ε_ik)``;
    baseline sales ``B_ik = B_i,k-1 (1 + g_ik)``; scenario sales
    ``S_ik = B_ik (1 + Δ_k / Σ_i B_ik)`` so the aggregate moves by the policy effect ``Δ_k``.
    """
    draws = len(long_run_growth)
    rng = np.random.default_rng(seed)
    years = calibration.facts.years
    counts = {name: {year: {tier: np.empty(draws, dtype=int) for tier in TIERS}
                     for year in years} for name in sales_shifts}
    totals = {name: np.empty((draws, len(years))) for name in sales_shifts}
    rho = calibration.size_growth_corr
    for start in range(0, draws, CHUNK):
        sl = slice(start, min(start + CHUNK, draws))
        n = sl.stop - sl.start
        base = draw_sizes(calibration, draws=n, rng=rng)
        gp = rng.multivariate_normal(calibration.growth_params, calibration.growth_cov, n)
        mu, sigma = gp[:, :1], np.exp(gp[:, 1:])
        mu_lr = np.log1p(long_run_growth[sl])[:, None] - sigma ** 2 / 2
        phi = persistence[sl][:, None]
        for k, year in enumerate(years):
            if k:
                decay = phi ** k
                shocks = _growth_shocks(rng, np.log(base), rho * decay)
                base = base * np.exp(mu_lr + decay * (mu - mu_lr) + sigma * shocks)
            total = base.sum(1)
            for name, shift in sales_shifts.items():
                sales = base * (1 + shift[sl, k - 1] / total)[:, None] if k else base
                for tier, c in _tier_counts(sales).items():
                    counts[name][year][tier][sl] = c
                totals[name][sl, k] = sales.sum(1)
    return {name: TierPaths(name, counts[name], totals[name]) for name in sales_shifts}
