"""The effects model's findings as computed, cited values for the templates to word.

Each function returns values (every number a :class:`~evaluation.reports.provenance.Citations`
span naming its parameters and their references; every name a label from the registry in the
page's language) and flags that choose between wordings; no sentence is built here. The memo
(``templates/memo/<lang>/memo.html.j2``) and report 02 (``templates/model/<lang>/report.html.j2``)
word them through the shared macros of ``templates/model/<lang>/_findings.j2``.

The headline is an illustrative attribution under assumed additionality, shown with its Sobol
ranking and break-even values; policy points come only from comparisons whose sign holds across
the Monte Carlo draws.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from evaluation.errors import ParameterError, problem
from evaluation.model.effects import DEADWEIGHT, FISCAL_INSTRUMENTS, INSTRUMENTS, total
from evaluation.model.parameters import ModelInputs
from evaluation.model.sensitivity import SobolResults
from evaluation.model.simulate import INTERVAL_LEVEL, EffectsResults, describe_draws
from evaluation.reports.labels import Labels, default_labels
from evaluation.reports.provenance import Citations

TOP_SOBOL = 3
SURVIVES = (0.05, 0.95)
GUARANTEE_PARAMETERS = ("guarantee_term_years", "guarantee_default_rate", "loss_given_default",
                        "guarantee_admin_cost_rate", "guarantee_fee_rate")
CAP_PARAMETERS = ("province_loan_growth", "max_loan_share")
WORDS = {
    "level": {"en": "100 × (upper quantile − lower quantile) of the Monte Carlo draws",
              "zh": "100 ×（蒙特卡洛抽样的上分位数 − 下分位数）"},
    "quantiles": {"en": "the model's reported quantiles", "zh": "模型报告的分位数"},
    "conf_level": {"en": "confidence level of the bootstrap of the Sobol indices",
                   "zh": "Sobol 指数自助法的置信水平"},
    "sobol": {"en": "Sobol analysis of the effects model (SALib)",
              "zh": "效应模型的 Sobol 分析（SALib）"},
    "max_half_width": {"en": "largest confidence-interval half-width over all Sobol indices",
                       "zh": "全部 Sobol 指数中最大的置信区间半宽"},
    "mc_se": {"en": "largest Monte Carlo standard error, √(p(1 − p) ÷ draws)",
              "zh": "最大蒙特卡洛标准误，√(p(1 − p) ÷ 抽样次数)"},
    "mc_inputs": {"en": "Monte Carlo probabilities and the number of draws",
                  "zh": "蒙特卡洛概率与抽样次数"},
}


def word(key: str, cite: Citations) -> str:
    """A formula or input description of :data:`WORDS` in ``cite``'s language."""
    return WORDS[key][cite.lang]


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
             inputs: ModelInputs, fmt: str, unit: str = "",
             scale: float = 1.0) -> dict[str, str]:
    """The median (``mid``) and the interval p5–p95 (``band``) of a described quantity, each a
    model span; the templates word them (``44 (90% interval 24–76)``)."""
    mid = model_number(cite, scale * row["p50"], parameters=parameters, inputs=inputs,
                       fmt=fmt, unit=unit)
    band = model_number(cite, (scale * row["p5"], scale * row["p95"]), parameters=parameters,
                        inputs=inputs, fmt=fmt, unit=unit)
    return {"mid": mid, "band": band}


def interval_level(cite: Citations) -> str:
    """The intervals' coverage (``90%``) as a derived span.

    Notes
    -----
    ``100 × (q_high - q_low)`` with the outer quantiles the model reports.
    """
    return cite.derived(100 * INTERVAL_LEVEL, formula=word("level", cite),
                        inputs=[word("quantiles", cite)], fmt="{:.0f}", unit="percent")


def name(labels: Labels, section: str, key: str, lang: str) -> str:
    """A registry label, escaped (the id itself never reaches a reader: a missing label fails).

    Raises
    ------
    DataError
        ``key`` has no label in ``section`` (from :meth:`Labels.get`).
    """
    return escape(labels.get(section, key, lang))


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


def headline(f: ModelFindings, cite: Citations) -> dict[str, dict[str, str]]:
    """The attribution: the share and amount of base-year project investment, province-wide net
    additional investment and its share of general industrial investment (median and interval)."""
    head = f.results.headline_table().set_index("quantity")
    share_params, prov_params = f.drivers("investment_share"), f.drivers("province_net_investment")

    def est(quantity: str, params: list[str], fmt: str, unit: str, scale: float = 1.0
            ) -> dict[str, str]:
        return estimate(cite, head.loc[quantity], parameters=params, inputs=f.inputs, fmt=fmt,
                        unit=unit, scale=scale)

    return {"share": est("investment_share", share_params, "{:.1f}", "percent", 100),
            "amount": est("net_additional_investment", share_params, "{:.0f}", "yi_yuan"),
            "province": est("province_net_investment", prov_params, "{:.0f}", "yi_yuan"),
            "province_share": est("province_share", prov_params, "{:.1f}", "percent", 100)}


