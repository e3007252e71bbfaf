"""The memo's computed values, each a cited span, for the templates to word.

:func:`memo_context` returns everything ``templates/memo/<lang>/memo.html.j2`` needs: numbers as
:class:`~evaluation.reports.provenance.Citations` spans in the page's language, labels from the
registry, and flags that choose between wordings (``credit_carried``, ``attained`` ...). No
sentence is built here: the templates word the findings, one per language.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from evaluation import project
from evaluation.analysis.audit import CONSISTENT, INCONSISTENT, QUALIFIER_ONLY
from evaluation.model.simulate import FISCAL_INSTRUMENTS, INSTRUMENTS
from evaluation.reports import memo as m
from evaluation.reports.labels import Labels
from evaluation.reports.narrative import targets as findings
from evaluation.reports.prose import label
from evaluation.reports.provenance import Citations

FORMULAS = {
    "change": {"en": "target ÷ outcome − 1", "zh": "目标值 ÷ 实际值 − 1"},
    "cagr": {"en": "(target ÷ outcome)^(1/{n}) − 1, over {n} years",
             "zh": "（目标值 ÷ 实际值）^(1/{n}) − 1，共 {n} 年"},
    "attainment": {"en": "outcome ÷ target", "zh": "实际值 ÷ 目标值"},
    "checks": {"en": "number of checks", "zh": "核对项数"},
    "checks_with": {"en": "number of checks with result “{status}”",
                    "zh": "结论为“{status}”的核对项数"},
    "audit_input": {"en": "the audit of the documents' arithmetic (report 00)",
                    "zh": "文件数据自洽性核查（报告00）"},
    "level": {"en": "100 × (upper quantile − lower quantile) of the Monte Carlo draws",
              "zh": "100 ×（蒙特卡洛抽样的上分位数 − 下分位数）"},
    "quantiles": {"en": "the model's reported quantiles", "zh": "模型报告的分位数"},
    "facts": {"en": "rows of the curated facts table", "zh": "整理的事实数据表的行数"},
    "documents": {"en": "documents the facts quote", "zh": "事实数据引用的文件数"},
    "parameters": {"en": "behavioural parameters of the effects model",
                   "zh": "效应模型的行为参数个数"},
    "judged": {"en": "parameters set by judgement", "zh": "依判断设定的参数个数"},
    "mc_se": {"en": "largest Monte Carlo standard error, √(p(1 − p) ÷ draws)",
              "zh": "最大蒙特卡洛标准误，√(p(1 − p) ÷ 抽样次数)"},
    "mc_inputs": {"en": "Monte Carlo probabilities and the number of draws",
                  "zh": "蒙特卡洛概率与抽样次数"},
}


def word(key: str, cite: Citations, **values: Any) -> str:
    """A formula or input description of :data:`FORMULAS` in ``cite``'s language."""
    return FORMULAS[key][cite.lang].format(**values)


def required_growth(row: pd.Series, cite: Citations) -> dict[str, str | None]:
    """Change in all and, over more than one year, required growth a year, as spans."""
    inputs = [row["base_fact_id"], row["target_fact_id"]]
    n = int(row["target_year"]) - int(row["base_year"])
    change = cite.derived(row["change_pct"], formula=word("change", cite), inputs=inputs,
                          fmt="{:+.1f}", unit="percent")
    cagr = None if n == 1 else cite.derived(
        row["required_cagr_pct"], formula=word("cagr", cite, n=n), inputs=inputs,
        fmt="{:+.1f}", unit="percent")
    return {"change": change, "cagr": cagr, "years": str(n)}


def _count(audit: pd.DataFrame, cite: Citations, labels: Labels,
           status: str | None = None) -> str:
    n = len(audit) if status is None else int((audit["status"] == status).sum())
    formula = (word("checks", cite) if status is None else
               word("checks_with", cite, status=labels.get("statuses", status, cite.lang)))
    return cite.derived(n, formula=formula, inputs=[word("audit_input", cite)], fmt="{:d}")


