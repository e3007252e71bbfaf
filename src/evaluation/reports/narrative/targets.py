"""Findings in words, built from the targets and audit results, every number with provenance.

Each function returns Markdown whose numbers are spans from a
:class:`evaluation.reports.provenance.Citations` (the quote or the formula shows on hover and in the
footnotes).
"""

from __future__ import annotations

import math

import pandas as pd

from evaluation.analysis.audit import CONSISTENT, INCONSISTENT, QUALIFIER_ONLY, STATUSES
from evaluation.analysis.comparisons import NOT_REPORTED
from evaluation.reports.escape import markdown as md
from evaluation.reports.escape import markdown_code as md_code
from evaluation.reports.provenance import Citations

GAP_UNITS = {"percentage_points": "pp", "yi_yuan": "yi_yuan", "count": "count",
             "percent": "percent"}
PER_PROJECT = ("investment_per_project_{year}", "lifetime_investment_per_project_{year}")


def comparison_findings(comparisons: pd.DataFrame, cite: Citations) -> str:
    """One bullet per outcome-vs-target pair: change, required annual growth, comparability.

    Notes
    -----
    Required annual growth is compared with the base year's own stated growth where the document
    gives it, otherwise with no change (the base-year level).
    """
    lines = []
    for _, row in comparisons.iterrows():
        base_inputs = str(row["base_fact_id"]).split(";")
        inputs = [*base_inputs, row["target_fact_id"]]
        n = row["target_year"] - row["base_year"]
        change = cite.derived(row["change_pct"],
                              formula={"en": "target ÷ outcome − 1", "zh": "目标值 ÷ 实际值 − 1"},
                              inputs=inputs, fmt="{:+.1f}", unit="percent")
        cagr = cite.derived(row["required_cagr_pct"],
                            formula={"en": f"(target ÷ outcome)^(1/{n}) − 1, over {n} years",
                                     "zh": f"（目标值 ÷ 实际值）^(1/{n}) − 1，共 {n} 年"},
                            inputs=inputs, fmt="{:+.1f}", unit="percent")
        if row.get("base_derived", False):
            base = cite.derived(row["base_value"], formula="implied by later figures",
                                inputs=base_inputs, fmt="{:g}", unit=row["unit"])
            outcome = "outcome (implied)"
        else:
            base, outcome = cite.fact(row["base_fact_id"]), "outcome"
        text = (f"- **{md(row['name_en'])}** ({md(row['name_zh'])}): {row['base_year']} "
                f"{outcome} {base} → {row['target_year']} {md(row['target_kind'])} "
                f"{cite.fact(row['target_fact_id'])}: {change} in all, {cagr} a year; ")
        own = row["base_own_growth_pct"]
        if not math.isnan(own):
            growth_inputs = row["fact_ids"].split(";")
            own_text = cite.derived(own, formula="stated growth of the outcome year",
                                    inputs=growth_inputs, fmt="{:+.1f}", unit="percent")
            gap = cite.derived(abs(row["required_minus_own_growth_pp"]),
                               formula="|required annual growth - outcome year's own growth|",
                               inputs=growth_inputs, fmt="{:.1f}", unit="")
            side = "above" if row["required_minus_own_growth_pp"] > 0 else "below"
            text += f"{side} the outcome year's own growth of {own_text} by {gap} points. "
        else:
            side = ("growth above" if row["required_cagr_pct"] > 0 else
                    "a fall below" if row["required_cagr_pct"] < 0 else "no change from")
            text += f"{side} the {row['base_year']} level (its own growth is not reported). "
        text += comparability(row, cite)
        lines.append(text)
    return "\n".join(lines)


def comparability(row: pd.Series, cite: Citations) -> str:
    """``Like for like.`` or what differs between the two sides, with cited scope counts."""
    if row["like_for_like"]:
        return "Like for like."
    reasons = []
    if row["target_kind"] == "plan":
        reasons.append(f"the {row['target_year']} figure is a plan, not an outcome target")
    base_scope, target_scope = row["base_scope_fact_id"], row["target_scope_fact_id"]
    if base_scope and target_scope:
        reasons.append(f"different lists of {md(row['scope'])} ({cite.fact(base_scope)} in "
                       f"{row['base_year']}, {cite.fact(target_scope)} in {row['target_year']})")
    for fact_id, year in ((base_scope, row["base_year"]), (target_scope, row["target_year"])):
        if row["scope"] and not fact_id:
            reasons.append(f"the number of {md(row['scope'])} is not stated for {year}")
    text = "Not like for like: " + "; ".join(reasons) + "."
    if row["target_note"]:
        text += f" Note on the {row['target_year']} figure: {md(row['target_note'])}"
    return text


