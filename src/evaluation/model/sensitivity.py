"""Sensitivity of the headline: Sobol indices (SALib), break-even values, a median-centred tornado.

Variance-based global sensitivity (Saltelli sampling, first- and total-order indices with
bootstrap confidence intervals) is the main analysis; break-even values say how much
additionality an instrument needs to be worth its cost; the one-at-a-time tornado is kept as a
secondary view, centred on the Monte Carlo median of the headline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample
from scipy import optimize

from evaluation.model.effects import INSTRUMENTS, base_flows, headline, total, year_effects
from evaluation.model.flows import Documented
from evaluation.model.parameters import ModelInputs, default_inputs

Evaluate = Callable[[Mapping[str, Any]], dict[str, Any]]
SOBOL_N = 4096
CONF_LEVEL = 0.95
RESAMPLES = 100
OUTER = (0.05, 0.95)


def headline_function(documented: Documented) -> Evaluate:
    """The headline as a function of parameter arrays, document figures at their midpoints."""
    def evaluate(p: Mapping[str, Any]) -> dict[str, Any]:
        doc = documented.midpoints(p["tax_relief_excess"])
        return headline(p, doc)
    return evaluate


def influential(inputs: ModelInputs, evaluate: Evaluate, outputs: Sequence[str]) -> list[str]:
    """Parameters that move at least one output between their 5th and 95th percentiles."""
    central = {k: np.array([v]) for k, v in inputs.central().items()}
    base = evaluate(central)
    names = []
    for name, param in inputs.parameters.items():
        for q in OUTER:
            moved = evaluate({**central, name: np.array([float(param.distribution.ppf(q))])})
            if any(not np.allclose(moved[o], base[o]) for o in outputs):
                names.append(name)
                break
    return names


@dataclass(frozen=True, kw_only=True)
class SobolResults:
    """First- and total-order Sobol indices with confidence half-widths, per output."""

    n: int
    evaluations: int
    conf_level: float
    table: pd.DataFrame
    """``output, parameter, S1, S1_conf, ST, ST_conf`` (``*_conf`` = CI half-width)."""

    def ranking(self, output: str, top: int | None = None) -> pd.DataFrame:
        """Parameters of one output ranked by total-order index."""
        t = self.table[self.table["output"] == output].sort_values("ST", ascending=False)
        return t.head(top) if top else t

    def max_half_width(self) -> float:
        """Largest confidence half-width over every index."""
        return float(self.table[["S1_conf", "ST_conf"]].max().max())


def sobol_indices(function: Callable[[np.ndarray], dict[str, np.ndarray]], names: Sequence[str],
                  outputs: Sequence[str], *, n: int = SOBOL_N, seed: int = 0,
                  conf_level: float = CONF_LEVEL, resamples: int = RESAMPLES) -> SobolResults:
    """Sobol indices of ``function`` on the unit hypercube (one column per name).

    Notes
    -----
    Saltelli sampling of ``n (D + 2)`` points (``SALib.sample.sobol``, scrambled Sobol'
    sequence), first-order ``S_i = V[E(Y|X_i)] / V(Y)`` and total-order
    ``S_Ti = E[V(Y|X_~i)] / V(Y)`` with the Saltelli (2010) and Jansen estimators
    (``SALib.analyze.sobol``); ``*_conf`` is the bootstrap half-width at ``conf_level``.
    """
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    y = function(x)
    rows = []
    for out in outputs:
        si = sobol_analyze.analyze(problem, np.asarray(y[out], dtype=float),
                                   calc_second_order=False, conf_level=conf_level,
                                   num_resamples=resamples, seed=seed)
        rows += [{"output": out, "parameter": name, "S1": float(si["S1"][i]),
                  "S1_conf": float(si["S1_conf"][i]), "ST": float(si["ST"][i]),
                  "ST_conf": float(si["ST_conf"][i])} for i, name in enumerate(names)]
    return SobolResults(n=n, evaluations=len(x), conf_level=conf_level, table=pd.DataFrame(rows))


def headline_sobol(outputs: Sequence[str], *, base_year: int, target_years: Sequence[int],
                   n: int = SOBOL_N, seed: int = 0, inputs: ModelInputs | None = None,
                   documented: Documented | None = None) -> SobolResults:
    """Sobol indices of the headline outputs over every influential parameter.

    Notes
    -----
    Each unit-cube column is mapped to its parameter by the parameter's quantile function;
    document figures sit at their midpoints (their written-precision intervals are narrow).
    """
    inputs = inputs or default_inputs()
    documented = documented or Documented.from_facts(base_year=base_year,
                                                     target_years=tuple(target_years))
    evaluate = headline_function(documented)
    names = influential(inputs, evaluate, outputs)
    central = inputs.central()

    def function(x: np.ndarray) -> dict[str, np.ndarray]:
        p = {k: np.full(len(x), v) for k, v in central.items()}
        for j, name in enumerate(names):
            p[name] = inputs.parameters[name].distribution.fast_ppf(x[:, j])
        return evaluate(p)

    return sobol_indices(function, names, outputs, n=n, seed=seed)


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on ``[-π, π]³``: ``sin x1 + a sin² x2 + b x3⁴ sin x1``."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def break_even(inputs: ModelInputs, documented: Documented) -> pd.DataFrame:
    """Per instrument, at central values: what 10 points of additionality are worth and the
    additionality at which the instrument returns one yuan of province-wide additional
    investment per yuan of cost to all government.

    Notes
    -----
    ``per_10_points`` and ``share_points_per_10`` are ``A(d - 0.05) - A(d + 0.05)`` of project-
    level additional investment (亿元) and of its share of investment (points); the break-even
    additionality ``a*`` solves ``N(1 - a*) / C(1 - a*) = 1`` by Brent's method (``NaN`` when the
    instrument has no cost or cannot reach one yuan per yuan even with full additionality);
    ``max_per_yuan`` is the ratio at full additionality.
    """
    from evaluation.model.effects import DEADWEIGHT

    central = {k: np.array([v]) for k, v in inputs.central().items()}
    doc = documented.midpoints(central["tax_relief_excess"])

    def at(name: str, deadweight: float) -> dict[str, Any]:
        p = {**central, DEADWEIGHT[name]: np.array([deadweight])}
        return year_effects(base_flows(doc, p), p, doc["investment"])

    rows = []
    for name in INSTRUMENTS:
        if name not in DEADWEIGHT:
            continue
        d = float(central[DEADWEIGHT[name]][0])
        e = at(name, d)
        if not np.any(e["gross"][name]):
            continue
        lo, hi = at(name, min(d + 0.05, 1.0)), at(name, max(d - 0.05, 0.0))
        step = (_scalar(total(hi["project"])) - _scalar(total(lo["project"]))
                ) * 0.1 / (min(d + 0.05, 1.0) - max(d - 0.05, 0.0))

        def ratio(a: float, name: str = name) -> float:
            x = at(name, 1 - a)
            cost = _scalar(x["cost_government"][name])
            return _scalar(x["province"][name]) / cost - 1 if cost > 0 else np.nan

        ends = (ratio(1e-6), ratio(1.0))
        best = ends[1] + 1
        star = (optimize.brentq(ratio, 1e-6, 1.0) if np.all(np.isfinite(ends))
                and ends[0] < 0 < ends[1] else (0.0 if ends[0] >= 0 else np.nan))
        rows.append({"instrument": name, "additionality": 1 - d, "per_10_points": step,
                     "share_points_per_10": 100 * step / _scalar(doc["investment"]),
                     "max_per_yuan": best, "break_even_additionality": star})
    return pd.DataFrame(rows)


def _scalar(x: object) -> float:
    return float(np.ravel(np.asarray(x, dtype=float))[0])


@dataclass(frozen=True, kw_only=True)
class Sensitivity:
    """One-at-a-time swings of a headline quantity, centred on its Monte Carlo median."""

    quantity: str
    central: float
    table: pd.DataFrame
    """Per parameter: value at its p5 and p95, the quantity at each, and the swing."""


def tornado(quantity: str, median: float, *, inputs: ModelInputs | None = None,
            documented: Documented) -> Sensitivity:
    """Swing each parameter from its 5th to its 95th percentile, others at central values.

    Notes
    -----
    Bars are centred on the Monte Carlo median ``m`` of the quantity: ``at_p5 = m + f(p5) -
    f(c)`` and ``at_p95 = m + f(p95) - f(c)`` with ``f(c)`` the quantity at central values;
    the swing is ``|f(p95) - f(p5)|``, rows sorted by it.
    """
    inputs = inputs or default_inputs()
    evaluate = headline_function(documented)
    central = {k: np.array([v]) for k, v in inputs.central().items()}
    mid = float(evaluate(central)[quantity][0])
    rows = []
    for name, param in inputs.parameters.items():
        low, high = (float(param.distribution.ppf(q)) for q in OUTER)
        f_low = float(evaluate({**central, name: np.array([low])})[quantity][0])
        f_high = float(evaluate({**central, name: np.array([high])})[quantity][0])
        if f_low != mid or f_high != mid:
            rows.append({"parameter": name, "p5_value": low, "p95_value": high,
                         "at_p5": median + f_low - mid, "at_p95": median + f_high - mid,
                         "swing": abs(f_high - f_low)})
    table = pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)
    return Sensitivity(quantity=quantity, central=median, table=table)
