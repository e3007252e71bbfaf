"""Report 01's findings: outcomes against targets as cited values for ``templates/targets``.

Each function returns the context of one template (``templates/targets/<lang>/<name>.html.j2``):
numbers are spans from a :class:`evaluation.reports.provenance.Citations` in the page's language
(the quote or formula on hover and in the notes), names are labels from the registry
(:mod:`evaluation.reports.labels`); the sentences are the templates'.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

import pandas as pd

from evaluation.analysis.comparisons import NOT_REPORTED
from evaluation.analysis.derivations import Derivation, find
from evaluation.errors import Problem, problem
from evaluation.reports.labels import LANGUAGES, Labels, default_labels
from evaluation.reports.prose import label
from evaluation.reports.provenance import Citations, Text
from evaluation.reports.vintages import status_note

PER_PROJECT = ("investment_per_project", "lifetime_investment_per_project")
"""Derivations of ``data/derivations.yaml``: investment per project in a year, lifetime."""
OUTCOME_KINDS = ("actual", "estimate")
FORMULAS: dict[str, dict[str, str]] = {
    "change": {"en": "target ÷ outcome − 1", "zh": "目标值 ÷ 实际值 − 1"},
    "implied_base": {"en": "implied by later figures", "zh": "由以后年度的数据推算"},
    "own_growth": {"en": "stated growth of the outcome year", "zh": "基期年份所述的增速"},
    "growth_gap": {"en": "|required annual growth − outcome year's own growth|",
                   "zh": "|所需年均增速 − 基期自身增速|"},
    "attainment": {"en": "outcome ÷ target", "zh": "实际值 ÷ 目标值"},
    "interval": {"en": " on the figures' intervals", "zh": "（按各数据书写精度的区间计算）"},
    "instrument_share": {"en": "100 × instrument ÷ stated total",
                         "zh": "100 × 该项融资 ÷ 所述总额"},
}


def _cagr_formula(years: int) -> Text:
    return {"en": f"(target ÷ outcome)^(1/{years}) − 1, over {years} years",
            "zh": f"（目标值 ÷ 实际值）^(1/{years}) − 1，共 {years} 年"}


def _words(text: Text, lang: str) -> str:
    return text if isinstance(text, str) else str(text[lang])


def _indicator(labels: Labels, indicator: str, lang: str) -> str:
    return label(labels.find("indicators", indicator, lang) or indicator)


def growth_context(comparisons: pd.DataFrame, cite: Citations, *, edition: str,
                   labels: Labels | None = None) -> dict[str, Any]:
    """One item per outcome-vs-target pair (change, required annual growth, comparability) and
    the targets above, below and equal to the outcome.

    Notes
    -----
    Required annual growth is compared with the base year's own stated growth where the
    document gives it, otherwise with no change (the base-year level).
    """
    labels = labels or default_labels()
    lang = cite.lang
    items = []
    for _, row in comparisons.iterrows():
        base_inputs = str(row["base_fact_id"]).split(";")
        inputs = [*base_inputs, row["target_fact_id"]]
        years = int(row["target_year"] - row["base_year"])
        derived = bool(row.get("base_derived", False))
        base = (cite.derived(row["base_value"], formula=FORMULAS["implied_base"],
                             inputs=base_inputs, fmt="{:g}", unit=row["unit"])
                if derived else cite.fact(row["base_fact_id"]))
        item: dict[str, Any] = {
            "name": _indicator(labels, str(row["indicator"]), lang),
            "base_year": int(row["base_year"]), "target_year": int(row["target_year"]),
            "implied": derived, "base": base,
            "kind": escape(labels.find("kinds", str(row["target_kind"]), lang)
                           or str(row["target_kind"])),
            "plan": row["target_kind"] == "plan",
            "target": cite.fact(row["target_fact_id"]),
            "change": cite.derived(row["change_pct"], formula=FORMULAS["change"],
                                   inputs=inputs, fmt="{:+.1f}", unit="percent"),
            "cagr": cite.derived(row["required_cagr_pct"], formula=_cagr_formula(years),
                                 inputs=inputs, fmt="{:+.1f}", unit="percent"),
            # sizes without sign, for prose that says which way (增长 / 下降)
            "change_size": cite.derived(abs(row["change_pct"]), formula=FORMULAS["change"],
                                        inputs=inputs, fmt="{:.1f}", unit="percent"),
            "cagr_size": cite.derived(abs(row["required_cagr_pct"]),
                                      formula=_cagr_formula(years), inputs=inputs,
                                      fmt="{:.1f}", unit="percent"),
            "years": years,
            "direction": ("up" if row["required_cagr_pct"] > 0 else
                          "down" if row["required_cagr_pct"] < 0 else "flat"),
            "own": None, "like_for_like": bool(row["like_for_like"]),
            "scope": str(row["scope"] or ""), "scopes": None, "unstated": [],
            # the document's own note on the figure (English, in data/facts.csv): quoted words
            "note": label(str(row["target_note"])) if lang == "en" and row["target_note"]
            else "",
        }
        own = row["base_own_growth_pct"]
        if not math.isnan(own):
            growth_inputs = str(row["fact_ids"]).split(";")
            item["own"] = {
                "value": cite.derived(own, formula=FORMULAS["own_growth"], inputs=growth_inputs,
                                      fmt="{:+.1f}", unit="percent"),
                "gap": cite.derived(abs(row["required_minus_own_growth_pp"]),
                                    formula=FORMULAS["growth_gap"], inputs=growth_inputs,
                                    fmt="{:.1f}", unit="percentage_points"),
                "above": bool(row["required_minus_own_growth_pp"] > 0)}
        base_scope, target_scope = row["base_scope_fact_id"], row["target_scope_fact_id"]
        if base_scope and target_scope:
            item["scopes"] = {"base": cite.fact(base_scope, unit=False),
                              "target": cite.fact(target_scope, unit=False)}
        item["unstated"] = [int(year) for fact_id, year in
                            ((base_scope, row["base_year"]), (target_scope, row["target_year"]))
                            if row["scope"] and not fact_id]
        items.append(item)

    def names(mask: pd.Series) -> list[str]:
        return [f"{_indicator(labels, str(r['indicator']), lang)} {int(r['target_year'])}"
                for _, r in comparisons[mask].iterrows()]

    return {"edition": escape(edition), "items": items,
            "above": names(comparisons["change_abs"] > 0),
            "below": names(comparisons["change_abs"] < 0),
            "equal": names(comparisons["change_abs"] == 0)}


def derivation_label_problems(derivations: Sequence[Derivation], labels: Labels
                              ) -> list[Problem]:
    """Derivations of ``data/derivations.yaml`` the registry cannot name in every language
    (section ``derivations``; ``zh_<kind>``/``en_<kind>`` where the name depends on the kind):
    ``evaluation check`` reports them, so no page falls back to another language."""
    found = []
    for d in derivations:
        entry = labels.entry("derivations", d.id)
        kinds = [d.result["kind"]] if d.result and "kind" in d.result else list(d.kinds)
        for lang in LANGUAGES:
            missing = [k for k in kinds if not (entry.get(f"{lang}_{k}") or entry.get(lang))]
            if missing:
                found.append(problem(
                    labels.path, f"section 'derivations', id {d.id!r}",
                    f"no {lang!r} label (kinds {', '.join(missing)})",
                    "an entry {zh: ..., en: ...} for each derivation of data/derivations.yaml"))
    return found


def _derived_label(row: pd.Series, lang: str, labels: Labels) -> str:
    """An implied value's name: the registry's (section ``derivations``, by kind where it
    depends on it) in ``lang``; ``evaluation check`` refuses a derivation without one."""
    entry = labels.entry("derivations", str(row["derivation"]))
    text = entry.get(f"{lang}_{row['kind']}") or entry[lang]
    return str(text).format(year=row["year"], period=row["period"])


def _derived_formula(row: pd.Series, labels: Labels) -> dict[str, str]:
    zh = labels.entry("derivations", str(row["derivation"])).get("formula_zh")
    return {"en": str(row["formula"]), "zh": str(zh or row["formula"])}


def implied_context(implied: pd.DataFrame, cite: Citations,
                    labels: Labels | None = None) -> dict[str, Any]:
    """Every implied (derived) value with its formula, and its interval where the figures'
    written precision leaves one."""
    labels = labels or default_labels()
    items = []
    for _, row in implied.iterrows():
        inputs = str(row["fact_ids"]).split(";")
        fmt = "{:g}" if row["unit"] == "count" else "{:.2f}"
        formula = _derived_formula(row, labels)
        value = cite.derived(row["value"], formula=formula, inputs=inputs, fmt=fmt,
                             unit=row["unit"])
        exact = fmt.format(row["low"]) == fmt.format(row["high"])
        interval = "" if exact else cite.derived(
            (row["low"], row["high"]),
            formula={lang: formula[lang] + _words(FORMULAS["interval"], lang)
                     for lang in ("en", "zh")},
            inputs=inputs, fmt=fmt, unit=row["unit"])
        items.append({"label": label(_derived_label(row, cite.lang, labels)), "value": value,
                      "interval": interval})
    return {"items": items}


def conclusions_context(comparisons: pd.DataFrame, implied: pd.DataFrame, tiers: pd.DataFrame,
                        attainment: pd.DataFrame, cite: Citations,
                        labels: Labels | None = None) -> dict[str, Any]:
    """What the comparison can and cannot support: investment per project, plans that are not
    cuts, tiers not reported, firm counts not stated, attainment."""
    labels = labels or default_labels()
    lang = cite.lang

    def one(derivation: str, year: int, kinds: tuple[str, ...], period: str = "year"
            ) -> pd.Series | None:
        found = find(implied, derivation, year=year, period=period)
        found = found[found["kind"].isin(kinds)]
        return None if found.empty else found.iloc[0]

    def derived(row: pd.Series) -> str:
        return cite.derived(row["value"], formula=_derived_formula(row, labels),
                            inputs=str(row["fact_ids"]).split(";"), fmt="{:.2f}",
                            unit=row["unit"])

    context: dict[str, Any] = {"per_project": None, "plans": [], "tiers_unknown": [],
                               "firms_unstated": [], "attainment": []}
    investment = comparisons[comparisons["indicator"] == "project_investment"]
    if not investment.empty:
        base_year = int(investment["base_year"].iloc[0])
        base = one(PER_PROJECT[0], base_year, OUTCOME_KINDS)
        if base is not None:
            context["per_project"] = {
                "base_year": base_year, "base": derived(base),
                "targets": [{"year": int(r["target_year"]),
                             "kind": escape(labels.get("kinds", str(r["target_kind"]), lang)),
                             "value": derived(per)}
                            for _, r in investment.iterrows()
                            if (per := one(PER_PROJECT[0], int(r["target_year"]),
                                           (str(r["target_kind"]),))) is not None]}
        for _, r in investment[investment["target_kind"] == "plan"].iterrows():
            lifetime = one(PER_PROJECT[1], int(r["target_year"]), ("plan",), "lifetime")
            plan: dict[str, Any] = {
                "year": int(r["target_year"]), "base_year": int(r["base_year"]),
                "target": cite.fact(r["target_fact_id"]), "base": cite.fact(r["base_fact_id"]),
                "projects": (cite.fact(r["target_scope_fact_id"], unit=False)
                             if r["target_scope_fact_id"] else ""),
                "lifetime": None}
            if lifetime is not None:
                total_id = str(lifetime["fact_ids"]).split(";")[0]
                plan["lifetime"] = {"total": cite.fact(total_id), "per": derived(lifetime)}
            context["plans"].append(plan)
    tier_name = "tier_label" if lang == "zh" else "tier_label_en"
    unknown = tiers[tiers["status"] == NOT_REPORTED]
    for year, group in unknown.groupby("year"):
        targets = tiers[tiers["tier"].isin(group["tier"]) & (tiers["year"] != year)
                        & (tiers["status"] != NOT_REPORTED)]
        context["tiers_unknown"].append({
            "year": int(year),
            "tiers": [label(str(t)) for t in group[tier_name]],
            "targets": [{"year": int(r["year"]), "tier": label(str(r[tier_name])),
                         "value": cite.fact(r["fact_id"])} for _, r in targets.iterrows()]})
    unstated = comparisons[comparisons["scope"].eq("firms")
                           & comparisons["target_scope_fact_id"].eq("")]
    context["firms_unstated"] = sorted(int(y) for y in unstated["target_year"].unique())
    for _, r in attainment.iterrows():
        inputs = [*str(r["actual_fact_id"]).split(";"), *str(r["target_fact_id"]).split(";")]
        context["attainment"].append({
            "name": _indicator(labels, str(r["indicator"]), lang), "year": int(r["year"]),
            "value": cite.derived(r["attainment_pct"], formula=FORMULAS["attainment"],
                                  inputs=inputs, fmt="{:.1f}", unit="percent"),
            "caveats": escape(str(r.get("caveats") or "")) if lang == "en" else "",
            "note": status_note(str(r["actual_status"]), str(r["actual_period"]), lang,
                                labels)})
    return context


def base_year_context(gaps: pd.DataFrame, *, base_year: int, comparisons: pd.DataFrame,
                      labels: Labels | None = None, lang: str = "en") -> dict[str, Any]:
    """What the documents support for the base year: outcomes only implied by later figures,
    and indicators no document states (nor implies) for it, by category."""
    labels = labels or default_labels()
    implied = comparisons[comparisons.get("base_derived", False) == True]  # noqa: E712
    groups = []
    for category, group in gaps.groupby("category", sort=False):
        groups.append({
            "category": escape(labels.find("text", f"category_{category}", lang)
                               or str(category)),
            "indicators": [{"name": _indicator(labels, str(r.indicator), lang),
                       "years": label(str(r.stated_years))} for r in group.itertuples()]})
    return {"base_year": base_year,
            "implied": sorted({_indicator(labels, str(i), lang) for i in implied["indicator"]}),
            "gaps": groups,
            "model_inputs": bool({"financing", "fiscal"} & set(gaps.get("category", [])))}


def financing_gap_spans(mix: pd.DataFrame, cite: Citations) -> dict[str, str]:
    """Cited spans for the listed instruments' sum, the gap to the stated total and its share.

    Notes
    -----
    ``not itemised = stated total - Σ listed instruments``; share ``= 100 × gap / total``.
    """
    parts = mix[~mix["derived"]]
    residual = mix[mix["derived"]].iloc[0]
    inputs = residual["fact_id"].split(";")
    return {
        "total": cite.fact(inputs[0]),
        "listed": cite.derived(float(parts["value"].sum()),
                               formula={"en": "sum of the listed instruments",
                                        "zh": "所列各项融资方式之和"}, inputs=inputs[1:],
                               fmt="{:.2f}", unit="yi_yuan"),
        "gap": cite.derived(float(residual["value"]),
                            formula={"en": "stated total − sum of the listed instruments",
                                     "zh": "所述总额 − 所列各项之和"},
                            inputs=inputs, fmt="{:.2f}", unit="yi_yuan"),
        "share": cite.derived(float(residual["share_of_stated_total_pct"]),
                              formula={"en": "100 × not itemised ÷ stated total",
                                       "zh": "100 × 未列明部分 ÷ 所述总额"}, inputs=inputs,
                              fmt="{:.1f}", unit="percent"),
    }


def financing_context(mix: pd.DataFrame, cite: Citations,
                      labels: Labels | None = None) -> dict[str, Any]:
    """The financing mix: the listed instruments' sum against the stated total, the part no
    instrument explains, and the three largest instruments with their shares."""
    if mix.empty:
        return {"empty": True}
    parts = mix[~mix["derived"]]
    total_id = mix[mix["derived"]].iloc[0]["fact_id"].split(";")[0]
    name = "name_zh" if cite.lang == "zh" else "name_en"
    return {"empty": False, **financing_gap_spans(mix, cite), "largest": [
        {"name": label(str(r[name])), "value": cite.fact(r["fact_id"]),
         "share": cite.derived(r["share_of_stated_total_pct"],
                               formula=FORMULAS["instrument_share"],
                               inputs=[r["fact_id"], total_id], fmt="{:.1f}", unit="percent")}
        for _, r in parts.head(3).iterrows()]}
