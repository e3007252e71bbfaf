"""The memo's computed values, each a cited span, for the templates to word.

:func:`memo_context` returns everything ``templates/memo/<lang>/memo.html.j2`` needs: numbers as
:class:`~evaluation.reports.provenance.Citations` spans in the page's language, labels from the
registry, and flags that choose between wordings (``credit_carried``, ``attained`` ...). No
sentence is built here: the templates word the findings, one per language.
"""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd

from evaluation.analysis.audit import CONSISTENT, INCONSISTENT, QUALIFIER_ONLY
from evaluation.model.scenarios import default_scenarios
from evaluation.reports import memo as m
from evaluation.reports.labels import Labels
from evaluation.reports.narrative import targets as findings
from evaluation.reports.prose import label
from evaluation.reports.provenance import Citations

# The base year's outcomes the memo's lede states (key in the template -> indicator).
LEDE_OUTCOMES = {"projects": "projects", "investment": "project_investment", "firms": "firms",
                 "sales": "sales_revenue", "growth": "sales_growth"}
FORMULAS = {
    "change": findings.FORMULAS["change"],  # worded once, with report 01's findings
    "cagr": {"en": "(target ÷ outcome)^(1/{n}) − 1, over {n} years",
             "zh": "（目标值 ÷ 实际值）^(1/{n}) − 1，共 {n} 年"},
    "attainment": findings.FORMULAS["attainment"],
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


def financing_gap_failed(mix: pd.DataFrame, audit: pd.DataFrame) -> bool:
    """Whether the audit finds the base year's direct-financing instruments inconsistent with its
    stated total: a ``parts_sum`` check over the very total of ``mix`` (the base year's financing
    mix) fails. A check on another year's figures says nothing about this one."""
    if mix.empty:
        return False
    total = str(mix.loc[mix["derived"].astype(bool), "fact_id"].iloc[0]).split(";")[0]
    rows = audit[(audit["type"] == "parts_sum")
                 & audit["fact_ids"].str.split(";").map(lambda ids: total in ids)]
    return bool((rows["status"] == INCONSISTENT).any())


def interval_level(cite: Citations) -> str:
    """The intervals' coverage (90%) as a derived span."""
    from evaluation.model.simulate import INTERVAL_LEVEL

    return cite.derived(100 * INTERVAL_LEVEL, formula=word("level", cite),
                        inputs=[word("quantiles", cite)], fmt="{:.0f}", unit="percent")


def memo_context(data: m.MemoData, cite: Citations, labels: Labels, *, draws: int,
                 seed: int, date: str, model: dict[str, Any], title: str
                 ) -> dict[str, Any]:
    """Every value the memo template words, in ``cite.lang``.

    ``model`` holds the effects model's values (``computable``; when true, the spans of
    :func:`evaluation.reports.narrative.model.model_context` plus ``odds`` and ``changes``),
    worded by ``templates/model/<lang>/_findings.j2``.
    """
    lang = cite.lang
    f, y = data.facts, data.base_year
    first = min(data.target_years)
    ctx: dict[str, Any] = {"lang": lang, "edition": escape(data.edition), "date": date,
                           "issuer": escape(labels.text("issuer", lang)),
                           "title": escape(title),
                           "site": escape(labels.text("site_title", lang)),
                           "draws": f"{draws:,}", "seed": str(seed), "y": y, "first": first,
                           "model": model}
    rows = data.comparisons[(data.comparisons["indicator"] == m.INVESTMENT_TARGET)
                            & (data.comparisons["target_year"] == first)]
    stated = {}
    for key, indicator in LEDE_OUTCOMES.items():
        found = data.context.resolve_or_none(indicator=indicator, year=y, kind="actual", scope="")
        if found is not None:
            stated[key] = {"name": label(labels.get("indicators", indicator, lang)),
                           "value": cite.fact(str(found["fact_id"]))}
    # the lede in full when every outcome is stated; otherwise the ones stated, by name
    ctx["outcome"] = ({k: v["value"] for k, v in stated.items()}
                      if len(stated) == len(LEDE_OUTCOMES) and not rows.empty else None)
    ctx["stated"] = list(stated.values())
    ctx["target"] = None if rows.empty else cite.fact(rows.iloc[0]["target_fact_id"])
    ctx["required"] = None if rows.empty else required_growth(rows.iloc[0], cite)
    ctx["attained"] = not data.attainment.empty
    audit = data.audit
    ctx["audit"] = {"all": _count(audit, cite, labels),
                    "consistent": _count(audit, cite, labels, CONSISTENT),
                    "qualified": _count(audit, cite, labels, QUALIFIER_ONLY),
                    "failed": _count(audit, cite, labels, INCONSISTENT),
                    "problems": [label(labels.find("checks", r["check_id"], lang)
                                       or r["description"])
                                 for _, r in audit[audit["status"] != CONSISTENT].iterrows()],
                    "gap": None}
    if financing_gap_failed(data.mix, audit):
        ctx["audit"]["gap"] = findings.financing_gap_spans(data.mix, cite)
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
        {"name": label(labels.get("indicators", r["indicator"], lang)), "year": r["year"],
         "value": cite.derived(r["attainment_pct"], formula=word("attainment", cite),
                               inputs=[r["actual_fact_id"],
                                       *str(r["target_fact_id"]).split(";")],
                               fmt="{:.1f}", unit="percent")}
        for _, r in data.attainment.iterrows()]
    ctx["scenarios"] = [
        {"name": escape(labels.find("scenarios", sc.name, lang) or sc.name),
         "description": escape(labels.entry("scenarios", sc.name).get(
             f"description_{lang}", sc.description)),
         "illustrative": "illustrative" in sc.description}
        for sc in (data.results.scenarios if data.results is not None
                   else [default_scenarios()[n] for n in data.scenario_names])]
    ctx["incomplete_reporting"] = bool((audit["status"] == INCONSISTENT).any())
    plans = sorted(data.comparisons.loc[data.comparisons["target_kind"] == "plan",
                                        "target_year"].unique())
    ctx["same_lists"] = bool(data.attainment.empty
                             or not data.comparisons["like_for_like"].all())
    ctx["plan_years"] = ", ".join(map(str, plans))
    facts_file = data.context.project.display_path(data.context.project.facts_file)
    params_file = data.context.project.display_path(data.inputs.path)
    judged = [n for n, p in data.inputs.parameters.items() if p.judgement]
    ctx["n_facts"] = cite.derived(len(f), formula=word("facts", cite), inputs=[facts_file],
                                  fmt="{:d}")
    ctx["n_docs"] = cite.derived(len(f["source_id"].unique()), formula=word("documents", cite),
                                 inputs=[facts_file], fmt="{:d}")
    ctx["n_params"] = cite.derived(len(data.inputs.parameters), formula=word("parameters", cite),
                                   inputs=[params_file], fmt="{:d}")
    ctx["n_judged"] = cite.derived(len(judged), formula=word("judged", cite),
                                   inputs=[params_file], fmt="{:d}")
    ctx["documents"] = [
        {"title_zh": escape(s.title_zh), "title_en": escape(s.title_en),
         "issuer": escape(s.issuer_in(lang)), "file": escape(s.file), "sha256": s.sha256}
        for s in (data.sources[i] for i in sorted(f["source_id"].unique()))]
    # the references that support values; the plans that only inform judgements are listed
    # with the documents
    refs = sorted({m.full_reference(p.reference) for p in data.inputs.parameters.values()
                   if not p.informed})
    ctx["references"] = [{"full": escape(r)} for r in refs]
    return ctx

