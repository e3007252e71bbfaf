"""Report 02 (financing and subsidies): the effects model's values, tables and figure texts.

:func:`report_context` gathers what ``templates/model/<lang>/report.html.j2`` words (the
findings of :func:`~evaluation.reports.narrative.model.model_context`, the document figures the
model starts from as cited facts, the assumptions one block per parameter, the scenarios in
words); :func:`show_part` renders one part of that template in every language; :func:`tables`
describes each reader table for :func:`~evaluation.reports.tables.show_table`; :func:`figure_alt`
says what each figure shows. The notebook only computes and calls these.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html import escape
from typing import Any

import pandas as pd

from evaluation.model.parameters import ModelInputs, assumptions_table
from evaluation.model.scenarios import Scenario
from evaluation.model.sensitivity import Sensitivity, SobolResults
from evaluation.model.simulate import EffectsResults
from evaluation.reports.labels import LANGUAGES, Labels, default_labels
from evaluation.reports.narrative.model import ModelFindings, model_context
from evaluation.reports.provenance import Citations
from evaluation.reports.tables import Column

TEMPLATE = "model/report.html.j2"
REFERENCES_NOTE = {"en": "each parameter's reference in the assumptions at the end",
                   "zh": "各参数的文献依据见文末的假设部分"}
"""Where report 02's model notes send the reader (``Citations(references_note=...)``)."""
PARTS = ("intro", "attribution", "readings", "sobol", "levers", "odds", "fans", "tornado",
         "calibration", "assumptions")
DISTRIBUTIONS = {
    "pert": {"en": "beta-PERT (most likely value {central}, from {low} to {high})",
             "zh": "beta-PERT 分布（最可能值 {central}，范围 {low} 至 {high}）"},
    "triangular": {"en": "triangular (mode {central}, from {low} to {high})",
                   "zh": "三角分布（众数 {central}，范围 {low} 至 {high}）"},
    "uniform": {"en": "uniform from {low} to {high}", "zh": "{low} 至 {high} 之间的均匀分布"},
    "normal_truncated": {"en": "normal with mean {central} and standard deviation {scale}, "
                               "truncated to {low}–{high}",
                         "zh": "均值 {central}、标准差 {scale} 的正态分布，截断于 {low}–{high}"},
    "lognormal_truncated": {"en": "log-normal with median {central} (σ of the log {scale}), "
                                  "truncated to {low}–{high}",
                            "zh": "中位数 {central}（对数标准差 {scale}）的对数正态分布，"
                                  "截断于 {low}–{high}"},
}
UNIT_WORDS = {"share": ("{:.0%}", "{:.0%}"), "relative_change": ("{:+.0%}", "{:+.0%}"),
              "ratio": ("×{:g}", "{:g}倍"), "years": ("{:g} years", "{:g}年"),
              "percentage_points": ("{:g} points", "{:g}个百分点"),
              "elasticity": ("{:g}", "{:g}"), "yi_yuan": ("{:g} × 100 m yuan", "{:g}亿元"),
              "yuan_per_yuan": ("{:g} yuan per yuan", "{:g}元/元")}


_FACT_ID = re.compile(r"\b(?:fact )?plan\d{4}\.\S+?(?=[\s,;)]|$)")
_SNAKE = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")


def readable(text: object) -> str:
    """A parameter file's text for readers: one line, fact ids replaced by "the document's
    figure", ``snake_case`` names in words."""
    line = " ".join(str(text or "").split())
    line = _FACT_ID.sub("The document's figure", line)
    return _SNAKE.sub(lambda m: m.group(1).replace("_", " "), line)


def sentences(*parts: str) -> str:
    """Non-empty parts joined as sentences (one full stop between them)."""
    return ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip()) + "."


def value_in_words(value: float, unit: str, lang: str) -> str:
    """A parameter or lever value as a reader writes it (``30%``, ``2倍``, ``50亿元``)."""
    en, zh = UNIT_WORDS.get(unit, ("{:g}", "{:g}"))
    text = (zh if lang == "zh" else en).format(value)
    return text.replace(".0%", "%") if "%" in text else text


