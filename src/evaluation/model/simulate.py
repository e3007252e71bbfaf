"""The financing and subsidy effects model: additionality chain, vectorised Monte Carlo.

Per instrument, gross financing → net additional investment through
``net = gross × (1 - deadweight) × (1 - displacement) × (1 - leakage) × multiplier``;
investment → sales with a ramp-up lag through an output-capital ratio. Document figures come
from the facts (with their written precision and qualifiers); behavioural parameters from
``data/model/parameters.yaml``; policy mixes from ``data/model/scenarios.yaml``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation.core.intervals import Interval
from evaluation.data.facts import default_facts, interval
from evaluation.model.parameters import ModelInputs, Scenario, default_inputs, default_scenarios
from evaluation.model.tiers import Calibration, TierPaths, calibrate, simulate_tiers

INSTRUMENTS = ("special_fund", "tax_relief", "credit", "direct_financing", "interest_subsidy",
               "guarantee")
FISCAL_INSTRUMENTS = ("special_fund", "tax_relief", "interest_subsidy", "guarantee")
PROJECTION_YEARS = (2013, 2014, 2015)
DEFAULT_DRAWS = 100_000
DEFAULT_SEED = 20130101
QUANTILES = (0.05, 0.5, 0.95)
# Coverage of the reported p5–p95 interval (0.9), from the outer quantiles.
INTERVAL_LEVEL = QUANTILES[-1] - QUANTILES[0]

Array = np.ndarray | float


@dataclass(frozen=True)
class Documented:
    """The document figures the model uses, as intervals (written precision and qualifiers)."""

    special_fund: Interval
    tax_relief: Interval
    loan_balance: Interval
    loan_growth_pct: Interval
    direct_financing: Interval
    short_term_notes: Interval
    investment_2012: Interval
    sales_2012: Interval
    sales_growth_pct: Interval
    investment_target_2013: Interval
    investment_plan_2015: Interval

    @classmethod
    def from_facts(cls, facts: pd.DataFrame | None = None) -> Documented:
        """Read every figure from the facts table."""
        facts = default_facts() if facts is None else facts
        ids = {"special_fund": "plan2013.2012.special_fund",
               "tax_relief": "plan2013.2012.tax_relief_amount",
               "loan_balance": "plan2013.2012.loan_balance",
               "loan_growth_pct": "plan2013.2012.loan_balance_growth",
               "direct_financing": "plan2013.2012.direct_financing",
               "short_term_notes": "plan2013.2012.direct_financing_short_notes",
               "investment_2012": "plan2013.2012.project_investment",
               "sales_2012": "plan2013.2012.sales_revenue",
               "sales_growth_pct": "plan2013.2012.sales_growth",
               "investment_target_2013": "plan2013.2013.project_investment",
               "investment_plan_2015": "plan2015.2015.project_investment"}
        return cls(**{name: interval(fid, facts) for name, fid in ids.items()})

    def draw(self, rng: np.random.Generator, draws: int, tax_relief_excess: np.ndarray
             ) -> dict[str, np.ndarray]:
        """Uniform draws inside each finite interval; the open-ended tax relief as
        ``low × (1 + tax_relief_excess)``."""
        out = {}
        for name in self.__dataclass_fields__:
            iv = getattr(self, name)
            if name == "tax_relief":
                out[name] = iv.low * (1 + tax_relief_excess)
            else:
                out[name] = rng.uniform(iv.low, iv.high, draws)
        return out


@dataclass(frozen=True)
class Flows:
    """One year's policy flows (亿元), arrays over draws or floats."""

    special_fund: Array
    tax_relief: Array
    new_lending: Array
    direct_long: Array
    direct_short: Array
    subsidised_loans: Array
    subsidy_rate_pp: Array
    guarantee_volume: Array

    @classmethod
    def zero(cls) -> Flows:
        """A policy mix of nothing."""
        return cls(*([0.0] * 8))


def additionality(gross: Array, *, deadweight: Array, displacement: Array, leakage: Array,
                  multiplier: Array) -> Array:
    """Net additional effect of a gross effect.

    Notes
    -----
    ``net = gross × (1 - deadweight) × (1 - displacement) × (1 - leakage) × multiplier``
    (English Partnerships Additionality Guide, 2008).
    """
    return gross * (1 - deadweight) * (1 - displacement) * (1 - leakage) * multiplier