def sobol(f: ModelFindings, cite: Citations, output: str, labels: Labels, *,
          top: int = TOP_SOBOL) -> dict[str, Any]:
    """The parameters that explain most of ``output``'s variance (total-order Sobol indices with
    their confidence half-widths), whether all are judgement calls, and the bootstrap level."""
    lang = cite.lang
    items = [{"name": name(labels, "parameters", row.parameter, lang),
              "st": model_number(cite, row.ST, parameters=[row.parameter], inputs=f.inputs,
                                 fmt="{:.2f}"),
              "conf": model_number(cite, row.ST_conf, parameters=[row.parameter],
                                   inputs=f.inputs, fmt="{:.2f}")}
             for row in f.sobol.ranking(output, top).itertuples()]
    ranked = f.sobol.ranking(output, top)["parameter"]
    return {"output": name(labels, "quantities", output, lang), "items": items,
            "judged": all(f.inputs.parameters[n].judgement for n in ranked),
            "level": cite.derived(100 * f.sobol.conf_level, formula=word("conf_level", cite),
                                  inputs=[word("sobol", cite)], fmt="{:.0f}", unit="percent"),
            "top": [escape(labels.get("parameters", n, lang))
                    for n in f.sobol.ranking(output, 2)["parameter"]]}


def break_even(f: ModelFindings, cite: Citations, labels: Labels) -> list[dict[str, Any]]:
    """Per instrument: what ten points of additionality are worth (亿元 and points of the share),
    and the additionality from which it returns a yuan of investment per yuan of cost to all
    government (``break_even``) or, when it never does, its most per yuan (``max_per_yuan``);
    over the draws (``draws``): the median break-even and its range, and the share of draws in
    which it is reached at all (``reached``) and in which the draw's own assumed additionality
    reaches it (``worth``)."""
    items = []
    every = list(f.inputs.parameters)
    over = f.results.break_even_draws().set_index("instrument")
    for row in f.break_even.itertuples():
        params = [DEADWEIGHT[row.instrument]]

        def span(value: float | tuple[float, float], fmt: str, unit: str = "",
                 p: list[str] = params) -> str:
            return model_number(cite, value, parameters=p, inputs=f.inputs, fmt=fmt, unit=unit)

        draws = None
        if row.instrument in over.index:
            d = over.loc[row.instrument]
            draws = {"mid": span(100 * d["break_even_p50"], "{:.0f}", "percent", every),
                     "band": span((100 * d["break_even_p5"], 100 * d["break_even_p95"]),
                                  "{:.0f}", "percent", every),
                     "reached": span(100 * d["reached"], "{:.0f}", "percent", every),
                     "worth": span(100 * d["worth"], "{:.0f}", "percent", every),
                     "never": bool(d["reached"] == 0)}
        items.append({"draws": draws,
            "instrument": name(labels, "instruments", row.instrument, cite.lang),
            "step": span(row.per_10_points, "{:.1f}", "yi_yuan"),
            "points": span(row.share_points_per_10, "{:.2f}"),
            "break_even": (span(100 * row.break_even_additionality, "{:.0f}", "percent")
                           if np.isfinite(row.break_even_additionality) else None),
            "max_per_yuan": (span(row.max_per_yuan, "{:.2f}")
                             if not np.isfinite(row.break_even_additionality)
                             and np.isfinite(row.max_per_yuan) else None)})
    return items


def value_parameters(instrument: str) -> list[str]:
    """The parameters behind an instrument's province-wide additional investment per yuan."""
    params = [DEADWEIGHT.get(instrument, "user_cost_elasticity"), "displacement", "leakage"]
    if instrument == "tax_relief":
        params += ["provincial_cit_share", "tax_relief_reading"]
    return params


def value_for_money(f: ModelFindings, cite: Citations, labels: Labels) -> list[dict[str, Any]]:
    """Per instrument (medians): province-wide additional investment per yuan of provincial
    budget and of cost to all government (``None`` where it costs that level nothing), and per
    yuan mobilised."""
    items = []
    for row in f.results.value_for_money().itertuples():
        params = value_parameters(str(row.instrument))
        spans: dict[str, Any] = {"instrument": name(labels, "instruments", row.instrument,
                                                    cite.lang)}
        for level in ("province", "government"):
            value = getattr(row, f"per_{level}_yuan_p50")
            spans[level] = (model_number(cite, value, parameters=params, inputs=f.inputs,
                                         fmt="{:.2f}") if np.isfinite(value) else None)
        spans["mobilised"] = model_number(cite, row.per_yuan_mobilised_p50, parameters=params,
                                          inputs=f.inputs, fmt="{:.2f}")
        items.append(spans)
    return items