def assumptions(inputs: ModelInputs, lang: str, labels: Labels) -> list[dict[str, Any]]:
    """One block per parameter: its label, value, range, distribution, reference (or the
    document that only informs the judgement, ``informed``), reasoning.

    Labels, values, distributions and (where the registry has ``description_<lang>`` and
    ``reasoning_<lang>``) the description and reasoning are in ``lang``; references are the
    parameter file's own words (English bibliography).
    """
    blocks = []
    for key, p in inputs.parameters.items():
        d = p.distribution
        fields = {k: value_in_words(float(v), p.unit, lang)
                  for k, v in (("central", p.central), ("low", d.low), ("high", d.high))}
        fields["scale"] = value_in_words(float(d.scale), p.unit, lang) if d.scale else ""
        words = DISTRIBUTIONS.get(d.name, {"en": d.name, "zh": d.name})[lang].format(**fields)
        ref, entry = p.reference, labels.entry("parameters", key)
        blocks.append({
            "name": escape(labels.get("parameters", key, lang)),
            "central": escape(fields["central"]),
            "range": escape(f"{fields['low']}–{fields['high']}"),
            "distribution": escape(words), "judgement": bool(p.judgement),
            "informed": bool(p.informed),
            "unit": escape(labels.unit(p.unit, lang) if labels.find("units", p.unit, lang)
                           else p.unit),
            "description": escape(entry.get(f"description_{lang}") or readable(p.description)),
            "description_translated": bool(entry.get(f"description_{lang}")),
            "reference": escape(sentences(
                f"{ref['authors']} ({ref['year']}), {ref['title']}, {ref['source']}",
                readable(ref.get("setting", "")), readable(ref.get("finding", "")))),
            "reasoning": escape(entry.get(f"reasoning_{lang}") or readable(p.reasoning)),
            "reasoning_translated": bool(entry.get(f"reasoning_{lang}"))})
    return blocks


def scenarios_in_words(scenarios: list[Scenario], inputs: ModelInputs, lang: str,
                       labels: Labels) -> list[dict[str, Any]]:
    """Each scenario: its label, what it does, and its overrides as ``lever: value`` words."""
    out = []
    for sc in scenarios:
        entry = labels.entry("scenarios", sc.name)
        overrides = []
        for lever, value in sc.overrides.items():
            unit = inputs.levers[lever].unit if lever in inputs.levers else ""
            shown = (labels.text("not_set", lang) if value is None
                     else value_in_words(float(value), unit, lang))
            overrides.append({"lever": escape(labels.get("parameters", lever, lang)),
                              "value": escape(shown)})
        out.append({"name": escape(labels.get("scenarios", sc.name, lang)),
                    "description": escape(str(entry.get(f"description_{lang}",
                                                        sc.description))),
                    "overrides": overrides,
                    "illustrative": "illustrative" in sc.description})
    return out


def save_results(results: EffectsResults, sobol: SobolResults, break_even: pd.DataFrame,
                 tornadoes: Mapping[str, Sensitivity], inputs: ModelInputs, *,
                 run: Mapping[str, Any]) -> None:
    """Write the model's tables (``model_*.csv``) and ``model_results.json`` (``run``: the
    edition, draws, seed, Sobol base sample, years; with the headline, Sobol indices and
    break-even values) to the notebook's output folder."""
    from evaluation.reports.outputs import output_dir, save_table

    tables = {"model_headline": results.headline_table(),
              "model_attribution": results.attribution(),
              "model_value_for_money": results.value_for_money(),
              "model_cost_effectiveness": results.cost_effectiveness(),
              "model_readings": results.readings(), "model_feasibility": results.feasibility(),
              "model_investment": results.investment(),
              "model_probabilities": results.probabilities(),
              "model_scenario_differences": results.differences(), "model_fan": results.fan(),
              "model_results_long": results.table, "model_sobol": sobol.table,
              "model_break_even": break_even, "model_assumptions": assumptions_table(inputs),
              **{f"model_tornado_{q}": t.table for q, t in tornadoes.items()}}
    if results.calibration is not None:
        tables["model_calibration"] = results.calibration.table
    for name, table in tables.items():
        save_table(table, name)
    summary = {**run, "headline": results.headline_table().to_dict("records"),
               "sobol": sobol.table.to_dict("records"),
               "break_even": break_even.to_dict("records")}
    (output_dir() / "model_results.json").write_text(json.dumps(summary, indent=1),
                                                      encoding="utf-8")


CREDIT_LEVERS = frozenset({"matching_scale", "direct_financing_scale"})
"""Levers of the credit channel (bank-firm matching events, direct financing facilitation)."""


def fan_groups(scenarios: list[Scenario]) -> dict[str, list[str]]:
    """The scenarios of each fan chart, by the channel their levers move: ``credit`` (a lever in
    :data:`CREDIT_LEVERS`) or ``fiscal`` (the others); the baseline (no override) in both, and
    a chart only for a channel that some scenario moves."""
    groups: dict[str, list[str]] = {"credit": [], "fiscal": []}
    for sc in scenarios:
        if not sc.overrides:
            continue
        groups["credit" if CREDIT_LEVERS & set(sc.overrides) else "fiscal"].append(sc.name)
    baseline = [sc.name for sc in scenarios if not sc.overrides]
    return {group: [*baseline, *names] for group, names in groups.items() if names}


