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
from evaluation.reports.narrative import evidence
from evaluation.reports.narrative import targets as findings
from evaluation.reports.prose import label
from evaluation.reports.provenance import Citations
from evaluation.reports.vintages import status_note

# The base year's outcomes the memo's lede states (key in the template -> indicator).
LEDE_OUTCOMES = {"projects": "projects", "investment": "project_investment", "firms": "firms",
                 "sales": "sales_revenue", "growth": "sales_growth"}
# Said of the base year when the documents state it (the lede adds it where found).
LEDE_EXTRAS = {"share": "investment_share_general_industrial"}
TARGET_KINDS = ("target", "plan")
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
    "facts_table": {"en": "the table of every figure the documents state, each with its quote",
                    "zh": "文件所载全部数据的整理表（每个数据附原文）"},
    "parameters_table": {"en": "the effects model's parameters, each with its reference",
                         "zh": "效应模型参数表（每个参数附文献依据）"},
    "documents": {"en": "documents the facts quote", "zh": "事实数据引用的文件数"},
    "parameters": {"en": "behavioural parameters of the effects model",
                   "zh": "效应模型的行为参数个数"},
    "judged": {"en": "parameters set by judgement", "zh": "由评估组经验设定的参数个数"},
    "mc_se": {"en": "largest Monte Carlo standard error, √(p(1 − p) ÷ draws)",
              "zh": "最大蒙特卡洛标准误，√(p(1 − p) ÷ 抽样次数)"},
    "mc_inputs": {"en": "Monte Carlo probabilities and the number of draws",
                  "zh": "蒙特卡洛概率与抽样次数"},
}


def documents_by_type(data: Any, cite: Citations, labels: Labels, facts_file: str) -> str:
    """The documents the facts quote, counted by type in ``cite``'s language: 2份实施方案、1份
    新闻发布 / 2 implementation plans and 1 news release (from the registry's ``doc_type``)."""
    from evaluation.data.sources import DOC_TYPES

    quoted = [data.sources[sid] for sid in data.facts["source_id"].unique() if sid in data.sources]
    parts = []
    for doc_type in DOC_TYPES:
        n = sum(s.doc_type == doc_type for s in quoted)
        if not n:
            continue
        count = cite.derived(n, formula=word("documents", cite), inputs=[facts_file], fmt="{:d}")
        name = escape(labels.get("doc_types", doc_type, cite.lang))
        parts.append(f"{count}份{name}" if cite.lang == "zh" else
                     f"{count} {name}{'s' if n > 1 else ''}")
    if cite.lang == "zh":
        return "、".join(parts)
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else ""


def word(key: str, cite: Citations, **values: Any) -> str:
    """A formula or input description of :data:`FORMULAS` in ``cite``'s language."""
    return FORMULAS[key][cite.lang].format(**values)


def required_growth(row: pd.Series, cite: Citations) -> dict[str, str | bool | None]:
    """Change in all and, over more than one year, required growth a year, as spans: signed
    (``change``, ``cagr``, for tables) and as sizes with their direction (``change_size``,
    ``cagr_size``, ``rises``, ``cagr_rises``) for prose that says 增长 or 下降."""
    inputs = [row["base_fact_id"], row["target_fact_id"]]
    n = int(row["target_year"]) - int(row["base_year"])

    def span(value: float, formula: str, fmt: str) -> str:
        return cite.derived(value, formula=formula, inputs=inputs, fmt=fmt, unit="percent")

    change, cagr = float(row["change_pct"]), float(row["required_cagr_pct"])
    several = n > 1
    return {"change": span(change, word("change", cite), "{:+.1f}"),
            "change_size": span(abs(change), word("change", cite), "{:.1f}"),
            "rises": change >= 0,
            "cagr": span(cagr, word("cagr", cite, n=n), "{:+.1f}") if several else None,
            "cagr_size": span(abs(cagr), word("cagr", cite, n=n), "{:.1f}") if several else None,
            "cagr_rises": cagr >= 0, "years": str(n)}


def attainment_claim(data: m.MemoData, cite: Citations, labels: Labels) -> dict[str, str] | None:
    """The documents' own verdict on the base year (e.g. 圆满完成了全年任务), quoted with its
    source: the first phrase of the registry's ``claims`` section found in a document that
    states the base year's outcomes; ``None`` when none says so."""
    base = data.facts[(data.facts["year"] == data.base_year) & (data.facts["kind"] == "actual")]
    for source_id in dict.fromkeys(base["source_id"]):
        text = data.sources[source_id].text()
        for key, entry in labels.entries.get("claims", {}).items():
            if entry["zh"] in text:
                return {"quote": cite.quote(source_id, entry["zh"]),
                        "words": escape(labels.get("claims", key, cite.lang)),
                        "title": escape(data.sources[source_id].title_zh)}
    return None


