"""Computed, cited findings of the effects model for the memo and notebook 02.

Each function returns short HTML sentences built from computed values, every number a
:class:`~evaluation.reports.provenance.Citations` span naming its parameters and their
references. The headline is an illustrative attribution under assumed additionality, shown
with its Sobol ranking and break-even values; policy points come only from comparisons whose
sign holds across the Monte Carlo draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from evaluation.errors import ParameterError, problem
from evaluation.model.effects import DEADWEIGHT, FISCAL_INSTRUMENTS, INSTRUMENTS, total
from evaluation.model.parameters import ModelInputs
from evaluation.model.sensitivity import SobolResults
from evaluation.model.simulate import INTERVAL_LEVEL, QUANTILES, EffectsResults, describe_draws
from evaluation.reports.provenance import Citations

INSTRUMENT_NAMES = {"special_fund": "special-fund grants",
                    "tax_relief": "national corporate income tax preferences",
                    "credit": "bank credit (increase in the loan balance)",
                    "direct_financing": "direct financing (net new long-term)",
                    "interest_subsidy": "interest subsidy", "guarantee": "guarantees"}
OUTPUT_NAMES = {"investment_share": "share of project investment",
                "province_net_investment": "province-wide net additional investment",
                "sales_growth_share": "share of sales growth",
                "net_per_fiscal_yuan": "province-wide investment per provincial fiscal yuan"}
TOP_SOBOL = 3
SURVIVES = (0.05, 0.95)


def short_reference(reference: Mapping[str, object]) -> str:
    """``First author et al. (year)`` or ``Author (year)`` of a parameter's reference."""
    authors = [a.strip() for a in str(reference["authors"]).split(";") if a.strip()]
    first = authors[0].split(",")[0] if len(authors) > 1 else authors[0]
    return f"{first}{' et al.' if len(authors) > 1 else ''} ({reference['year']})"


def parameter_references(names: Sequence[str], inputs: ModelInputs) -> list[str]:
    """Short references of the parameters, without repeats, in order.

    Raises
    ------
    ParameterError
        A name is not a parameter of ``inputs`` (one problem per unknown name).
    """
    unknown = [n for n in names if n not in inputs.parameters]
    if unknown:
        raise ParameterError(problems=[problem(inputs.path, f"parameter {n!r}", "not defined",
                                               "a parameter of the effects model")
                                       for n in unknown])
    return list(dict.fromkeys(short_reference(inputs.parameters[n].reference) for n in names))


def model_number(cite: Citations, value: float | tuple[float, float], *,
                 parameters: Sequence[str], inputs: ModelInputs, fmt: str,
                 unit: str = "") -> str:
    """A model result span naming ``parameters`` and their references."""
    return cite.model(value, parameters=list(parameters),
                      references=parameter_references(parameters, inputs), fmt=fmt, unit=unit)


def estimate(cite: Citations, row: Mapping[str, float], *, parameters: Sequence[str],
             inputs: ModelInputs, fmt: str, unit: str = "", scale: float = 1.0) -> str:
    """``median (90% interval p5–p95)`` of a described quantity, each a model span."""
    mid = model_number(cite, scale * row["p50"], parameters=parameters, inputs=inputs,
                       fmt=fmt, unit=unit)
    band = model_number(cite, (scale * row["p5"], scale * row["p95"]), parameters=parameters,
                        inputs=inputs, fmt=fmt, unit=unit)
    return f"{mid} ({interval_level(cite)} interval {band})"


def interval_level(cite: Citations) -> str:
    """The intervals' coverage (``90%``) as a derived span from :data:`model.QUANTILES`.

    Notes
    -----
    ``100 × (q_high - q_low)`` with the outer quantiles the model reports.
    """
    low, high = QUANTILES[0], QUANTILES[-1]
    return cite.derived(100 * INTERVAL_LEVEL, formula="100 × (upper quantile - lower quantile)",
                        inputs=[f"Monte Carlo quantiles {low:g} and {high:g} "
                                "(evaluation.model.simulate.QUANTILES)"], fmt="{:.0f}",
                        unit="percent")