def year_effects(flows: Flows, p: Mapping[str, Array]) -> dict[str, dict[str, Array]]:
    """Gross investment financed, net additional investment and fiscal cost per instrument.

    Parameters
    ----------
    flows
        The year's policy flows.
    p
        Parameter values (arrays over draws or floats), keyed as in ``parameters.yaml``.

    Returns
    -------
    dict
        ``{"gross" | "net" | "cost": {instrument: value}}`` in 亿元.

    Notes
    -----
    With capital ratio ``κ``, leverage take-up ``λ`` and loan fixed-investment share ``f``:
    equity instruments (grants, tax relief) carry the multiplier ``1 + λ (1/κ - 1)``; debt
    instruments ``1 + λ κ / (1 - κ)``. Interest subsidy at ``s`` points on loans ``L`` for ``Y``
    years: gross = the projects the loans finance, ``L f / (1 - κ)``; deadweight
    ``1 - min(1, ε s (1 - κ) Y)`` (user-cost elasticity ``ε``); cost ``s L Y``. Guarantee of
    volume ``V``: gross ``V f``; cost ``V [(1 - (1 - pd)^T) LGD + (admin - fee) T]``.
    """
    kappa, take_up = p["project_capital_ratio"], p["leverage_take_up"]
    equity_mult = 1 + take_up * (1 / kappa - 1)
    debt_mult = 1 + take_up * kappa / (1 - kappa)
    f_loan = p["loan_fixed_investment_share"]
    rate = flows.subsidy_rate_pp / 100
    gross = {
        "special_fund": flows.special_fund,
        "tax_relief": flows.tax_relief,
        "credit": _times(flows.new_lending, f_loan),
        "direct_financing": (flows.direct_long * p["long_term_finance_fixed_share"]
                             + flows.direct_short * p["short_term_notes_fixed_share"]),
        "interest_subsidy": _times(flows.subsidised_loans, f_loan / (1 - kappa)),
        "guarantee": _times(flows.guarantee_volume, f_loan),
    }
    chain = {  # deadweight as a callable: computed only for instruments in use
        "special_fund": (lambda: p["grant_deadweight"], p["displacement"], equity_mult),
        "tax_relief": (lambda: p["tax_relief_deadweight"], p["displacement"], equity_mult),
        "credit": (lambda: p["credit_deadweight"], p["credit_displacement"], debt_mult),
        "direct_financing": (lambda: p["direct_finance_deadweight"], p["displacement"], debt_mult),
        "interest_subsidy": (lambda: 1 - np.minimum(p["user_cost_elasticity"] * rate * (1 - kappa)
                                                    * p["interest_subsidy_years"], 1.0),
                             p["credit_displacement"], 1.0),
        "guarantee": (lambda: p["guarantee_deadweight"], p["credit_displacement"], debt_mult),
    }
    net = {name: 0.0 if _is_zero(gross[name]) else additionality(
        gross[name], deadweight=deadweight(), displacement=disp, leakage=p["leakage"],
        multiplier=mult) for name, (deadweight, disp, mult) in chain.items()}
    term = p["guarantee_term_years"]
    cost = {
        "special_fund": flows.special_fund,
        "tax_relief": flows.tax_relief,
        "credit": 0.0,
        "direct_financing": 0.0,
        "interest_subsidy": _times(flows.subsidised_loans, rate * p["interest_subsidy_years"]),
        "guarantee": 0.0 if _is_zero(flows.guarantee_volume) else flows.guarantee_volume * (
            (1 - (1 - p["guarantee_default_rate"]) ** term) * p["loss_given_default"]
            + (p["guarantee_admin_cost_rate"] - p["guarantee_fee_rate"]) * term),
    }
    return {"gross": gross, "net": net, "cost": cost}


def _times(amount: Array, factor: Array) -> Array:
    """``amount × factor``, kept a scalar zero when the amount is a switched-off lever."""
    return 0.0 if _is_zero(amount) else amount * factor


def _is_zero(x: Array) -> bool:
    """True for a scalar zero (a lever switched off), so no array work is done for it."""
    return np.ndim(x) == 0 and x == 0