def direction_summary(comparisons: pd.DataFrame) -> str:
    """Which targets imply growth above, below or equal to the base-year level."""
    groups = {"above the outcome": comparisons["change_abs"] > 0,
              "below the outcome": comparisons["change_abs"] < 0,
              "equal to the outcome": comparisons["change_abs"] == 0}
    parts = []
    for label, mask in groups.items():
        names = [f"{md(r['name_en'])} {r['target_year']}"
                 for _, r in comparisons[mask].iterrows()]
        parts.append(f"- Targets or plans {label}: {', '.join(names) if names else 'none'}.")
    return "\n".join(parts)


def conclusions(comparisons: pd.DataFrame, implied: pd.DataFrame, tiers: pd.DataFrame,
                attainment: pd.DataFrame, cite: Citations) -> str:
    """What the comparison can and cannot support, in words built from the tables."""
    lines = []
    by_id = implied.set_index("derived_id")

    def derived(derived_id: str) -> str:
        row = by_id.loc[derived_id]
        return cite.derived(row["value"], formula=row["formula"],
                            inputs=row["fact_ids"].split(";"), fmt="{:.2f}", unit=row["unit"])

    investment = comparisons[comparisons["indicator"] == "project_investment"]
    if not investment.empty:
        per = [f"{r['target_year']} {r['target_kind']} {derived(per_id)}"
               for _, r in investment.iterrows()
               if (per_id := PER_PROJECT[0].format(year=r["target_year"])) in by_id.index]
        base_year = investment["base_year"].iloc[0]
        base_id = PER_PROJECT[0].format(year=base_year)
        if base_id in by_id.index:
            lines.append(f"- **Investment per project**: {base_year} outcome {derived(base_id)}; "
                         + "; ".join(per) + ". Dividing by the number of projects removes the "
                         "difference in list size, not the differences in definition.")
        for _, r in investment[investment["target_kind"] == "plan"].iterrows():
            lifetime = PER_PROJECT[1].format(year=r["target_year"])
            scope = (f" on {cite.fact(r['target_scope_fact_id'])} projects"
                     if r["target_scope_fact_id"] else "")
            extra = ""
            if lifetime in by_id.index:
                total_id = by_id.loc[lifetime, "fact_ids"].split(";")[0]
                extra = (f" whose lifetime total is {cite.fact(total_id)} "
                         f"({derived(lifetime)} per project)")
            lines.append(
                f"- **The {r['target_year']} plan does not show a planned cut**: "
                f"{cite.fact(r['target_fact_id'])} is spending planned within the year{scope}"
                f"{extra}, while {cite.fact(r['base_fact_id'])} is spending completed in "
                f"{r['base_year']} on another list. The difference mixes a change of list with a "
                "change of definition, so it cannot be read as a fall in investment.")
    unknown = tiers[tiers["status"] == NOT_REPORTED]
    for year, group in unknown.groupby("year"):
        labels = ", ".join(md(label) for label in group["tier_label"])
        targets = tiers[tiers["tier"].isin(group["tier"]) & (tiers["year"] != year)
                        & (tiers["status"] != NOT_REPORTED)]
        cited = "; ".join(f"{r['year']} {md(r['tier_label'])}: {cite.fact(r['fact_id'])}"
                          for _, r in targets.iterrows())
        lines.append(f"- **Firm tiers {labels} in {year} are not reported**: the targets for "
                     f"them ({cited}) cannot be set against a {year} level, and the count of "
                     "firms below the top tiers is unknown, not zero.")
    unstated = comparisons[comparisons["caveats"].str.contains("firms not stated")]
    if not unstated.empty:
        years = sorted(unstated["target_year"].unique())
        lines.append(f"- **Number of key firms** is not stated for {', '.join(map(str, years))}:"
                     " tier targets may refer to a different list of firms than the outcome.")
    if attainment.empty:
        lines.append("- **Attainment** cannot be measured: no indicator has both an outcome and "
                     "a target for the same year in these documents (the outcomes for the target"
                     " years are not yet published).")
    else:
        for _, r in attainment.iterrows():
            inputs = [r["actual_fact_id"], *str(r["target_fact_id"]).split(";")]
            value = cite.derived(r["attainment_pct"], formula="outcome / target", inputs=inputs,
                                 fmt="{:.1f}", unit="percent")
            caveats = r.get("caveats", "")
            limits = f" ({md(caveats)})" if isinstance(caveats, str) and caveats else ""
            lines.append(f"- **Attainment** of {md(r['indicator'])} {r['year']}: {value}{limits}.")
    return "\n".join(lines)