def ignored(text: str, why: str) -> str:
    """Wording that contains a number which is not a result (a step, a bound, a label)."""
    return f'<span data-prov-ignore="{escape(why)}">{escape(text)}</span>'


@dataclass(frozen=True)
class ModelFindings:
    """What the memo needs from the effects model: results, Sobol indices, break-even values."""

    results: EffectsResults
    sobol: SobolResults
    break_even: pd.DataFrame
    inputs: ModelInputs

    def drivers(self, output: str) -> list[str]:
        """Parameters of an output ranked by total-order index (all of them)."""
        return list(self.sobol.ranking(output)["parameter"])


def headline(f: ModelFindings, cite: Citations) -> str:
    """The attribution sentence: projects and province-wide, with the Sobol ranking beside it."""
    r, inputs = f.results, f.inputs
    head = r.headline_table().set_index("quantity")
    share_params = f.drivers("investment_share")
    prov_params = f.drivers("province_net_investment")
    share = estimate(cite, head.loc["investment_share"], parameters=share_params,
                     inputs=inputs, fmt="{:.1f}", unit="percent", scale=100)
    amount = estimate(cite, head.loc["net_additional_investment"], parameters=share_params,
                      inputs=inputs, fmt="{:.0f}", unit="yi_yuan")
    province = estimate(cite, head.loc["province_net_investment"], parameters=prov_params,
                        inputs=inputs, fmt="{:.0f}", unit="yi_yuan")
    province_share = estimate(cite, head.loc["province_share"], parameters=prov_params,
                              inputs=inputs, fmt="{:.1f}", unit="percent", scale=100)
    return (f"<b>Illustrative attribution under assumed additionality</b> (not a measured "
            f"effect): the measures would account for {share} of the base-year investment in "
            f"the 双百 projects, {amount}. Province-wide, after displacement and leakage, the "
            f"net additional investment would be {province}, {province_share} of general "
            f"industrial investment. {sobol_sentence(f, cite, 'investment_share')}")


def sobol_sentence(f: ModelFindings, cite: Citations, output: str) -> str:
    """Which parameters explain the output's variance (total-order Sobol indices with CIs)."""
    top = f.sobol.ranking(output, TOP_SOBOL)
    parts = [f"<code>{escape(row.parameter)}</code> " + model_number(
        cite, row.ST, parameters=[row.parameter], inputs=f.inputs, fmt="{:.2f}")
        + " ± " + model_number(cite, row.ST_conf, parameters=[row.parameter], inputs=f.inputs,
                               fmt="{:.2f}") for row in top.itertuples()]
    judged = all(f.inputs.parameters[n].judgement for n in top["parameter"])
    level = cite.derived(100 * f.sobol.conf_level, formula="confidence level of the bootstrap",
                         inputs=["SALib Sobol analysis (evaluation.model.sensitivity)"],
                         fmt="{:.0f}", unit="percent")
    return (f"Total-order Sobol indices (with {level} CI half-widths) rank "
            f"the drivers of the {OUTPUT_NAMES.get(output, output)}: {'; '.join(parts)}"
            + ("; each is a judgement parameter, so the figure restates those judgements."
               if judged else "."))


def break_even_sentence(f: ModelFindings, cite: Citations) -> str:
    """What ten points of additionality are worth per instrument, and break-even values."""
    items = []
    for row in f.break_even.itertuples():
        params = [DEADWEIGHT[row.instrument]]
        step = model_number(cite, row.per_10_points, parameters=params, inputs=f.inputs,
                            fmt="{:.1f}", unit="yi_yuan")
        points = model_number(cite, row.share_points_per_10, parameters=params,
                              inputs=f.inputs, fmt="{:.2f}")
        text = (f"{INSTRUMENT_NAMES[row.instrument]}: each "
                f"{ignored('10 points', 'step of the break-even table')} of additionality ≈ "
                f"{step} ≈ {points} points of the share")
        if np.isfinite(row.break_even_additionality):
            text += (", worth its cost to all government (one yuan of investment per yuan) "
                     "from an additionality of " + model_number(
                         cite, 100 * row.break_even_additionality, parameters=params,
                         inputs=f.inputs, fmt="{:.0f}", unit="percent"))
        elif np.isfinite(row.max_per_yuan):
            text += (", below one yuan of investment per yuan of cost even if fully additional ("
                     + model_number(cite, row.max_per_yuan, parameters=params, inputs=f.inputs,
                                    fmt="{:.2f}") + ")")
        items.append(text)
    return "<b>Break-even</b> (other parameters central): " + "; ".join(items) + "."