def flows_2012(doc: Mapping[str, Array]) -> Flows:
    """The documented 2012 mix: new lending ``B - B / (1 + g)``; direct financing split into
    short-term notes and the rest."""
    new_lending = doc["loan_balance"] * (1 - 1 / (1 + doc["loan_growth_pct"] / 100))
    return Flows(doc["special_fund"], doc["tax_relief"], new_lending,
                 doc["direct_financing"] - doc["short_term_notes"], doc["short_term_notes"],
                 0.0, 0.0, 0.0)


def scenario_flows(levers: Mapping[str, float | None], doc: Mapping[str, Array]) -> list[Flows]:
    """The policy flows of 2013-2015 under a scenario's levers.

    Notes
    -----
    Scales multiply the 2012 amounts; with ``credit_growth_pct = None`` new lending stays at the
    2012 amount, otherwise ``L_t = B_{t-1} g`` and ``B_t = B_{t-1} (1 + g)``.
    """
    base = flows_2012(doc)
    balance = doc["loan_balance"]
    out = []
    for _ in PROJECTION_YEARS:
        growth = levers["credit_growth_pct"]
        if growth is None:
            lending = base.new_lending
        else:
            lending = balance * growth / 100
        balance = balance + lending
        out.append(Flows(
            special_fund=base.special_fund * levers["special_fund_scale"],
            tax_relief=base.tax_relief * levers["tax_relief_scale"],
            new_lending=lending,
            direct_long=base.direct_long * levers["direct_financing_scale"],
            direct_short=base.direct_short * levers["direct_financing_scale"],
            subsidised_loans=(lending * levers["interest_subsidy_loan_share"]
                              if levers["interest_subsidy_loan_share"] else 0.0),
            subsidy_rate_pp=levers["interest_subsidy_rate_pp"],
            guarantee_volume=levers["guarantee_volume"],
        ))
    return out


def _total(parts: Mapping[str, Array], names: Sequence[str] = INSTRUMENTS) -> Array:
    return sum(parts[name] for name in names)


def headline_2012(p: Mapping[str, Array], doc: Mapping[str, Array], *,
                  effects: dict[str, dict[str, Array]] | None = None) -> dict[str, Array]:
    """2012 attribution: investment share, sales-growth share, net investment per fiscal yuan.

    Notes
    -----
    ``A`` = net additional investment of the 2012 mix; share of investment ``A / I``.
    Sales growth from the measures, with ramp-up ``r0, r1`` (full from year 2), earlier
    efforts ``A_{2011} = q A``, ``A_{2010} = q² A`` and output-capital ratio ``θ``:
    ``ΔS = θ A [r0 + (r1 - r0) q + (1 - r1) q²]``, as a share of ``S - S / (1 + g)``.
    ``effects`` are the 2012 mix's :func:`year_effects` when already computed.
    """
    effects = effects or year_effects(flows_2012(doc), p)
    net = _total(effects["net"])
    q = p["prior_policy_ratio"]
    r0, r1 = p["ramp_up_year0"], p["ramp_up_year1"]
    sales_effect = p["output_capital_ratio"] * net * (r0 + (r1 - r0) * q + (1 - r1) * q * q)
    growth = doc["sales_2012"] * (1 - 1 / (1 + doc["sales_growth_pct"] / 100))
    fiscal_net = _total(effects["net"], FISCAL_INSTRUMENTS)
    fiscal_cost = _total(effects["cost"], FISCAL_INSTRUMENTS)
    return {"investment_share": net / doc["investment_2012"],
            "sales_growth_share": sales_effect / growth,
            "net_per_fiscal_yuan": fiscal_net / fiscal_cost,
            "net_additional_investment": net}