def actions(flags: dict[str, bool], labels: Labels, lang: str) -> list[dict[str, str]]:
    """What to do next and who leads it (registry section ``actions``), the ones whose
    ``when`` flag holds (``always`` or a flag of :func:`memo_context`)."""
    return [{"action": escape(entry[lang]), "lead": escape(entry[f"lead_{lang}"])}
            for entry in labels.entries.get("actions", {}).values()
            if entry.get("when", "always") == "always" or flags.get(entry["when"], False)]


def _count(audit: pd.DataFrame, cite: Citations, labels: Labels,
           status: str | None = None) -> str:
    n = len(audit) if status is None else int((audit["status"] == status).sum())
    formula = (word("checks", cite) if status is None else
               word("checks_with", cite, status=labels.get("statuses", status, cite.lang)))
    return cite.derived(n, formula=formula, inputs=[word("audit_input", cite)], fmt="{:d}")


def written_date(date: str, lang: str) -> str:
    """An ISO date as a reader writes it (``2026年12月7日``, ``7 December 2026``); any other
    text as it is."""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(date[:10])
    except ValueError:
        return date
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"


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
    ctx: dict[str, Any] = {"lang": lang, "edition": escape(data.edition),
                           "date": escape(written_date(date, lang)),
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
    for key, indicator in LEDE_EXTRAS.items():
        found = data.context.resolve_or_none(indicator=indicator, year=y, kind="actual", scope="")
        if ctx["outcome"] is not None and found is not None:
            ctx["outcome"][key] = cite.fact(str(found["fact_id"]))
    ctx["base_targets"] = bool(((f["year"] == y) & f["kind"].isin(TARGET_KINDS)).any())
    ctx["claim"] = attainment_claim(data, cite, labels)
    ctx["stated"] = list(stated.values())
    ctx["target"] = None if rows.empty else cite.fact(rows.iloc[0]["target_fact_id"])
    ctx["required"] = None if rows.empty else required_growth(rows.iloc[0], cite)
    ctx["attained"] = not data.attainment.empty
    audit = data.audit
    ctx["audit"] = {"all": _count(audit, cite, labels),
                    "consistent": _count(audit, cite, labels, CONSISTENT),
                    "qualified": _count(audit, cite, labels, QUALIFIER_ONLY),
                    "failed": _count(audit, cite, labels, INCONSISTENT),
                    "n_failed": int((audit["status"] == INCONSISTENT).sum()),
                    "n_qualified": int((audit["status"] == QUALIFIER_ONLY).sum()),
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
                               inputs=[*str(r["actual_fact_id"]).split(";"),
                                       *str(r["target_fact_id"]).split(";")],
                               fmt="{:.1f}", unit="percent"),
         "note": status_note(str(r["actual_status"]), str(r["actual_period"]), lang, labels)}
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
    ctx["actions"] = actions({"same_lists": ctx["same_lists"],
                              "incomplete_reporting": ctx["incomplete_reporting"],
                              "model": bool(model.get("computable"))}, labels, lang)
    # the empirical evidence's sentence, beside the illustrative attribution (#24)
    ctx["evidence"] = evidence.memo_sentence(data.evidence, first_action=data.evidence_action,
                                             cite=cite, labels=labels)
    facts_file = word("facts_table", cite)
    params_file = word("parameters_table", cite)
    judged = [n for n, p in data.inputs.parameters.items() if p.judgement]
    ctx["n_facts"] = cite.derived(len(f), formula=word("facts", cite), inputs=[facts_file],
                                  fmt="{:d}")
    ctx["n_docs"] = cite.derived(len(f["source_id"].unique()), formula=word("documents", cite),
                                 inputs=[facts_file], fmt="{:d}")
    ctx["docs_by_type"] = documents_by_type(data, cite, labels, facts_file)
    ctx["n_params"] = cite.derived(len(data.inputs.parameters), formula=word("parameters", cite),
                                   inputs=[params_file], fmt="{:d}")
    ctx["n_judged"] = cite.derived(len(judged), formula=word("judged", cite),
                                   inputs=[params_file], fmt="{:d}")
    cited = sorted(f["source_id"].unique())
    if data.evidence is not None:  # the statistics table the evidence is computed from
        cited.append(data.evidence.source.id)
    ctx["documents"] = [
        {"title_zh": escape(s.title_zh), "title_en": escape(s.title_en),
         "issuer": escape(s.issuer_in(lang)), "published": escape(str(s.published))}
        for s in (data.sources[i] for i in dict.fromkeys(cited))]
    # the references that support values; the plans that only inform judgements are listed
    # with the documents
    refs = sorted({m.full_reference(p.reference, data.sources, lang)
                   for p in data.inputs.parameters.values() if not p.informed})
    ctx["references"] = [{"full": escape(r)} for r in refs]
    return ctx

