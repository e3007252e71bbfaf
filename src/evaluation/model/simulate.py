"""The financing and subsidy effects model: vectorised Monte Carlo and its results object.

Document figures come from the facts by meaning (:mod:`evaluation.model.flows`), behavioural
parameters from ``data/model/parameters.yaml``, policy mixes from ``data/model/scenarios.yaml``;
the effects themselves are in :mod:`evaluation.model.effects`. Results are an illustrative
attribution under assumed additionality, not a measured effect.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec

import numpy as np
import pandas as pd

from evaluation.model.effects import (
    FISCAL_INSTRUMENTS,
    INSTRUMENTS,
    Projection,
    base_flows,
    headline,
    project,
    total,
    year_effects,
)
from evaluation.model.flows import READING_CUT, Documented
from evaluation.model.parameters import ModelInputs, default_inputs
from evaluation.model.scenarios import Scenario, default_scenarios
from evaluation.model.tiers import Calibration, TierPaths, calibrate, simulate_tiers, tier_facts

DEFAULT_DRAWS = 100_000
DEFAULT_SEED = 20130101
QUANTILES = (0.05, 0.5, 0.95)
# Coverage of the reported p5–p95 interval (0.9), from the outer quantiles.
INTERVAL_LEVEL = QUANTILES[-1] - QUANTILES[0]
HEADLINE_OUTPUTS = ("investment_share", "province_net_investment", "sales_growth_share",
                    "net_per_fiscal_yuan")
READINGS = {"tax_relief_reading": ("tax_forgone", "deduction_base"),
            "unitemised_reading": ("typo", "unlisted_financing")}


def describe_draws(x: np.ndarray) -> dict[str, float]:
    """Mean and the :data:`QUANTILES` (``p5``, ``p50``, ``p95``) of Monte Carlo draws."""
    q = np.quantile(x, QUANTILES)
    return {"mean": float(np.mean(x)), "p5": float(q[0]), "p50": float(q[1]),
            "p95": float(q[2])}


P = ParamSpec("P")


def _kept(table: Callable[Concatenate[EffectsResults, P], pd.DataFrame]
          ) -> Callable[Concatenate[EffectsResults, P], pd.DataFrame]:
    """Compute a results table once per results object and arguments; hand out copies (so no
    caller can change what the next one gets)."""
    @functools.wraps(table)
    def kept(self: EffectsResults, *args: P.args, **kwargs: P.kwargs) -> pd.DataFrame:
        key = (table.__name__, args, tuple(sorted(kwargs.items())))
        if key not in self._tables:
            self._tables[key] = table(self, *args, **kwargs)
        return self._tables[key].copy()
    return kept


@dataclass(frozen=True, kw_only=True)
class EffectsResults:
    """Monte Carlo results of the effects model (tidy tables; plots read this object); frozen,
    built once by :func:`simulate`. Each table is computed from the draws once, when first
    asked for, and handed out as a copy."""

    draws: int
    seed: int
    scenarios: list[Scenario]
    documented: Documented
    parameters: dict[str, Any]
    headline: dict[str, Any]
    base: dict[str, Any]
    projections: dict[str, Projection]
    baseline: Projection
    tiers: dict[str, TierPaths] = field(default_factory=dict)
    calibration: Calibration | None = None
    document_draws: dict[str, Any] = field(default_factory=dict)
    """The document figures of each draw (inside their written intervals)."""
    _tables: dict[tuple[object, ...], pd.DataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def _d(self, x: object) -> dict[str, float]:
        return describe_draws(np.broadcast_to(np.asarray(x, dtype=float), (self.draws,)))

    @property
    def years(self) -> list[int]:
        """Projection years (after the base year, to the last target year)."""
        return [self.documented.base_year + t for t in range(1, self.documented.horizon + 1)]

    @_kept
    def headline_table(self) -> pd.DataFrame:
        """Base-year headline quantities with 90% intervals."""
        return pd.DataFrame([{"quantity": k, **self._d(v)} for k, v in self.headline.items()])

    @_kept
    def attribution(self) -> pd.DataFrame:
        """Base year per instrument: gross finance, additional investment at the projects and
        province-wide, with the project share of investment."""
        invest = self.documented.mid("investment")
        rows = []
        for name in [*INSTRUMENTS, "total"]:
            def pick(lvl: str, name: str = name) -> Any:
                return total(self.base[lvl]) if name == "total" else self.base[lvl][name]
            if name != "total" and not np.any(pick("gross")):
                continue
            rows.append({"instrument": name, "gross_mean": self._d(pick("gross"))["mean"],
                         **{f"net_{k}": v for k, v in self._d(pick("project")).items()},
                         **{f"province_{k}": v for k, v in self._d(pick("province")).items()},
                         **{f"share_{k}": v for k, v in self._d(pick("project") / invest)
                            .items()}})
        return pd.DataFrame(rows)

    @_kept
    def value_for_money(self, scenario: str | None = None) -> pd.DataFrame:
        """Per instrument (base year, or a scenario's first year): cost to the province and to
        all government (mean, median and 90% range: the tax relief's cost has two peaks, one per
        reading of the written figure, so its median alone misleads), province-wide additional
        investment per yuan of each and per yuan mobilised, and guarantees' contingent
        liability.

        Notes
        -----
        Ratios are quantiles of per-draw ratios; where the cost can be zero or negative in some
        draws (a guarantee whose fees exceed its losses) only the ratio of means is given; an
        instrument without cost at a level has no ratio there (credit and direct financing cost
        the provincial budget nothing that is modelled). Per yuan mobilised is over the draws in
        which the instrument mobilises anything (a guarantee adds no lending where the credit cap
        binds).
        """
        e = self.base if scenario is None else self.projections[scenario].years[0]
        rows = []
        for k in INSTRUMENTS:
            gross = np.broadcast_to(e["gross"][k], (self.draws,))
            if not np.any(gross):
                continue
            net = np.broadcast_to(e["province"][k], (self.draws,))
            row: dict[str, object] = {"scenario": scenario or "documented", "instrument": k,
                                      "fiscal": k in FISCAL_INSTRUMENTS,
                                      "gross_p50": self._d(gross)["p50"],
                                      **{f"net_{q}": v for q, v in self._d(net).items()}}
            for level in ("province", "government"):
                cost = np.broadcast_to(e[f"cost_{level}"][k], (self.draws,))
                described = self._d(cost)
                row.update({f"cost_{level}_{q}": described[q] for q in ("mean", "p5", "p50",
                                                                         "p95")})
                ratio = (self._d(net / cost) if np.all(cost > 0) else dict.fromkeys(
                    ("mean", "p5", "p50", "p95"), np.nan))
                if not np.all(cost > 0) and np.mean(cost) > 0:
                    ratio["mean"] = float(np.mean(net) / np.mean(cost))
                row.update({f"per_{level}_yuan_{q}": v for q, v in ratio.items()})
            lent = gross > 0  # a guarantee under a binding cap mobilises nothing in a draw
            row["per_yuan_mobilised_p50"] = (float(np.median(net[lent] / gross[lent]))
                                             if np.any(lent) else np.nan)
            row["contingent_p50"] = (self._d(e["contingent"])["p50"]
                                     if k == "guarantee" else 0.0)
            rows.append(row)
        return pd.DataFrame(rows)

    @_kept
    def cost_effectiveness(self) -> pd.DataFrame:
        """:meth:`value_for_money` of every scenario's first projection year."""
        return pd.concat([self.value_for_money(sc.name) for sc in self.scenarios],
                         ignore_index=True)

    @_kept
    def readings(self) -> pd.DataFrame:
        """Headline quantities under each reading of the two ambiguous figures."""
        rows = []
        for param, names in READINGS.items():
            second = self.parameters[param] >= READING_CUT
            for label, mask in ((names[0], ~second), (names[1], second)):
                for k in HEADLINE_OUTPUTS:
                    rows.append({"figure": param, "reading": label, "quantity": k,
                                 **describe_draws(self.headline[k][mask])})
        return pd.DataFrame(rows)

    @_kept
    def feasibility(self, scenario: str | None = None) -> pd.DataFrame:
        """Per scenario (or only ``scenario``) and year: 双百 loan balance, its cap and the share
        of draws at the cap."""
        if scenario is not None and scenario not in self.projections:
            raise ValueError(f"scenario {scenario!r}: expected one of {list(self.projections)}")
        rows = []
        for sc in self.scenarios:
            if scenario is not None and sc.name != scenario:
                continue
            proj = self.projections[sc.name]
            for year, bal, cap in zip(self.years, proj.balances, proj.caps, strict=True):
                rows.append({"scenario": sc.name, "year": year, **{
                    f"balance_{k}": v for k, v in self._d(bal).items()},
                    "cap_p50": self._d(cap)["p50"],
                    "at_cap": float(np.mean(np.isclose(bal, cap))),
                    "max_balance_over_cap": float(np.max(np.asarray(bal) / cap))})
        return pd.DataFrame(rows)

    @_kept
    def other_borrowers(self, scenario: str | None = None) -> pd.DataFrame:
        """What the credit assumption implies for other industrial borrowers, per scenario (or
        only ``scenario``) and year: the province's industrial loan balance ``P_t``, the 双百
        balance ``B_t`` and the rest ``P_t - B_t``, with their changes since the base year.

        Notes
        -----
        ``P_0 = B_0 / sh`` (the documented balance and its share of industrial loans) and
        ``P_t = P_0 (1 + g_P)^t``; medians over draws, changes as medians of per-draw ratios.
        """
        if scenario is not None and scenario not in self.projections:
            raise ValueError(f"scenario {scenario!r}: expected one of {list(self.projections)}")
        doc = self.document_draws
        b0 = np.asarray(doc["loan_balance"], dtype=float)
        p0 = b0 / (np.asarray(doc["loan_share_pct"], dtype=float) / 100)
        rows = [{"scenario": sc.name, "year": self.documented.base_year,
                 "province_p50": float(np.median(p0)), "action_p50": float(np.median(b0)),
                 "others_p50": float(np.median(p0 - b0)), "province_change_p50": 0.0,
                 "action_change_p50": 0.0, "others_change_p50": 0.0}
                for sc in self.scenarios if scenario in (None, sc.name)]
        for sc in self.scenarios:
            if scenario is not None and sc.name != scenario:
                continue
            proj = self.projections[sc.name]
            for year, bal, prov in zip(self.years, proj.balances, proj.province_loans,
                                       strict=True):
                bal, prov = (np.broadcast_to(np.asarray(x, dtype=float), (self.draws,))
                             for x in (bal, prov))
                rows.append({"scenario": sc.name, "year": year,
                             "province_p50": float(np.median(prov)),
                             "action_p50": float(np.median(bal)),
                             "others_p50": float(np.median(prov - bal)),
                             "province_change_p50": float(np.median(prov / p0 - 1)),
                             "action_change_p50": float(np.median(bal / b0 - 1)),
                             "others_change_p50": float(np.median((prov - bal) / (p0 - b0) - 1))})
        return pd.DataFrame(rows).sort_values(["scenario", "year"], kind="stable",
                                              ignore_index=True)

    @_kept
    def break_even_draws(self) -> pd.DataFrame:
        """Per instrument, over the draws: the additionality at which province-wide additional
        investment equals its cost to all government, and how often it is reached.

        Notes
        -----
        In each draw, additional investment is linear in additionality ``a`` (``N(a) = n a``)
        and the cost affine (``C(a) = c_0 + c_1 a``: credit's expected losses grow with the
        lending it adds), so the break-even is ``a* = c_0 / (n - c_1)`` (never reached when
        ``n ≤ c_1``). ``reached`` is the share of draws with ``a* ≤ 1``; ``worth`` the share in
        which the draw's own assumed additionality is at least ``a*``.
        """
        from evaluation.model.effects import DEADWEIGHT

        doc, rows = self.document_draws, []
        for name, deadweight in DEADWEIGHT.items():
            ends = []
            for additionality in (0.0, 1.0):
                p = {**self.parameters, deadweight: np.full(self.draws, 1 - additionality)}
                e = year_effects(base_flows(doc, p), p, doc["investment"])
                ends.append((np.broadcast_to(np.asarray(e["province"][name], dtype=float),
                                             (self.draws,)),
                             np.broadcast_to(np.asarray(e["cost_government"][name],
                                                        dtype=float), (self.draws,))))
            (_, c0), (n, c_full) = ends
            if not np.any(n) or not np.any(c_full):  # nothing added, or no cost to weigh
                continue
            slope = n - (c_full - c0)
            star = np.where(slope > 0, c0 / np.where(slope > 0, slope, 1.0), np.inf)
            assumed = 1 - np.asarray(self.parameters[deadweight], dtype=float)
            finite = star[np.isfinite(star)]
            q = np.quantile(finite, QUANTILES) if finite.size else [np.nan] * 3
            rows.append({"instrument": name, "break_even_p5": float(q[0]),
                         "break_even_p50": float(q[1]), "break_even_p95": float(q[2]),
                         "reached": float(np.mean(star <= 1)),
                         "worth": float(np.mean(assumed >= star)),
                         "max_per_yuan_p50": float(np.nanmedian(
                             n / np.where(c_full > 0, c_full, np.nan)))})
        return pd.DataFrame(rows)

    @_kept
    def investment(self) -> pd.DataFrame:
        """Projected project investment of the first and last target years per scenario.

        Notes
        -----
        ``probability`` is the share of draws with ``I_1`` at or above the target, given for the
        first year only: ``I_1`` is driven mostly by the assumed counterfactual growth
        ``N(0, 10%)``, so the probability restates that assumption more than the measures. The
        last year's baseline is near 50% by construction (the plan is taken as realised on
        average), so no probability is reported for it.
        """
        rows = []
        first, last = self.documented.target_years[0], self.documented.target_years[-1]
        for sc in self.scenarios:
            proj = self.projections[sc.name]
            for year, key, target in ((first, "investment_first", "target_first"),
                                      (last, "investment_last", "target_last")):
                x = np.asarray(getattr(proj, key))
                value = self.documented.mid(target)
                p = float(np.mean(x >= value)) if year == first else np.nan
                rows.append({"scenario": sc.name, "target": "project_investment", "year": year,
                             "target_value": value, **self._d(x), "probability": p,
                             "mc_se": float(np.sqrt(p * (1 - p) / self.draws))})
        return pd.DataFrame(rows)

    @_kept
    def probabilities(self) -> pd.DataFrame:
        """Probability of meeting each target per scenario (first-year investment, firm tiers)."""
        inv = self.investment().dropna(subset=["probability"])[
            ["scenario", "target", "year", "target_value", "probability", "mc_se"]]
        tiers = ([paths.probabilities(self.calibration.facts.targets)
                  for paths in self.tiers.values()] if self.calibration else [])
        tier_table = (pd.concat(tiers)[inv.columns] if tiers else inv.iloc[:0])
        return pd.concat([inv, tier_table], ignore_index=True)

    @_kept
    def fan(self) -> pd.DataFrame:
        """Aggregate sales quantiles per scenario and year (fan chart data)."""
        qs = (0.05, 0.25, 0.5, 0.75, 0.95)
        rows = []
        for name, paths in self.tiers.items():
            quant = np.quantile(paths.totals, qs, axis=0)
            years = self.calibration.facts.years if self.calibration else ()
            for j, year in enumerate(years):
                rows.append({"scenario": name, "year": year,
                             **{f"p{int(q * 100)}": float(quant[i, j]) for i, q in enumerate(qs)}})
        return pd.DataFrame(rows)

    @_kept
    def differences(self, quantity: str | None = None) -> pd.DataFrame:
        """Per scenario and year: expected change against the baseline (亿元), same draws; of
        investment and sales, or only ``quantity`` (``investment_vs_baseline`` or
        ``sales_vs_baseline``).

        Notes
        -----
        Common random numbers: each draw uses the same parameters in every scenario, so the
        interval describes the scenario's effect, not the spread of the levels.
        """
        quantities = {"net": "investment_vs_baseline", "policy_sales": "sales_vs_baseline"}
        if quantity is not None and quantity not in quantities.values():
            raise ValueError(f"quantity {quantity!r}: expected one of {list(quantities.values())}")
        rows = []
        for sc in self.scenarios:
            proj = self.projections[sc.name]
            for key, name in quantities.items():
                if quantity is not None and name != quantity:
                    continue
                for i, year in enumerate(self.years):
                    diff = np.asarray(getattr(proj, key)[i]) - np.asarray(
                        getattr(self.baseline, key)[i])
                    rows.append({"scenario": sc.name, "quantity": name, "year": year,
                                 **self._d(diff)})
        return pd.DataFrame(rows)

    @property
    @_kept
    def table(self) -> pd.DataFrame:
        """Every result in one long table: scenario, quantity, year, mean and 90% interval."""
        base = self.documented.base_year
        rows = [{"scenario": "documented", "quantity": k, "year": base, **self._d(v)}
                for k, v in self.headline.items()]
        for sc in self.scenarios:
            proj = self.projections[sc.name]
            for i, year in enumerate(self.years):
                for key, quantity in (("net", "net_additional_investment"),
                                      ("policy_sales", "policy_sales_effect")):
                    rows.append({"scenario": sc.name, "quantity": quantity, "year": year,
                                 **self._d(getattr(proj, key)[i])})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A few lines with the headline numbers and their 90% intervals."""
        lines = [f"Effects model: {self.draws:,} draws, seed {self.seed}"]
        for k, v in self.headline.items():
            d = self._d(v)
            lines.append(f"  {k}: {d['p50']:.3g} ({INTERVAL_LEVEL:.0%} interval {d['p5']:.3g} to "
                         f"{d['p95']:.3g})")
        return "\n".join(lines)


def simulate(scenarios: Sequence[str] | None = None, *, base_year: int,
             target_years: Sequence[int], draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED,
             inputs: ModelInputs | None = None,
             scenario_table: Mapping[str, Scenario] | None = None,
             documented: Documented | None = None, with_tiers: bool = True,
             tier_draws: int | None = None,
             pins: Mapping[str, str] | None = None) -> EffectsResults:
    """Run the Monte Carlo.

    Parameters
    ----------
    scenarios
        Scenario names (default: all in ``scenarios.yaml``).
    base_year, target_years
        The edition's base year (documented outcomes) and target years.
    draws, seed
        Number of draws and the seed of the ``numpy.random.Generator``. Parameter draws and
        firm-level randomness are common to all scenarios (common random numbers).
    with_tiers
        Also simulate the 100 firms (tier targets); slower.
    tier_draws
        Draws used for the firm simulation (the first ``tier_draws`` parameter draws).
    pins
        The edition's pins (role or indicator -> fact id) for the document figures.

    Raises
    ------
    DataError
        A document figure the model needs is not stated; ask
        :func:`evaluation.model.availability.model_availability` first to run only what the
        documents support.
    """
    from evaluation.model.scenarios import select_scenarios

    inputs = inputs or default_inputs()
    table = scenario_table if scenario_table is not None else default_scenarios()
    chosen = select_scenarios(list(scenarios) if scenarios else list(table), dict(table))
    documented = documented or Documented.from_facts(base_year=base_year,
                                                     target_years=tuple(target_years), pins=pins)
    rng = np.random.default_rng(seed)
    p = inputs.sample(rng, draws)
    doc = documented.draw(rng, draws, p["tax_relief_excess"])
    base = year_effects(base_flows(doc, p), p, doc["investment"])
    head = headline(p, doc, effects=base)
    horizon = documented.horizon

    def run(levers: Mapping[str, float | None]) -> Projection:
        return project(p, doc, levers, horizon=horizon,
                       base_project=head["net_additional_investment"])

    projections = {sc.name: run(sc.levers) for sc in chosen}
    base_levers = inputs.baseline_levers()
    baseline = next((projections[sc.name] for sc in chosen if sc.levers == base_levers),
                    None) or run(base_levers)
    tiers: dict[str, TierPaths] = {}
    calibration = None
    if with_tiers:
        calibration = calibrate(tier_facts(base_year=documented.base_year,
                                           target_years=documented.target_years, pins=pins))
        tier_seed = int(rng.integers(2 ** 32))
        n = draws if tier_draws is None else min(tier_draws, draws)
        shifts = {sc.name: np.column_stack([np.broadcast_to(s - b, (draws,))[:n] for s, b in
                                            zip(projections[sc.name].policy_sales,
                                                baseline.policy_sales, strict=True)])
                  for sc in chosen}
        tiers = simulate_tiers(
            calibration, sales_shifts=shifts, long_run_growth=p["long_run_sales_growth"][:n],
            persistence=p["growth_persistence"][:n], seed=tier_seed)
    return EffectsResults(draws=draws, seed=seed, scenarios=chosen, documented=documented,
                          parameters=p, headline=head, base=base, projections=projections,
                          baseline=baseline, tiers=tiers, calibration=calibration,
                          document_draws=doc)