def documented_inputs(results: EffectsResults, facts: pd.DataFrame, cite: Citations,
                      labels: Labels) -> list[dict[str, str]]:
    """The document figures the model starts from, each a cited fact with its indicator's
    label and year (one per fact, in the model's order)."""
    out, seen = [], set()
    for fact_id in results.documented.fact_ids.values():
        if fact_id in seen or fact_id not in facts.index:
            continue
        seen.add(fact_id)
        row = facts.loc[fact_id]
        out.append({"name": escape(labels.find("indicators", str(row["indicator"]), cite.lang)
                                   or labels.get("columns", "value", cite.lang)),
                    "year": str(int(row["year"])),
                    "kind": escape(labels.get("kinds", str(row["kind"]), cite.lang)),
                    "value": cite.fact(fact_id)})
    return out


def report_context(f: ModelFindings, cite: Citations, *, facts: pd.DataFrame, edition: str,
                   draws: int, tier_draws: int, seed: int, evaluations: int,
                   scenarios: list[Scenario], labels: Labels | None = None) -> dict[str, Any]:
    """Everything report 02's template words, in ``cite.lang`` (the findings under ``m``)."""
    labels = labels or default_labels()
    lang = cite.lang
    ctx: dict[str, Any] = {"m": model_context(f, cite, labels)}
    ctx.update({
        "edition": escape(edition), "draws": f"{draws:,}",
        "tier_draws": f"{min(tier_draws, draws):,}", "seed": str(seed),
        "evaluations": f"{evaluations:,}", "base_year": str(f.results.documented.base_year),
        "documents": documented_inputs(f.results, facts, cite, labels),
        "max_half_width": cite.derived(
            f.sobol.max_half_width(),
            formula={"en": "largest confidence-interval half-width over all Sobol indices",
                     "zh": "全部 Sobol 指数中最大的置信区间半宽"},
            inputs=[{"en": "Sobol analysis of the effects model (SALib)",
                     "zh": "效应模型的 Sobol 分析（SALib）"}], fmt="{:.3f}"),
        "assumptions": assumptions(f.inputs, lang, labels),
        "scenarios": scenarios_in_words(scenarios, f.inputs, lang, labels)})
    return ctx


def show_part(part: str, contexts: Mapping[str, Mapping[str, Any]]) -> None:
    """Display one part of the report template in every language (one bilingual block)."""
    from IPython.display import HTML, display

    from evaluation.reports.i18n import bilingual
    from evaluation.reports.prose import render

    if part not in PARTS:
        raise ValueError(f"report part {part!r}: expected one of {list(PARTS)}")
    words = {lang: render(TEMPLATE, lang, part=part, **contexts[lang]) for lang in LANGUAGES}
    display(HTML(part_style(part) + bilingual(zh=words["zh"], en=words["en"])))


def part_style(part: str) -> str:
    """The CSS a part needs (``templates/model/report.css`` for the assumption blocks)."""
    from evaluation.reports import TEMPLATES_DIR

    if part != "assumptions":
        return ""
    css = (TEMPLATES_DIR / "model" / "report.css").read_text(encoding="utf-8")
    return f"<style>\n{css}</style>"


# --------------------------------------------------------------------------- tables
Table = tuple[pd.DataFrame, list[Column], dict[str, str]]


def _caption(labels: Labels, key: str, **values: Any) -> dict[str, str]:
    return {lang: labels.text(key, lang, **values) for lang in LANGUAGES}