def project(p: Mapping[str, Array], doc: Mapping[str, Array], levers: Mapping[str, float | None],
            *, net_2012: Array | None = None) -> dict[str, object]:
    """Net additional investment per instrument and year, investment projections, sales effects.

    Notes
    -----
    ``A_t`` net additional investment in year ``t``; ``a = A_2012 / I_2012``.
    ``I_2013 = (I_2012 - A_2012)(1 + g_cf) + A_2013``;
    ``I_2015 = P_2015 [(1 - a)(1 + e) + a A_2015 / A_2012]`` (the plan ``P_2015`` is realised on
    average under the 2012 mix). Policy sales ``Σ_k r_k θ A_{t-k}`` with ``r_0, r_1`` and 1 after.
    ``net_2012`` is ``A_2012`` when already computed.
    """
    a_2012 = _total(year_effects(flows_2012(doc), p)["net"]) if net_2012 is None else net_2012
    years = [year_effects(f, p) for f in scenario_flows(levers, doc)]
    nets = [_total(y["net"]) for y in years]
    share = a_2012 / doc["investment_2012"]
    invest_2013 = (doc["investment_2012"] - a_2012) * (1 + p["counterfactual_investment_growth"]) \
        + nets[0]
    invest_2015 = doc["investment_plan_2015"] * (
        (1 - share) * (1 + p["plan_realisation_deviation"]) + share * nets[2] / a_2012)
    ramp = (p["ramp_up_year0"], p["ramp_up_year1"], 1.0)
    sales = [p["output_capital_ratio"] * sum(ramp[k] * nets[t - k] for k in range(t + 1))
             for t in range(len(PROJECTION_YEARS))]
    return {"years": years, "net": nets, "investment_2013": invest_2013,
            "investment_2015": invest_2015, "policy_sales": sales}


def describe_draws(x: np.ndarray) -> dict[str, float]:
    """Mean and the :data:`QUANTILES` (``p5``, ``p50``, ``p95``) of Monte Carlo draws."""
    q = np.quantile(x, QUANTILES)
    return {"mean": float(np.mean(x)), "p5": float(q[0]), "p50": float(q[1]),
            "p95": float(q[2])}