def implied_findings(implied: pd.DataFrame, cite: Citations) -> str:
    """One bullet per implied (derived) value with its formula and interval."""
    lines = []
    for _, row in implied.iterrows():
        inputs = row["fact_ids"].split(";")
        fmt = "{:g}" if row["unit"] == "count" else "{:.2f}"
        value = cite.derived(row["value"], formula=row["formula"], inputs=inputs, fmt=fmt,
                             unit=row["unit"])
        if fmt.format(row["low"]) == fmt.format(row["high"]):
            lines.append(f"- {md(row['label'])}: {value} (exact at the figures' written "
                         "precision).")
            continue
        interval = cite.derived((row["low"], row["high"]), formula=row["formula"] +
                                " on the figures' intervals", inputs=inputs, fmt=fmt,
                                unit=row["unit"])
        lines.append(f"- {md(row['label'])}: {value} (interval {interval}).")
    return "\n".join(lines)


def audit_findings(results: pd.DataFrame, cite: Citations) -> str:
    """A count per status, then every check: its relation, status, gaps and figures."""
    counts = results["status"].value_counts()
    summary = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in STATUSES)
    lines = [f"{len(results)} checks: {summary}.", ""]
    order = {INCONSISTENT: 0, QUALIFIER_ONLY: 1, CONSISTENT: 2}
    ranked = results.assign(_order=results["status"].map(order)).sort_values("_order",
                                                                            kind="stable")
    for _, row in ranked.iterrows():
        inputs = row["fact_ids"].split(";")
        figures = " ".join(cite.fact(f) for f in inputs)
        text = (f"- **{md(row['status'])}** — {md(row['description'])}: "
                f"{md_code(row['relation'])} (figures {figures}).")
        if row["gap_point"] != 0 or row["gap_written"] != 0:
            unit = GAP_UNITS.get(row["gap_unit"], "")
            gaps = [cite.derived(row[col], formula=f"{label}: left side - right side",
                                 inputs=inputs, fmt="{:+.4g}", unit=unit if unit != "pp" else "")
                    + (" pp" if unit == "pp" else "")
                    for col, label in (("gap_point", "at the written values"),
                                       ("gap_written", "at written precision"),
                                       ("gap_qualified", "with qualifiers"))]
            text += (f" Gap at the written values {gaps[0]}, at written precision {gaps[1]}, "
                     f"with the qualifiers {gaps[2]}.")
        for extra in (row["note"], row["assumption"]):
            if extra:
                text += f" {md(extra)}"
        lines.append(text)
    return "\n".join(lines)


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


def financing_mix_findings(mix: pd.DataFrame, cite: Citations) -> str:
    """The financing mix in words: the largest instruments and the part no instrument explains."""
    if mix.empty:
        return "The documents state no direct-financing figures for this year."
    parts = mix[~mix["derived"]]
    spans = financing_gap_spans(mix, cite)
    total_id = mix[mix["derived"]].iloc[0]["fact_id"].split(";")[0]
    largest = "; ".join(
        f"{md(r['name_en'])} ({md(r['name_zh'])}) {cite.fact(r['fact_id'])}, "
        + cite.derived(r["share_of_stated_total_pct"], formula="100 × instrument / stated total",
                       inputs=[r["fact_id"], total_id], fmt="{:.1f}", unit="percent")
        for _, r in parts.head(3).iterrows())
    return (f"The listed instruments sum to {spans['listed']}; the stated total is "
            f"{spans['total']}, so {spans['gap']} ({spans['share']} of the total) is not itemised "
            f"(the audit flags this). Largest instruments, as a share of the stated total: "
            f"{largest}.")


def base_year_note(gaps: pd.DataFrame, *, base_year: int, comparisons: pd.DataFrame) -> str:
    """What the documents support for the base year and what cannot be computed, and why."""
    lines = []
    implied = comparisons[comparisons.get("base_derived", False) == True]  # noqa: E712
    if len(implied):
        names = ", ".join(sorted(set(implied["name_en"])))
        lines.append(f"- The documents state no outcome for {base_year} for: {names}; "
                     "the comparisons use values implied by later figures (see the implied "
                     "values below).")
    if gaps.empty:
        lines.append(f"- Every outcome the documents state is available for {base_year}.")
        return "\n".join(lines)
    lines.append(f"- These cannot be computed for {base_year}, because no document states "
                 "them for that year (nor implies them):")
    for category, group in gaps.groupby("category", sort=False):
        items = "; ".join(f"{r.name_en} (stated for {r.stated_years})"
                          for r in group.itertuples())
        lines.append(f"  - {category}: {items}.")
    if {"financing", "fiscal"} & set(gaps["category"]):
        lines.append(f"- Without {base_year} financing and fiscal figures, the effects model's "
                     f"inputs for {base_year} cannot be computed from the documents.")
    return "\n".join(lines)