def scenario_value(results: EffectsResults, scenario: str) -> np.ndarray:
    """Per draw, first projection year: extra province-wide investment per extra provincial
    yuan against the baseline, ``ΔN / ΔC`` (same draws)."""
    first, base = results.projections[scenario].years[0], results.baseline.years[0]
    d_net = total(first["province"]) - total(base["province"])
    d_cost = total(first["cost_province"]) - total(base["cost_province"])
    return np.broadcast_to(np.asarray(d_net / d_cost, dtype=float), (results.draws,))


def costly_scenarios(results: EffectsResults) -> list[str]:
    """Scenarios that spend more provincial money than the baseline in every draw."""
    out = []
    for sc in results.scenarios:
        first, base = results.projections[sc.name].years[0], results.baseline.years[0]
        d_cost = total(first["cost_province"]) - total(base["cost_province"])
        if np.all(np.asarray(d_cost) > 0):
            out.append(sc.name)
    return out


def policy(f: ModelFindings, cite: Citations, labels: Labels) -> dict[str, Any]:
    """Comparisons of provincial levers per yuan whose sign holds in 90% of draws
    (``comparisons``: better, worse, by how much), and every costly lever's value per extra
    provincial yuan (``values``); ``survives`` is the share of draws the sign must hold in."""
    r, lang = f.results, cite.lang
    names = costly_scenarios(r)
    every = list(f.inputs.parameters)
    comparisons = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            lo, hi = np.quantile(scenario_value(r, a) - scenario_value(r, b), SURVIVES)
            if lo > 0 or hi < 0:
                better, worse = (a, b) if lo > 0 else (b, a)
                d = describe_draws(scenario_value(r, better) - scenario_value(r, worse))
                comparisons.append({"better": name(labels, "scenarios", better, lang),
                                    "worse": name(labels, "scenarios", worse, lang),
                                    "by": estimate(cite, d, parameters=every, inputs=f.inputs,
                                                   fmt="{:.2f}")})
    values = [{"scenario": name(labels, "scenarios", n, lang),
               "value": estimate(cite, describe_draws(scenario_value(r, n)), parameters=every,
                                 inputs=f.inputs, fmt="{:.2f}")} for n in names]
    guaranteed = [guarantee_lever(r, n, cite, labels, inputs=f.inputs) for n in
                  guarantee_scenarios(r) if n not in names]
    survives = cite.derived(100 * SURVIVES[1], formula={"en": "upper quantile of the test",
                                                        "zh": "检验所用的上分位数"},
                            inputs=[word("quantiles", cite)], fmt="{:.0f}", unit="percent")
    return {"comparisons": comparisons, "values": values, "guarantees": guaranteed,
            "survives": survives}


def guarantee_scenarios(results: EffectsResults) -> list[str]:
    """Scenarios whose first projection year guarantees any loans."""
    return [sc.name for sc in results.scenarios
            if np.any(results.projections[sc.name].years[0]["contingent"])]


def guarantee_lever(results: EffectsResults, scenario: str, cite: Citations, labels: Labels, *,
                    inputs: ModelInputs) -> dict[str, Any]:
    """A guarantee lever beside the costly ones: its extra province-wide investment against the
    baseline (median and range), its expected extra provincial cost, their ratio of means (its
    cost can be negative in a draw, fees above losses, so no per-draw ratio) and the contingent
    liability it creates (median)."""
    first, base = results.projections[scenario].years[0], results.baseline.years[0]
    n = results.draws
    d_net = np.broadcast_to(np.asarray(total(first["province"]) - total(base["province"]),
                                       dtype=float), (n,))
    d_cost = np.broadcast_to(np.asarray(total(first["cost_province"])
                                        - total(base["cost_province"]), dtype=float), (n,))
    stock = np.broadcast_to(np.asarray(first["contingent"], dtype=float), (n,))
    every = list(inputs.parameters)

    def span(value: float, fmt: str, unit: str = "") -> str:
        return model_number(cite, value, parameters=every, inputs=inputs, fmt=fmt, unit=unit)

    mean_cost = float(np.mean(d_cost))
    return {"scenario": name(labels, "scenarios", scenario, cite.lang),
            "added": estimate(cite, describe_draws(d_net), parameters=every, inputs=inputs,
                              fmt="{:.1f}", unit="yi_yuan"),
            "cost": span(mean_cost, "{:.1f}", "yi_yuan"),
            "per_yuan": span(float(np.mean(d_net)) / mean_cost, "{:.2f}")
            if mean_cost > 0 else None,
            "stock": span(float(np.median(stock)), "{:.0f}", "yi_yuan")}


