"""Outcomes vs targets: required growth, firm tiers and the financing mix.

Attainment lives in :mod:`evaluation.analysis.attainment` and implied values in
:mod:`evaluation.analysis.derivations` (both re-exported here for the notebooks).

Every number is computed from the curated facts and carried as a point (the written value) and an
interval (from the facts' precision and qualifiers); every row names the facts it used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evaluation.analysis.attainment import attainment
from evaluation.analysis.derivations import implied_values
from evaluation.core.intervals import Interval
from evaluation.data.edition import EditionContext

__all__ = ["attainment", "chosen_facts", "comparisons", "definition", "financing_mix",
           "firm_tiers", "implied_values"]

TARGET_KINDS = ("target", "plan")
COMPARISON_COLUMNS = (
    "indicator", "name_en", "name_zh", "unit", "base_year", "base_value", "base_low",
    "base_high", "target_year", "target_kind", "target_value", "target_low", "target_high",
    "change_abs", "change_abs_low", "change_abs_high", "change_pct", "change_pct_low",
    "change_pct_high", "required_cagr_pct", "required_cagr_pct_low", "required_cagr_pct_high",
    "base_own_growth_pct", "required_minus_own_growth_pp", "base_definition",
    "target_definition", "like_for_like", "caveats", "base_fact_id", "target_fact_id",
    "target_note", "scope", "base_scope_fact_id", "target_scope_fact_id", "fact_ids",
    "base_derived")
KIND_WORDS = {"actual": "outcome", "target": "target", "plan": "plan", "estimate": "estimate"}
# The count that gives an indicator its scope: investment is "on N projects", sales "of N firms".
SCOPE_INDICATOR = {"investment": "projects", "enterprises": "firms"}
# Context shown beside an amount (亿元) of investment when the same document-year states it.
CONTEXT_INDICATORS = {"investment": ("project_investment_total",)}
# The stated growth of an indicator in its own year: percent growth or an absolute change.
GROWTH_INDICATOR = {
    "sales_revenue": "sales_growth",
    "loan_balance": "loan_balance_growth",
    "firms_sales_50_100": "firms_sales_50_100_change",
}
# Firm tiers by annual sales, largest first: indicator, label (亿元), English label (1e8 yuan).
TIERS = (
    ("firms_sales_over_100", ">100亿", ">100 yi"),
    ("firms_sales_50_100", "50–100亿", "50–100 yi"),
    ("firms_sales_10_50", "10–50亿", "10–50 yi"),
    ("firms_sales_1_10", "1–10亿", "1–10 yi"),
)
FINANCING_TOTAL = "direct_financing"
FINANCING_PREFIX = "direct_financing_"
NOT_REPORTED = "not reported"
UNIT_SUFFIX = {"yi_yuan": "亿元", "percent": "%"}


# --------------------------------------------------------------------------- helpers
def _interval(row: pd.Series) -> Interval:
    return Interval(float(row["low"]), float(row["high"]))


def _cagr(base: Interval, target: Interval, years: int) -> Interval:
    """Interval of ``(target / base) ** (1 / years) - 1`` (rises with target, falls with base)."""
    ratio = target / base
    return Interval(ratio.low ** (1 / years) - 1, ratio.high ** (1 / years) - 1)


def _scope(row: pd.Series, facts: pd.DataFrame, category: str) -> tuple[str, float, str]:
    """The scope of a fact in words ("on 101 projects"), its count (NaN when not stated) and
    the fact id of the count ("" when not stated or not applicable)."""
    scope_indicator = SCOPE_INDICATOR.get(category)
    if scope_indicator is None or scope_indicator == row["indicator"]:
        return "", np.nan, ""
    same = facts[(facts["source_id"] == row["source_id"]) & (facts["year"] == row["year"])]
    scope = same[same["indicator"] == scope_indicator]
    if scope.empty:
        return f"number of {scope_indicator} not stated", np.nan, ""
    count = float(scope["point"].iloc[0])
    return f"on {count:.0f} {scope_indicator}", count, str(scope["fact_id"].iloc[0])


def definition(row: pd.Series, facts: pd.DataFrame, indicators: pd.DataFrame) -> str:
    """One side of a comparison in words: year, kind, scope, context, the quote and the note.

    Example: ``2012 outcome on 101 projects: “累计完成投资465亿元” (Completed investment on the
    101 projects.)``
    """
    category = indicators.loc[row["indicator"], "category"]
    scope, _, _ = _scope(row, facts, category)
    words = [f"{row['year']} {KIND_WORDS[row['kind']]}"] + ([scope] if scope else [])
    same = facts[(facts["source_id"] == row["source_id"]) & (facts["year"] == row["year"])]
    contexts = CONTEXT_INDICATORS.get(category, ()) if row["unit"] == "yi_yuan" else ()
    for context in contexts:
        found = same[(same["indicator"] == context) & (same["indicator"] != row["indicator"])]
        if not found.empty:
            ctx = found.iloc[0]
            words.append(f"{indicators.loc[context, 'name_en'].lower()} {ctx['point']:g}"
                         f"{UNIT_SUFFIX.get(ctx['unit'], '')}")
    text = ", ".join(words) + f": “{row['quote']}”"
    if isinstance(row["note"], str) and row["note"]:
        text += f" ({row['note']})"
    return text


def _caveats(base: pd.Series, target: pd.Series, facts: pd.DataFrame, category: str) -> list[str]:
    notes = []
    for side in (base, target):
        status = "estimate" if side["kind"] == "estimate" else side.get("status", "final")
        if status != "final":
            notes.append(f"{side['year']} figure is {'an' if status == 'estimate' else 'a'} "
                         f"{status} figure ({side['source_id']})")
    if base.get("derived", False):
        notes.append(f"{base['year']} outcome is implied by later figures, not stated")
    if target["kind"] == "plan":
        notes.append(f"{target['year']} figure is a plan (planned amount), not an outcome target")
    base_scope, base_n, _ = _scope(base, facts, category)
    target_scope, target_n, _ = _scope(target, facts, category)
    if base_scope or target_scope:
        if np.isnan(base_n) or np.isnan(target_n):
            missing = [str(r["year"]) for r, n in ((base, base_n), (target, target_n))
                       if np.isnan(n)]
            notes.append(f"{SCOPE_INDICATOR[category]} not stated for {', '.join(missing)}")
        elif base_n != target_n:
            notes.append(f"different lists: {base_n:.0f} {SCOPE_INDICATOR[category]} "
                         f"({base['year']}) vs {target_n:.0f} ({target['year']})")
    return notes


# --------------------------------------------------------------------------- comparisons
def chosen_facts(edition: EditionContext) -> pd.DataFrame:
    """The full-year facts an analysis uses: one per indicator, year, measure and scope.

    Where several documents give the same figure (a preliminary and a final vintage), the rule of
    :mod:`evaluation.data.resolve` decides (a pin, then final before preliminary before estimate,
    then the latest publication date). Part-year, cumulative and lifetime figures are left out.
    """
    chosen = edition.chosen
    if "period" in chosen:
        chosen = chosen[chosen["period"] == "year"]
    return chosen


def comparisons(edition: EditionContext, *, implied: pd.DataFrame | None = None
                ) -> pd.DataFrame:
    """Every indicator with an outcome in the edition's base year and a target or plan in one of
    its target years.

    Each side is the figure the edition's resolution (its pins applied) picks for the full year
    and the action's own list. Where the documents state no outcome for
    ``base_year``, an outcome implied by a derivation (``implied``, default
    :func:`evaluation.analysis.derivations.implied_values`; e.g. 2011 sales from 2012 sales and
    their growth) stands in, marked ``base_derived``. A target year equal to ``base_year`` is
    skipped (no change over zero years).

    Returns
    -------
    pandas.DataFrame
        One row per (indicator, target fact): base and target values with intervals, absolute and
        relative change, the required annual growth, the base year's own stated growth where the
        document gives it, each side's definition, caveats, ``like_for_like``, the scope
        (``projects``/``firms``) with the fact ids of each side's scope count ("" when not
        stated) and the fact ids used.

    Notes
    -----
    With base ``B`` in year ``b`` and target ``T`` in year ``t``: change ``T - B``, relative change
    ``T / B - 1``, required annual growth (CAGR) ``(T / B) ** (1 / (t - b)) - 1``. Intervals use
    the facts' intervals; the CAGR interval is
    ``[(T_low / B_high) ** (1/n) - 1, (T_high / B_low) ** (1/n) - 1]``.
    The base year's own growth is ``g`` when stated as a percentage and ``c / (V - c)`` when
    stated as an absolute change ``c`` on the level ``V``.
    """
    every, base_year, indicators = edition.facts, edition.base_year, edition.indicators
    facts = chosen_facts(edition)
    outcomes = facts[facts["kind"].isin(["actual", "estimate"]) & (facts["year"] == base_year)]
    implied = implied_values(edition) if implied is None else implied
    derived = implied[(implied["year"] == base_year) & (implied["kind"] == "actual")
                      & (implied["indicator"] != "")]
    rows = []
    for indicator in dict.fromkeys([*outcomes["indicator"], *derived["indicator"]]):
        base = edition.resolve_or_none(indicator=indicator, year=base_year, kind="actual",
                                       period="year", scope="")
        if base is None:
            if indicator in set(outcomes["indicator"]):
                continue
            base = _derived_base(derived[derived["indicator"] == indicator].iloc[0])
        for year in edition.target_years:
            if int(year) == int(base_year):
                continue
            for kind in TARGET_KINDS:
                target = edition.resolve_or_none(indicator=indicator, year=int(year), kind=kind,
                                                 period="year", scope="")
                if target is not None:  # same-document context: every fact, any period
                    rows.append(_comparison_row(base, target, every, indicators))
    if not rows:
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    table = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    return table.sort_values(["indicator", "target_year"], kind="stable").reset_index(drop=True)


def _derived_base(row: pd.Series) -> pd.Series:
    """An implied outcome (a row of ``implied_values``) in the shape of a fact."""
    return pd.Series({
        "fact_id": row["fact_ids"], "source_id": "", "year": int(row["year"]), "kind": "actual",
        "indicator": row["indicator"], "value": row["value"], "point": row["value"],
        "low": row["low"], "high": row["high"], "unit": row["unit"], "qualifier": "exact",
        "quote": row["quotes"], "note": f"{row['label']}: {row['formula']}",
        "status": "final", "period": "year", "derived": True})


def _comparison_row(base: pd.Series, target: pd.Series, facts: pd.DataFrame,
                    indicators: pd.DataFrame) -> dict[str, object]:
    category = indicators.loc[base["indicator"], "category"]
    years = int(target["year"]) - int(base["year"])
    b_iv, t_iv = _interval(base), _interval(target)
    b, t = float(base["point"]), float(target["point"])
    change_iv = t_iv - b_iv
    rel_iv = t_iv / b_iv - 1
    cagr_iv = _cagr(b_iv, t_iv, years)
    own_growth, growth_fact = _own_growth(base, facts)
    cagr = (t / b) ** (1 / years) - 1
    caveats = _caveats(base, target, facts, category)
    fact_ids = [base["fact_id"], target["fact_id"]] + ([growth_fact] if growth_fact else [])
    return {
        "indicator": base["indicator"],
        "name_en": indicators.loc[base["indicator"], "name_en"],
        "name_zh": indicators.loc[base["indicator"], "name_zh"],
        "unit": base["unit"],
        "base_year": int(base["year"]),
        "base_value": b, "base_low": b_iv.low, "base_high": b_iv.high,
        "target_year": int(target["year"]),
        "target_kind": target["kind"],
        "target_value": t, "target_low": t_iv.low, "target_high": t_iv.high,
        "change_abs": t - b, "change_abs_low": change_iv.low, "change_abs_high": change_iv.high,
        "change_pct": 100 * (t / b - 1), "change_pct_low": 100 * rel_iv.low,
        "change_pct_high": 100 * rel_iv.high,
        "required_cagr_pct": 100 * cagr, "required_cagr_pct_low": 100 * cagr_iv.low,
        "required_cagr_pct_high": 100 * cagr_iv.high,
        "base_own_growth_pct": own_growth,
        "required_minus_own_growth_pp": 100 * cagr - own_growth,
        "base_definition": definition(base, facts, indicators),
        "target_definition": definition(target, facts, indicators),
        "like_for_like": not caveats,
        "caveats": "; ".join(caveats),
        "base_fact_id": base["fact_id"], "target_fact_id": target["fact_id"],
        "target_note": target["note"] if isinstance(target["note"], str) else "",
        "scope": SCOPE_INDICATOR.get(category, ""),
        "base_scope_fact_id": _scope(base, facts, category)[2],
        "target_scope_fact_id": _scope(target, facts, category)[2],
        "fact_ids": ";".join(fact_ids),
        "base_derived": bool(base.get("derived", False)),
    }


def _own_growth(base: pd.Series, facts: pd.DataFrame) -> tuple[float, str]:
    """The base year's stated growth of the indicator in percent, and the fact used."""
    growth_indicator = GROWTH_INDICATOR.get(base["indicator"])
    if growth_indicator is None:
        return np.nan, ""
    found = facts[(facts["indicator"] == growth_indicator) & (facts["year"] == base["year"])
                  & (facts["source_id"] == base["source_id"])]
    if found.empty:
        return np.nan, ""
    growth = found.iloc[0]
    if growth["unit"] == "percent":
        return float(growth["point"]), growth["fact_id"]
    level, change = float(base["point"]), float(growth["point"])
    return 100 * change / (level - change), growth["fact_id"]