def tables(results: EffectsResults, sobol_ranking: Mapping[str, pd.DataFrame],
           break_even: pd.DataFrame, labels: Labels | None = None) -> dict[str, Table]:
    """Every reader table of report 02: the frame, its columns and its caption per language."""
    labels = labels or default_labels()
    per = "yuan_per_yuan"
    out: dict[str, Table] = {}
    out["attribution"] = (results.attribution(), [
        Column("instrument", "label", section="instruments"),
        Column("gross_mean", "yi_yuan", decimals=1), Column("net_p50", "yi_yuan", decimals=1),
        Column("net_p5", "yi_yuan", decimals=1), Column("net_p95", "yi_yuan", decimals=1),
        Column("province_p50", "yi_yuan", decimals=1),
        Column("share_p50", "share", decimals=1)], _caption(labels, "cap_attribution"))
    out["value_for_money"] = (results.value_for_money(), [
        Column("instrument", "label", section="instruments"),
        Column("cost_province_mean", "yi_yuan", decimals=2),
        Column("cost_province_p5", "yi_yuan", decimals=2),
        Column("cost_province_p95", "yi_yuan", decimals=2),
        Column("per_province_yuan_p50", "number", unit=per, missing="no_provincial_cost"),
        Column("cost_government_mean", "yi_yuan", decimals=2),
        Column("cost_government_p5", "yi_yuan", decimals=2),
        Column("cost_government_p95", "yi_yuan", decimals=2),
        Column("per_government_yuan_p50", "number", unit=per, missing="no_government_cost"),
        Column("per_yuan_mobilised_p50", "number", unit=per)],
        _caption(labels, "cap_value_for_money"))
    readings = results.readings().pivot_table(index=["figure", "reading"], columns="quantity",
                                              values="p50", sort=False).reset_index()
    quantity_units = {"investment_share": ("share", None), "province_net_investment": (
        "yi_yuan", None), "sales_growth_share": ("share", None),
        "net_per_fiscal_yuan": ("number", per)}
    out["readings"] = (readings, [
        Column("figure", "label", label="figure", section="parameters"),
        Column("reading", "label", label="reading", section="readings"),
        *[Column(q, kind, header_section="quantities", unit=unit, decimals=1 if kind != "number"
                 else 2) for q, (kind, unit) in quantity_units.items() if q in readings]],
        _caption(labels, "cap_readings"))
    for output, ranking in sobol_ranking.items():
        out[f"sobol_{output}"] = (ranking, [
            Column("parameter", "label", section="parameters"),
            *[Column(c, "number", decimals=3) for c in ("S1", "S1_conf", "ST", "ST_conf")]],
            {lang: labels.text("cap_sobol", lang,
                               output=labels.get("quantities", output, lang))
             for lang in LANGUAGES})
    out["break_even"] = (break_even, [
        Column("instrument", "label", section="instruments"),
        Column("additionality", "share", decimals=0),
        Column("per_10_points", "yi_yuan", decimals=1),
        Column("share_points_per_10", "number", unit="percentage_points"),
        Column("break_even_additionality", "share", decimals=0, missing="never_breaks_even"),
        Column("max_per_yuan", "number", unit=per, missing="breaks_even")],
        _caption(labels, "cap_break_even"))
    out["differences"] = differences_table(results, labels)
    out["feasibility"] = (results.feasibility(), [
        Column("scenario", "label", section="scenarios"), Column("year", "year"),
        Column("balance_p50", "yi_yuan", decimals=0), Column("cap_p50", "yi_yuan", decimals=0),
        Column("at_cap", "share", decimals=0)], _caption(labels, "cap_feasibility"))
    probs = results.probabilities()
    wide = probs.pivot_table(index=["target", "year"], columns="scenario",
                             values="probability", sort=False).reset_index()
    names = [sc.name for sc in results.scenarios if sc.name in wide]
    out["probabilities"] = (wide, [
        Column("target", "indicator", label="target"), Column("year", "year"),
        *[Column(n, "share", decimals=0, header_section="scenarios") for n in names]],
        _caption(labels, "cap_probabilities"))
    calibration = results.calibration.table if results.calibration else pd.DataFrame(
        columns=["quantity", "documented", "fitted_distribution", "simulated_mean"])
    out["calibration"] = (calibration, [
        Column("quantity", "label", section="calibration"),
        Column("documented", "number", decimals=1),
        Column("fitted_distribution", "number", decimals=1, missing="matched_not_fitted"),
        Column("simulated_mean", "number", decimals=1)], _caption(labels, "cap_calibration"))
    return out


def differences_table(results: EffectsResults, labels: Labels) -> Table:
    """Expected change against the baseline: one row per scenario and quantity, one column per
    projection year reading ``median (p5 to p95)`` in 亿元."""
    diffs = results.differences()
    diffs = diffs[diffs["scenario"] != results.scenarios[0].name]
    years = sorted(int(y) for y in diffs["year"].unique())
    rows = []
    for (scenario, quantity), part in diffs.groupby(["scenario", "quantity"], sort=False):
        by_year = part.set_index("year")
        rows.append({"scenario": scenario, "quantity": quantity, **{
            str(y): f"{by_year.loc[y, 'p50']:+.1f} ({by_year.loc[y, 'p5']:+.1f} … "
                    f"{by_year.loc[y, 'p95']:+.1f})" for y in years}})
    frame = pd.DataFrame(rows, columns=["scenario", "quantity", *map(str, years)])
    return (frame, [Column("scenario", "label", section="scenarios"),
                    Column("quantity", "label", section="quantities"),
                    *[Column(str(y), "text") for y in years]],
            _caption(labels, "cap_differences"))


def figure_alt(kind: str, lang: str, **values: Any) -> str:
    """What a figure of report 02 shows, in words (the image's alt text)."""
    return default_labels().text(f"alt_{kind}", lang, **values)