def value_for_money(f: ModelFindings, cite: Citations) -> str:
    """Province-wide additional investment per yuan of cost, by instrument and budget level."""
    table = f.results.value_for_money()
    items = []
    for row in table.itertuples():
        params = [DEADWEIGHT.get(row.instrument, "user_cost_elasticity"), "displacement",
                  "leakage"]
        if row.instrument == "tax_relief":
            params += ["provincial_cit_share", "tax_relief_reading"]
        bits = []
        for level, label in (("province", "per yuan of provincial budget"),
                             ("government", "per yuan of cost to all government")):
            value = getattr(row, f"per_{level}_yuan_p50")
            if np.isfinite(value):
                bits.append(model_number(cite, value, parameters=params, inputs=f.inputs,
                                         fmt="{:.2f}") + f" {label}")
        mobilised = model_number(cite, row.per_yuan_mobilised_p50, parameters=params,
                                 inputs=f.inputs, fmt="{:.2f}")
        bits.append(f"{mobilised} per yuan mobilised")
        items.append(f"{INSTRUMENT_NAMES[row.instrument]} " + ", ".join(bits))
    return ("<b>Value for money</b> (province-wide additional investment, medians): "
            + "; ".join(items) + ". Credit costs the state-owned lenders its rate subsidy and "
            "expected default losses, not the provincial budget.")


def scenario_value(results: EffectsResults, name: str) -> np.ndarray:
    """Per draw, first projection year: extra province-wide investment per extra provincial
    yuan against the baseline, ``ΔN / ΔC`` (same draws)."""
    first, base = results.projections[name]["years"][0], results.baseline["years"][0]
    d_net = total(first["province"]) - total(base["province"])
    d_cost = total(first["cost_province"]) - total(base["cost_province"])
    return np.broadcast_to(np.asarray(d_net / d_cost, dtype=float), (results.draws,))


def costly_scenarios(results: EffectsResults) -> list[str]:
    """Scenarios that spend more provincial money than the baseline in every draw."""
    out = []
    for sc in results.scenarios:
        first, base = results.projections[sc.name]["years"][0], results.baseline["years"][0]
        d_cost = total(first["cost_province"]) - total(base["cost_province"])
        if np.all(np.asarray(d_cost) > 0):
            out.append(sc.name)
    return out


def policy_points(f: ModelFindings, cite: Citations) -> list[str]:
    """Comparisons of provincial levers per yuan whose sign holds in 90% of draws."""
    r, items = f.results, []
    names = costly_scenarios(r)
    every = list(f.inputs.parameters)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            diff = scenario_value(r, a) - scenario_value(r, b)
            lo, hi = np.quantile(diff, SURVIVES)
            if lo > 0 or hi < 0:
                better, worse = (a, b) if lo > 0 else (b, a)
                d = describe_draws(scenario_value(r, better) - scenario_value(r, worse))
                items.append(
                    f"<li><b>Per provincial yuan, <i>{escape(better)}</i> adds more "
                    f"investment than <i>{escape(worse)}</i></b>: by "
                    + estimate(cite, d, parameters=every, inputs=f.inputs, fmt="{:.2f}")
                    + " yuan per yuan in the first year; the sign holds in at least "
                    f"{SURVIVES[1]:.0%} of draws.</li>")
    values = "; ".join(
        f"<i>{escape(n)}</i> " + estimate(cite, describe_draws(scenario_value(r, n)),
                                          parameters=every, inputs=f.inputs, fmt="{:.2f}")
        for n in names)
    if not items and names:
        items.append("<li><b>No ranking of provincial levers survives the sensitivity "
                     "analysis</b>: extra province-wide investment per extra provincial yuan is "
                     f"{values}; the differences change sign within the draws.</li>")
    elif names:
        items.append(f"<li>Extra investment per extra provincial yuan: {values}.</li>")
    return items