# --------------------------------------------------------------------------- firm tiers
def firm_tiers(edition: EditionContext, *, years: Sequence[int] | None = None
               ) -> pd.DataFrame:
    """Number of firms per sales tier and year (default: the edition's base and target years);
    tiers a document does not report stay unknown.

    Returns
    -------
    pandas.DataFrame
        One row per (tier, year): ``tier``, ``tier_label`` (and ``tier_label_en``), ``year``,
        ``kind``, ``count``
        (nullable integer, ``<NA>`` when not reported), ``status`` (``reported`` or
        ``not reported``), ``fact_id`` and ``quote`` (empty when not reported).
    """
    facts = chosen_facts(edition)
    rows = []
    for indicator, label, label_en in TIERS:
        for year in edition.years if years is None else years:
            found = facts[(facts["indicator"] == indicator) & (facts["year"] == year)]
            keys = {"tier": indicator, "tier_label": label, "tier_label_en": label_en,
                    "year": year}
            if found.empty:
                rows.append({**keys, "kind": "", "count": pd.NA, "status": NOT_REPORTED,
                             "fact_id": "", "quote": ""})
                continue
            row = found.iloc[0]
            rows.append({**keys, "kind": row["kind"], "count": int(row["point"]),
                         "status": "reported", "fact_id": row["fact_id"], "quote": row["quote"]})
    table = pd.DataFrame(rows)
    table["count"] = table["count"].astype("Int64")
    return table