def interval_level(cite: Citations) -> str:
    """The intervals' coverage (90%) as a derived span."""
    from evaluation.model.simulate import INTERVAL_LEVEL

    return cite.derived(100 * INTERVAL_LEVEL, formula=word("level", cite),
                        inputs=[word("quantiles", cite)], fmt="{:.0f}", unit="percent")


def memo_context(data: m.MemoData, cite: Citations, labels: Labels, *, draws: int,
                 seed: int, date: str) -> dict[str, Any]:
    """Every value the memo template words, in ``cite.lang``."""
    lang = cite.lang
    f, y, results, inputs = data.facts, data.base_year, data.results, data.inputs
    first, last = min(data.target_years), max(data.target_years)
    used = [i for i in INSTRUMENTS if np.any(results.gross_2012[i])]
    fiscal = [i for i in FISCAL_INSTRUMENTS if i in used]
    every, all_params = m.instrument_parameters(used), list(inputs.parameters)
    head = results.headline_table().set_index("quantity")
    level = interval_level(cite)

    def model(value: float | tuple[float, float], params: list[str], fmt: str,
              unit: str = "") -> str:
        return m.model_number(cite, value, parameters=params, inputs=inputs, fmt=fmt, unit=unit)

    def band(row: Any, params: list[str], fmt: str, unit: str = "",
             scale: float = 1.0) -> dict[str, str]:
        return {"mid": model(scale * row["p50"], params, fmt, unit),
                "low_high": model((scale * row["p5"], scale * row["p95"]), params, fmt, unit)}

    def scenario(name: str) -> str:
        return escape(labels.find("scenarios", name, lang) or name)

    ctx: dict[str, Any] = {"lang": lang, "edition": escape(data.edition), "date": date,
                           "issuer": escape(labels.text("issuer", lang)),
                           "title": escape(labels.report_title(m.MEMO_NOTEBOOK, lang)),
                           "site": escape(labels.text("site_title", lang)),
                           "draws": f"{draws:,}", "seed": str(seed), "y": y, "first": first,
                           "last": last, "level": level}
    # --- headline
    row = data.comparisons[(data.comparisons["indicator"] == m.INVESTMENT_TARGET)
                           & (data.comparisons["target_year"] == first)].iloc[0]
    ctx["outcome"] = {k: cite.fact(m.find_fact(f, ind, y)) for k, ind in (
        ("projects", "projects"), ("investment", m.INVESTMENT_TARGET), ("firms", "firms"),
        ("sales", "sales_revenue"), ("growth", "sales_growth"))}
    ctx["target"] = cite.fact(row["target_fact_id"])
    ctx["required"] = required_growth(row, cite)
    ctx["attained"] = not data.attainment.empty
    ctx["share"] = band(head.loc["investment_share"], every, "{:.1f}", "percent", 100)
    credit = m.non_fiscal_share(results)
    ctx["credit_share"] = band(credit, every, "{:.0f}", "percent", 100)
    ctx["credit_carried"] = credit["p50"] > 0.5
    chances = m.odds(results, m.INVESTMENT_TARGET, first)
    ctx["baseline_name"] = scenario(m.BASELINE)
    ctx["baseline_odds"] = model(float(chances[m.BASELINE]), all_params, m.PERCENT)
    others = chances.drop(m.BASELINE)
    ctx["best"] = None
    if not others.empty:
        name = str(others.idxmax())
        ctx["best"] = {"name": scenario(name),
                       "odds": model(float(others[name]), all_params, m.PERCENT)}
    audit = data.audit
    ctx["audit"] = {"all": _count(audit, cite, labels),
                    "consistent": _count(audit, cite, labels, CONSISTENT),
                    "qualified": _count(audit, cite, labels, QUALIFIER_ONLY),
                    "failed": _count(audit, cite, labels, INCONSISTENT),
                    "problems": [escape(labels.find("checks", r["check_id"], lang)
                                        or r["description"])
                                 for _, r in audit[audit["status"] != CONSISTENT].iterrows()],
                    "gap": None}
    if (audit.loc[audit["check_id"] == m.FINANCING_CHECK, "status"] == INCONSISTENT).any():
        ctx["audit"]["gap"] = _gap_spans(data.mix, cite)
    # --- targets (appendix)
    ctx["targets"] = []
    rows = data.comparisons[data.comparisons["indicator"].isin(m.HEADLINE_INDICATORS)]
    for _, r in rows.iterrows():
        ctx["targets"].append({
            "name": label(labels.get("indicators", r["indicator"], lang)),
            "base_year": r["base_year"], "target_year": r["target_year"],
            "kind": escape(labels.get("kinds", r["target_kind"], lang)),
            "is_plan": r["target_kind"] == "plan", "like_for_like": bool(r["like_for_like"]),
            "base": cite.fact(r["base_fact_id"]), "target": cite.fact(r["target_fact_id"]),
            **required_growth(r, cite)})
    ctx["attainment"] = [
        {"name": escape(labels.get("indicators", r["indicator"], lang)), "year": r["year"],
         "value": cite.derived(r["attainment_pct"], formula=word("attainment", cite),
                               inputs=[r["actual_fact_id"],
                                       *str(r["target_fact_id"]).split(";")],
                               fmt="{:.1f}", unit="percent")}
        for _, r in data.attainment.iterrows()]
    # --- attribution
    table = results.attribution().set_index("instrument")
    ranked = table.loc[[i for i in used if i in table.index]].sort_values("net_p50",
                                                                          ascending=False)
    ctx["net"] = band(head.loc["net_additional_investment"], every, "{:.0f}", "yi_yuan")
    ctx["sales_share"] = band(head.loc["sales_growth_share"], [*every, *m.SALES_PARAMETERS],
                              "{:.0f}", "percent", 100)
    ctx["per_yuan"] = band(head.loc["net_per_fiscal_yuan"], m.instrument_parameters(fiscal),
                           "{:.2f}")
    ctx["instruments"] = [
        {"name": escape(labels.get("instruments", name, lang)),
         **band({k: r[f"net_{k}"] for k in ("p5", "p50", "p95")},
                m.instrument_parameters([str(name)]), "{:.1f}", "yi_yuan")}
        for name, r in ranked.iterrows()]
    ctx["fiscal_names"] = [escape(labels.get("instruments", i, lang)) for i in fiscal]
    ctx["investment"] = cite.fact(m.find_fact(f, m.INVESTMENT_TARGET, y))
    # --- odds per scenario
    columns = m.target_facts(data)
    ctx["odds_columns"] = [
        {"year": year, "name": label(labels.get("indicators", indicator, lang)),
         "target": cite.fact(fact_id, qualifier=False)}
        for (indicator, year), fact_id in columns.items()]
    odds_table = {key: m.odds(results, *key) for key in columns}
    ctx["odds_rows"] = [
        {"name": scenario(sc.name),
         "cells": [model(float(odds_table[key][sc.name]), all_params, m.PERCENT)
                   for key in columns]}
        for sc in results.scenarios]
    ctx["scenarios"] = [
        {"name": scenario(sc.name),
         "description": escape(labels.entry("scenarios", sc.name).get(
             f"description_{lang}", sc.description)),
         "illustrative": "illustrative" in sc.description}
        for sc in results.scenarios]
    # --- policy
    cost = m.describe(sum(results.cost_2012[i] for i in fiscal), results.draws)
    ctx["fiscal_cost"] = model(cost["p50"], ["tax_relief_excess"], "{:.1f}", "yi_yuan")
    ctx["below_one"] = head.loc["net_per_fiscal_yuan"]["p95"] < 1
    change = (chances - chances[m.BASELINE]).drop(m.BASELINE)
    ctx["levers"] = None
    if not change.empty:
        up, down = str(change.idxmax()), str(change.idxmin())

        def points(name: str) -> str:
            return model(100 * float(change[name]), all_params, "{:+.0f}", "percentage_points")

        fiscal_only = [sc.name for sc in results.scenarios if sc.name != m.BASELINE
                       and sc.overrides and set(sc.overrides) <= set(m.FISCAL_LEVERS)]
        largest = str(change[fiscal_only].abs().idxmax()) if fiscal_only else None
        ctx["levers"] = {"up": scenario(up), "up_points": points(up), "down": scenario(down),
                         "down_points": points(down),
                         "fiscal_only": [scenario(n) for n in fiscal_only],
                         "fiscal_points": points(largest) if largest else None}
    tiers = m.odds(results, m.TOP_TIER, last).dropna()
    ctx["tier_spread"] = (model((100 * float(tiers.min()), 100 * float(tiers.max())),
                                all_params, "{:.0f}", "percent") if not tiers.empty else None)
    ctx["incomplete_reporting"] = bool((audit["status"] == INCONSISTENT).any())
    plans = sorted(data.comparisons.loc[data.comparisons["target_kind"] == "plan",
                                        "target_year"].unique())
    ctx["same_lists"] = bool(data.attainment.empty
                             or not data.comparisons["like_for_like"].all())
    ctx["plan_years"] = ", ".join(map(str, plans))
    # --- methods
    facts_file = project.display_path(project.current().facts_file)
    params_file = project.display_path(inputs.path)
    judged = [n for n, p in inputs.parameters.items() if p.judgement]
    ctx["n_facts"] = cite.derived(len(f), formula=word("facts", cite), inputs=[facts_file],
                                  fmt="{:d}")
    ctx["n_docs"] = cite.derived(len(f["source_id"].unique()), formula=word("documents", cite),
                                 inputs=[facts_file], fmt="{:d}")
    ctx["n_params"] = cite.derived(len(inputs.parameters), formula=word("parameters", cite),
                                   inputs=[params_file], fmt="{:d}")
    ctx["n_judged"] = cite.derived(len(judged), formula=word("judged", cite),
                                   inputs=[params_file], fmt="{:d}")
    top = data.sensitivity.table().head(m.TOP_SENSITIVITY)
    ctx["sensitive"] = [
        {"name": escape(labels.get("parameters", r["parameter"], lang)),
         "low": model(100 * r["at_p5"], [r["parameter"]], "{:.1f}", "percent"),
         "high": model(100 * r["at_p95"], [r["parameter"]], "{:.1f}", "percent")}
        for _, r in top.iterrows()]
    mc_se = results.probabilities()["mc_se"].max()
    ctx["mc_se"] = cite.derived(100 * float(mc_se), formula=word("mc_se", cite),
                                inputs=[word("mc_inputs", cite)], fmt="{:.1f}")
    # --- sources (appendix)
    used_sources = sorted(f["source_id"].unique())
    ctx["documents"] = [
        {"title_zh": escape(s.title_zh), "title_en": escape(s.title_en),
         "issuer": escape(s.issuer), "file": escape(s.file), "sha256": s.sha256}
        for s in (data.sources[i] for i in used_sources)]
    refs = sorted({(m.short_reference(p.reference), m.full_reference(p.reference))
                   for p in inputs.parameters.values()})
    ctx["references"] = [{"short": escape(a), "full": escape(b)} for a, b in refs]
    ctx["parameters_file"] = escape(params_file)
    return ctx


def _gap_spans(mix: pd.DataFrame, cite: Citations) -> dict[str, str]:
    """The direct-financing gap's spans (listed sum, stated total, gap, share)."""
    return findings.financing_gap_spans(mix, cite)