def risks(f: ModelFindings, cite: Citations, labels: Labels) -> dict[str, Any]:
    """The share of draws in which the credit cap binds by the last year under the first
    scenario, what its credit assumption implies for the province's other industrial borrowers
    in the first projection year (``others``: the 双百 balance and the rest of industrial
    loans, from the base year, medians), and the contingent liability and yearly expected cost
    of the first scenario with guarantees (``None`` when no scenario has any)."""
    r = f.results
    first = r.feasibility(r.scenarios[0].name)
    others = r.other_borrowers(r.scenarios[0].name)
    start, after = others.iloc[0], others.iloc[1]

    def cap_span(value: float | tuple[float, float], fmt: str, unit: str = "") -> str:
        return model_number(cite, value, parameters=CAP_PARAMETERS, inputs=f.inputs, fmt=fmt,
                            unit=unit)

    out: dict[str, Any] = {
        "at_cap": model_number(cite, 100 * float(first["at_cap"].max()),
                               parameters=CAP_PARAMETERS, inputs=f.inputs, fmt="{:.0f}",
                               unit="percent"),
        "first": name(labels, "scenarios", r.scenarios[0].name, cite.lang), "guarantee": None,
        "others": {"year": int(after["year"]),
                   "action_from": cap_span(start["action_p50"], "{:,.0f}", "yi_yuan"),
                   "action_to": cap_span(after["action_p50"], "{:,.0f}", "yi_yuan"),
                   "action_change": cap_span(100 * after["action_change_p50"], "{:.0f}",
                                             "percent"),
                   "province_change": cap_span(100 * after["province_change_p50"], "{:.0f}",
                                               "percent"),
                   "others_from": cap_span(start["others_p50"], "{:,.0f}", "yi_yuan"),
                   "others_to": cap_span(after["others_p50"], "{:,.0f}", "yi_yuan"),
                   "others_change": cap_span(100 * after["others_change_p50"], "{:+.0f}",
                                             "percent")}}
    for sc in r.scenarios:
        year = r.projections[sc.name].years[0]
        if np.any(year["gross"]["guarantee"]):
            stock = describe_draws(np.broadcast_to(year["contingent"], (r.draws,)))["p50"]
            cost = describe_draws(np.broadcast_to(year["cost_province"]["guarantee"],
                                                  (r.draws,)))["p50"]
            out["guarantee"] = {
                "scenario": name(labels, "scenarios", sc.name, cite.lang),
                "stock": model_number(cite, stock, parameters=GUARANTEE_PARAMETERS,
                                      inputs=f.inputs, fmt="{:.0f}", unit="yi_yuan"),
                "cost": model_number(cite, cost, parameters=GUARANTEE_PARAMETERS,
                                     inputs=f.inputs, fmt="{:.1f}", unit="yi_yuan")}
            break
    return out


def probability(f: ModelFindings, cite: Citations) -> dict[str, str]:
    """The mean and standard deviation of the assumed counterfactual growth, which mostly set
    the probability of reaching the first-year investment target."""
    growth = f.inputs.parameters["counterfactual_investment_growth"].distribution
    params = ["counterfactual_investment_growth"]
    return {"mean": model_number(cite, 100 * growth.central, parameters=params,
                                 inputs=f.inputs, fmt="{:.0f}", unit="percent"),
            "sd": model_number(cite, 100 * growth.scale, parameters=params, inputs=f.inputs,
                               fmt="{:.0f}", unit="percent")}


def monte_carlo_error(results: EffectsResults, cite: Citations) -> str:
    """The largest Monte Carlo standard error of a probability, in percentage points."""
    mc_se = float(results.probabilities()["mc_se"].max())
    return cite.derived(100 * mc_se, formula=word("mc_se", cite), inputs=[word("mc_inputs", cite)],
                        fmt="{:.1f}", unit="percentage_points")


def model_context(f: ModelFindings, cite: Citations, labels: Labels | None = None
                  ) -> dict[str, Any]:
    """Everything the model's findings macros word, in ``cite.lang``."""
    labels = labels or default_labels()
    return {"level": interval_level(cite), "headline": headline(f, cite),
            "sobol_share": sobol(f, cite, "investment_share", labels),
            "sobol_province": sobol(f, cite, "province_net_investment", labels),
            "break_even": break_even(f, cite, labels),
            "value_for_money": value_for_money(f, cite, labels),
            "risks": risks(f, cite, labels), "policy": policy(f, cite, labels),
            "probability": probability(f, cite), "mc_se": monte_carlo_error(f.results, cite)}


def instrument_order(f: ModelFindings) -> list[str]:
    """Instruments present in the base year, in model order."""
    return [k for k in INSTRUMENTS if np.any(f.results.base["gross"][k])]


def fiscal(f: ModelFindings) -> list[str]:
    """Fiscal instruments present in the base year."""
    return [k for k in instrument_order(f) if k in FISCAL_INSTRUMENTS]