# --------------------------------------------------------------------------- financing mix
def financing_mix(edition: EditionContext, *, year: int | None = None) -> pd.DataFrame:
    """Direct financing by instrument in ``year`` (default: the edition's base year), with the
    part of the stated total no instrument explains; each figure the one the edition's
    resolution (its pins applied) picks.

    Returns
    -------
    pandas.DataFrame
        One row per instrument (largest first): ``item``, ``name_en``, ``name_zh``, ``value``,
        ``share_of_stated_total_pct``, ``derived`` (False), ``fact_id``, ``quote``; then one
        derived row ``not_itemised`` = stated total - sum of instruments. Empty (same columns)
        when the documents state no direct-financing total for ``year``.

    Notes
    -----
    ``not_itemised = total - sum(instruments)``; shares are ``100 * value / total``.
    """
    facts, indicators = chosen_facts(edition), edition.indicators
    in_year = facts[facts["year"] == (edition.base_year if year is None else year)]
    totals = in_year[in_year["indicator"] == FINANCING_TOTAL]
    if totals.empty:
        return pd.DataFrame(columns=["item", "name_en", "name_zh", "value",
                                     "share_of_stated_total_pct", "derived", "fact_id", "quote"])
    total = totals.iloc[0]
    parts = in_year[in_year["indicator"].str.startswith(FINANCING_PREFIX)]
    parts = parts.sort_values("point", ascending=False)
    stated = float(total["point"])
    table = pd.DataFrame({
        "item": parts["indicator"].to_numpy(),
        "name_en": indicators.loc[parts["indicator"], "name_en"].to_numpy(),
        "name_zh": indicators.loc[parts["indicator"], "name_zh"].to_numpy(),
        "value": parts["point"].to_numpy(dtype=float),
        "derived": False,
        "fact_id": parts["fact_id"].to_numpy(),
        "quote": parts["quote"].to_numpy(),
    })
    residual = {"item": "not_itemised", "name_en": "Not itemised (stated total − instruments)",
                "name_zh": "未列明（总额−各项之和）", "value": stated - table["value"].sum(),
                "derived": True, "fact_id": ";".join([total["fact_id"], *parts["fact_id"]]),
                "quote": total["quote"]}
    table = pd.concat([table, pd.DataFrame([residual])], ignore_index=True)
    table.insert(4, "share_of_stated_total_pct", 100 * table["value"] / stated)
    return table