def risks(f: ModelFindings, cite: Citations) -> str:
    """Unmodelled risks of credit-led investment, with the guarantee's contingent liability."""
    r = f.results
    caps = r.feasibility()
    base = caps[caps["scenario"] == r.scenarios[0].name]
    at_cap = model_number(cite, 100 * float(base["at_cap"].max()),
                          parameters=["province_loan_growth", "max_loan_share"],
                          inputs=f.inputs, fmt="{:.0f}", unit="percent")
    guarantee = ""
    for sc in r.scenarios:
        year = r.projections[sc.name]["years"][0]
        if np.any(year["gross"]["guarantee"]):
            params = ["guarantee_term_years", "guarantee_default_rate", "loss_given_default",
                      "guarantee_admin_cost_rate", "guarantee_fee_rate"]
            stock = model_number(cite, describe_draws(np.broadcast_to(
                year["contingent"], (r.draws,)))["p50"], parameters=params, inputs=f.inputs,
                fmt="{:.0f}", unit="yi_yuan")
            cost = model_number(cite, describe_draws(np.broadcast_to(
                year["cost_province"]["guarantee"], (r.draws,)))["p50"], parameters=params,
                inputs=f.inputs, fmt="{:.1f}", unit="yi_yuan")
            guarantee = (f" Under <i>{escape(sc.name)}</i> the province would guarantee a stock "
                         f"of {stock} (its contingent liability) for an expected cost of {cost} "
                         "a year.")
            break
    return ("<b>Risks not modelled</b>: defaults beyond the expected loss, the contingent "
            "liabilities of guarantees (the whole guaranteed stock), stranded capacity in "
            "resource and heavy industry, and the firms' leverage. Credit is capped at a share "
            "of the province's industrial loan balance; under the baseline the cap binds in "
            f"{at_cap} of draws by the last year, so more matching only brings lending forward."
            + guarantee)


def probability_note(f: ModelFindings, cite: Citations) -> str:
    """How the investment probability is built (stated wherever it appears)."""
    growth = f.inputs.parameters["counterfactual_investment_growth"].distribution
    params = ["counterfactual_investment_growth"]
    mean = model_number(cite, 100 * growth.central, parameters=params, inputs=f.inputs,
                        fmt="{:.0f}", unit="percent")
    sd = model_number(cite, 100 * growth.scale, parameters=params, inputs=f.inputs,
                      fmt="{:.0f}", unit="percent")
    return ("The probability of reaching the first-year investment target is the share of "
            "draws at or above it; it mostly reflects the assumed counterfactual growth "
            f"(a truncated normal with mean {mean} and standard deviation {sd}), so the memo "
            "leads with expected changes in 亿元. No probability is given for the last year's "
            "plan: it is realised on average by construction.")


def tier_note() -> str:
    """The tier simulation's missing base-year counts are drawn."""
    bounds = ignored("10–50亿 and 1–10亿", "tier bounds")
    return (f"The base-year counts of firms with sales of {bounds} are not reported: the "
            "tier simulation does not know them, they are drawn from the calibrated size "
            "distribution.")


def collect_next_year() -> str:
    """What the province should collect to make the evaluation causal."""
    return ("<b>Collect next year</b>: a project and firm register (identifiers, entry year, "
            "support received per instrument and year, investment, sales, employment) for "
            "supported and comparable unsupported firms; the maturity split of new loans and "
            "net (not gross) issuance; tax relief as tax forgone, by level of government; the "
            "loans arranged at matching events, by borrower. With these, the firm-panel "
            "estimators can replace assumed additionality.")


def instrument_order(f: ModelFindings) -> list[str]:
    """Instruments present in the base year, in model order."""
    return [k for k in INSTRUMENTS if np.any(f.results.base["gross"][k])]


def fiscal(f: ModelFindings) -> list[str]:
    """Fiscal instruments present in the base year."""
    return [k for k in instrument_order(f) if k in FISCAL_INSTRUMENTS]