@dataclass
class EffectsResults:
    """Monte Carlo results of the effects model (tidy tables; plots read this object)."""

    draws: int
    seed: int
    scenarios: list[Scenario]
    documented: Documented
    headline: dict[str, np.ndarray]
    net_2012: dict[str, np.ndarray]
    gross_2012: dict[str, np.ndarray]
    cost_2012: dict[str, np.ndarray]
    projections: dict[str, dict[str, object]]
    baseline: dict[str, object]
    tiers: dict[str, TierPaths] = field(default_factory=dict)
    calibration: Calibration | None = None

    _describe = staticmethod(describe_draws)

    def attribution(self) -> pd.DataFrame:
        """2012 per instrument: gross, fiscal cost, net additional investment, share of investment."""
        invest = self.documented.investment_2012.mid
        rows = []
        for name in INSTRUMENTS:
            if not np.any(self.gross_2012[name]):
                continue
            net = self.net_2012[name]
            rows.append({"instrument": name, "gross_mean": float(np.mean(self.gross_2012[name])),
                         "fiscal_cost_mean": float(np.mean(self.cost_2012[name])),
                         **{f"net_{k}": v for k, v in self._describe(net).items()},
                         **{f"share_{k}": v for k, v in self._describe(net / invest).items()}})
        total = self.headline["net_additional_investment"]
        rows.append({"instrument": "total", "gross_mean": float(np.mean(
            sum(self.gross_2012.values()))),
            "fiscal_cost_mean": float(np.mean(sum(self.cost_2012.values()))),
            **{f"net_{k}": v for k, v in self._describe(total).items()},
            **{f"share_{k}": v for k, v in self._describe(
                self.headline["investment_share"]).items()}})
        return pd.DataFrame(rows)

    def headline_table(self) -> pd.DataFrame:
        """2012 headline quantities with 90% intervals."""
        return pd.DataFrame([{"quantity": k, **self._describe(v)}
                             for k, v in self.headline.items()])

    def cost_effectiveness(self) -> pd.DataFrame:
        """Per scenario and fiscal instrument: cost and net additional investment per yuan, 2013."""
        rows = []
        for sc in self.scenarios:
            year = self.projections[sc.name]["years"][0]
            for name in FISCAL_INSTRUMENTS:
                cost = np.broadcast_to(year["cost"][name], (self.draws,))
                if not np.any(cost):
                    continue
                net = np.broadcast_to(year["net"][name], (self.draws,))
                rows.append({"scenario": sc.name, "instrument": name,
                             **{f"cost_{k}": v for k, v in self._describe(cost).items()},
                             **{f"net_{k}": v for k, v in self._describe(net).items()},
                             **{f"per_yuan_{k}": v
                                for k, v in self._describe(net / cost).items()}})
        return pd.DataFrame(rows)

    def investment(self) -> pd.DataFrame:
        """Projected investment and probability of reaching the 2013 target and 2015 plan."""
        rows = []
        targets = {2013: self.documented.investment_target_2013.mid,
                   2015: self.documented.investment_plan_2015.mid}
        for sc in self.scenarios:
            proj = self.projections[sc.name]
            for year, target in targets.items():
                x = proj[f"investment_{year}"]
                p = float(np.mean(x >= target))
                rows.append({"scenario": sc.name, "target": "project_investment", "year": year,
                             "target_value": target, **self._describe(x), "probability": p,
                             "mc_se": float(np.sqrt(p * (1 - p) / self.draws))})
        return pd.DataFrame(rows)

    def probabilities(self) -> pd.DataFrame:
        """Probability of meeting each target per scenario (investment and firm tiers)."""
        inv = self.investment()[["scenario", "target", "year", "target_value", "probability",
                                 "mc_se"]]
        tiers = [paths.probabilities(self.calibration.facts.targets)
                 for paths in self.tiers.values()]
        tier_table = (pd.concat(tiers)[inv.columns] if tiers else inv.iloc[:0])
        return pd.concat([inv, tier_table], ignore_index=True)

    def fan(self) -> pd.DataFrame:
        """Aggregate sales quantiles per scenario and year (fan chart data)."""
        from evaluation.model.tiers import YEARS

        qs = (0.05, 0.25, 0.5, 0.75, 0.95)
        rows = []
        for name, paths in self.tiers.items():
            quant = np.quantile(paths.totals, qs, axis=0)
            for j, year in enumerate(YEARS):
                rows.append({"scenario": name, "year": year,
                             **{f"p{int(q * 100)}": float(quant[i, j]) for i, q in enumerate(qs)}})
        return pd.DataFrame(rows)

    def differences(self) -> pd.DataFrame:
        """Per scenario and year, investment and policy sales minus the baseline's, same draws.

        Notes
        -----
        Common random numbers: each draw uses the same parameters in every scenario, so the
        interval describes the scenario's effect, not the spread of the levels.
        """
        rows = []
        for sc in self.scenarios:
            proj = self.projections[sc.name]
            for i, year in enumerate(PROJECTION_YEARS):
                diff = np.broadcast_to(proj["policy_sales"][i] - self.baseline["policy_sales"][i],
                                       (self.draws,))
                rows.append({"scenario": sc.name, "quantity": "sales_vs_baseline", "year": year,
                             **self._describe(diff)})
            for year in (2013, 2015):
                key = f"investment_{year}"
                rows.append({"scenario": sc.name, "quantity": "investment_vs_baseline",
                             "year": year, **self._describe(proj[key] - self.baseline[key])})
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """Every result in one long table: scenario, quantity, year, mean and 90% interval."""
        rows = [{"scenario": "documented_2012", "quantity": k, "year": 2012,
                 **self._describe(v)} for k, v in self.headline.items()]
        for sc in self.scenarios:
            proj = self.projections[sc.name]
            for i, year in enumerate(PROJECTION_YEARS):
                rows.append({"scenario": sc.name, "quantity": "net_additional_investment",
                             "year": year, **self._describe(
                                 np.broadcast_to(proj["net"][i], (self.draws,)))})
                rows.append({"scenario": sc.name, "quantity": "policy_sales_effect",
                             "year": year, **self._describe(
                                 np.broadcast_to(proj["policy_sales"][i], (self.draws,)))})
            for year in (2013, 2015):
                rows.append({"scenario": sc.name, "quantity": "project_investment", "year": year,
                             **self._describe(proj[f"investment_{year}"])})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A few lines with the headline numbers and their 90% intervals."""
        lines = [f"Effects model: {self.draws:,} draws, seed {self.seed}"]
        for k, v in self.headline.items():
            d = self._describe(v)
            lines.append(f"  {k}: {d['p50']:.3g} ({INTERVAL_LEVEL:.0%} interval {d['p5']:.3g} to "
                         f"{d['p95']:.3g})")
        return "\n".join(lines)


def simulate(scenarios: Sequence[str] | None = None, *, draws: int = DEFAULT_DRAWS,
             seed: int = DEFAULT_SEED, inputs: ModelInputs | None = None,
             scenario_table: Mapping[str, Scenario] | None = None,
             documented: Documented | None = None, with_tiers: bool = True,
             tier_draws: int | None = None) -> EffectsResults:
    """Run the Monte Carlo.

    Parameters
    ----------
    scenarios
        Scenario names (default: all in ``scenarios.yaml``).
    draws, seed
        Number of draws and the seed of the ``numpy.random.Generator``. Parameter draws and
        firm-level randomness are common to all scenarios (common random numbers).
    with_tiers
        Also simulate the 100 firms (tier targets); slower.
    tier_draws
        Draws used for the firm simulation (the first ``tier_draws`` parameter draws; default
        all). The firms cost ~100 times a draw of the aggregate model, and a tier probability's
        Monte Carlo error, reported with it, depends on this number.
    """
    from evaluation.model.parameters import select_scenarios

    inputs = inputs or default_inputs()
    table = scenario_table if scenario_table is not None else default_scenarios()
    chosen = select_scenarios(list(scenarios) if scenarios else list(table), dict(table))
    documented = documented or Documented.from_facts()
    rng = np.random.default_rng(seed)
    p = inputs.sample(rng, draws)
    doc = documented.draw(rng, draws, p["tax_relief_excess"])
    effects = year_effects(flows_2012(doc), p)
    headline = headline_2012(p, doc, effects=effects)
    net_2012 = headline["net_additional_investment"]
    projections = {sc.name: project(p, doc, sc.levers, net_2012=net_2012) for sc in chosen}
    base_levers = inputs.baseline_levers()
    baseline = next((projections[sc.name] for sc in chosen if sc.levers == base_levers),
                    None) or project(p, doc, base_levers, net_2012=net_2012)
    results = EffectsResults(draws, seed, chosen, documented, headline, effects["net"],
                             effects["gross"], effects["cost"], projections, baseline)
    if with_tiers:
        calibration = calibrate()
        tier_seed = int(rng.integers(2 ** 32))
        n = draws if tier_draws is None else min(tier_draws, draws)
        shifts = {sc.name: np.column_stack([np.broadcast_to(s - b, (draws,))[:n] for s, b in
                                            zip(projections[sc.name]["policy_sales"],
                                                baseline["policy_sales"])])
                  for sc in chosen}
        results.tiers.update(simulate_tiers(
            calibration, sales_shifts=shifts, long_run_growth=p["long_run_sales_growth"][:n],
            persistence=p["growth_persistence"][:n], seed=tier_seed))
        results.calibration = calibration
    return results


@dataclass(frozen=True)
class Sensitivity:
    """One-at-a-time swings of a headline quantity (tornado data)."""

    quantity: str
    central: float
    table_: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """Per parameter: value at its p5 and p95, the quantity at each, and the swing."""
        return self.table_


def sensitivity(quantity: str = "investment_share", *, inputs: ModelInputs | None = None,
                documented: Documented | None = None) -> Sensitivity:
    """Swing each parameter from its 5th to its 95th percentile, others at central values.

    Notes
    -----
    Document figures at their interval midpoints (tax relief at ``7 × (1 + excess)``). The swing
    is ``|f(p95) - f(p5)|``; rows are sorted by it, largest first.
    """
    inputs = inputs or default_inputs()
    documented = documented or Documented.from_facts()
    central = inputs.central()

    def evaluate(values: Mapping[str, float]) -> float:
        doc = {name: np.array([getattr(documented, name).mid]) for name in
               documented.__dataclass_fields__ if name != "tax_relief"}
        excess = np.array([values["tax_relief_excess"]])
        doc["tax_relief"] = documented.tax_relief.low * (1 + excess)
        arrays = {k: np.array([v]) for k, v in values.items()}
        return float(headline_2012(arrays, doc)[quantity][0])

    mid = evaluate(central)
    rows = []
    for name, param in inputs.parameters.items():
        low, high = (float(param.distribution.ppf(q)) for q in (QUANTILES[0], QUANTILES[-1]))
        f_low, f_high = evaluate({**central, name: low}), evaluate({**central, name: high})
        if f_low != mid or f_high != mid:
            rows.append({"parameter": name, "p5_value": low, "p95_value": high,
                         "at_p5": f_low, "at_p95": f_high, "swing": abs(f_high - f_low)})
    table = pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)
    return Sensitivity(quantity, mid, table)
