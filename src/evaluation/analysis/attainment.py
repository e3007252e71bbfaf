"""Attainment: a year's outcome over its target, wherever the documents give both.

The outcome is the figure :func:`evaluation.data.resolve.resolve` picks (the full year before part
of it, final before preliminary before estimate); the target is a stated target, else a stated
plan, else a target implied by a stated share of it (``data/derivations.yaml``). Each row says
what limits the comparison: a part-year outcome against a full-year target, a figure that is not
final, a target that is derived, or lists of projects or firms of different sizes. Where the
stated outcome covers part of the year only (or none is stated) and a full-year outcome is
implied by later figures (a derivation with an outcome ``result``), the full year's attainment
is a row of its own too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.analysis.derivations import implied_values
from evaluation.data.edition import EditionContext
from evaluation.data.resolve import MEASURE
from evaluation.data.vocabulary import period_months

COLUMNS = ("indicator", "year", "unit", "actual_value", "actual_low", "actual_high",
           "actual_period", "actual_status", "target_value", "target_low", "target_high",
           "target_kind", "target_source", "attainment_pct", "attainment_pct_low",
           "attainment_pct_high", "met", "caveats", "actual_fact_id", "target_fact_id")
# The count that gives an indicator its scope: investment is "on N projects", sales "of N firms".
SCOPE_INDICATOR = {"investment": "projects", "enterprises": "firms"}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def attainment(edition: EditionContext, *, years: list[int] | None = None,
               implied: pd.DataFrame | None = None) -> pd.DataFrame:
    """Outcome over target for every indicator and year that has both.

    Parameters
    ----------
    edition
        The edition: its facts, indicators and resolution (pins applied).
    years
        Only these years (default: every year).
    implied
        Output of :func:`evaluation.analysis.derivations.implied_values` (computed when None):
        its rows with a ``result`` indicator and kind ``target`` serve as targets where no
        target is stated.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per indicator and year, sorted by both.

    Notes
    -----
    Attainment ``A / T`` with interval ``[A_low / T_high, A_high / T_low]``. ``met`` is True when
    the outcome interval lies at or above the target's value, False when a full-year outcome
    lies below it, and NA when the intervals straddle it or when a part-year outcome has not yet
    reached a full-year target (the rest of the year may still reach it).
    """
    facts, indicators = edition.facts, edition.indicators
    implied = implied_values(edition) if implied is None else implied
    derived_targets = implied[(implied["indicator"] != "") & (implied["kind"] == "target")]
    outcomes = facts[facts["kind"].map(MEASURE) == "outcome"]
    keys = sorted({(str(i), int(y)) for i, y in zip(outcomes["indicator"], outcomes["year"],
                                                      strict=True)})
    derived_outcomes = implied[(implied["indicator"] != "") & (implied["kind"] == "actual")
                               & (implied["period"] == "year")]
    keys = sorted(set(keys) | {(str(i), int(y)) for i, y in zip(
        derived_outcomes["indicator"], derived_outcomes["year"], strict=True)})
    rows = []
    for indicator, year in keys:
        if years is not None and year not in years:
            continue
        target, source = _target(edition, derived_targets, indicator, year)
        if target is None:
            continue
        actual = edition.resolve_or_none(indicator=indicator, year=year, period=None, scope="")
        if actual is not None and int(actual.get("months", period_months(
                str(actual["period"])))) <= 12:  # cumulative or lifetime outcomes are not a year's
            rows.append(_row(actual, target, source, facts, indicators))
        if actual is None or period_months(str(actual["period"])) < 12:
            found = derived_outcomes[(derived_outcomes["indicator"] == indicator)
                                     & (derived_outcomes["year"] == year)]
            if not found.empty:  # the full year, implied by later figures
                rows.append(_row(_implied_outcome(found.iloc[-1], indicators), target, source,
                                 facts, indicators))
    if not rows:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.DataFrame(rows, columns=list(COLUMNS)).reset_index(drop=True)


def _implied_outcome(row: pd.Series, indicators: pd.DataFrame) -> pd.Series:
    """A derived full-year outcome (``data/derivations.yaml``) in the shape of a fact."""
    return pd.Series({"indicator": row["indicator"], "year": int(row["year"]),
                      "unit": indicators.loc[row["indicator"], "unit"], "point": row["value"],
                      "low": row["low"], "high": row["high"], "period": "year",
                      "kind": "actual", "status": "final", "fact_id": row["fact_ids"],
                      "source_id": "", "derived_id": row["derived_id"]})


def _target(edition: EditionContext, derived: pd.DataFrame, indicator: str, year: int
            ) -> tuple[dict[str, object] | None, str]:
    """The year's target: stated target, else stated plan, else one implied by a share."""
    for kind in ("target", "plan"):
        row = edition.resolve_or_none(indicator=indicator, year=year, kind=kind, scope="")
        if row is not None:
            return {"value": float(row["point"]), "low": float(row["low"]),
                    "high": float(row["high"]), "kind": kind, "fact_id": str(row["fact_id"]),
                    "source_id": str(row["source_id"])}, f"stated {kind}"
    found = derived[(derived["indicator"] == indicator) & (derived["year"] == year)]
    if found.empty:
        return None, ""
    row = found.iloc[-1]  # the latest period stated (rows run in period order)
    return {"value": float(row["value"]), "low": float(row["low"]), "high": float(row["high"]),
            "kind": "target", "fact_id": str(row["fact_ids"]), "source_id": "",
            "derived_id": str(row["derived_id"])}, "implied by a stated share of the target"


def period_words(period: str) -> str:
    """``months:1-11`` -> ``Jan–Nov``; ``year`` -> ``full year``."""
    if period.startswith("months:"):
        first, last = (int(m) for m in period.removeprefix("months:").split("-"))
        return f"{MONTHS[first - 1]}–{MONTHS[last - 1]}" if first != last else MONTHS[first - 1]
    return "full year" if period == "year" else period


def _row(actual: pd.Series, target: dict[str, object], source: str, facts: pd.DataFrame,
         indicators: pd.DataFrame) -> dict[str, object]:
    a, a_low, a_high = float(actual["point"]), float(actual["low"]), float(actual["high"])
    t, t_low, t_high = (float(target["value"]), float(target["low"]),  # type: ignore[arg-type]
                        float(target["high"]))  # type: ignore[arg-type]
    period = str(actual.get("period", "year"))
    status = "estimate" if actual["kind"] == "estimate" else str(actual.get("status", "final"))
    part_year = period_months(period) < 12
    met: object = pd.NA
    if a_low >= t:
        met = True
    elif a_high < t and not part_year:
        met = False
    caveats = []
    if part_year:
        caveats.append(f"outcome for {period_words(period)} only, target for the full year")
    if status != "final":
        caveats.append(f"outcome is {'an' if status == 'estimate' else 'a'} {status} figure")
    if "derived_id" in actual:
        caveats.append("outcome implied by later figures")
    if source != "stated target":
        caveats.append(f"target {source}")
    caveats += _scope_caveat(actual, target, facts, indicators)
    return {
        "indicator": actual["indicator"], "year": int(actual["year"]), "unit": actual["unit"],
        "actual_value": a, "actual_low": a_low, "actual_high": a_high,
        "actual_period": period, "actual_status": status,
        "target_value": t, "target_low": t_low, "target_high": t_high,
        "target_kind": target["kind"], "target_source": source,
        "attainment_pct": 100 * a / t,
        "attainment_pct_low": 100 * a_low / t_high if t_high > 0 else np.nan,
        "attainment_pct_high": 100 * a_high / t_low if t_low > 0 else np.inf,
        "met": met, "caveats": "; ".join(caveats),
        "actual_fact_id": actual["fact_id"], "target_fact_id": target["fact_id"],
    }


def _scope_caveat(actual: pd.Series, target: dict[str, object], facts: pd.DataFrame,
                  indicators: pd.DataFrame) -> list[str]:
    """``different lists: 98 projects (outcome) vs 104 (target)`` when both counts are stated."""
    category = indicators.loc[actual["indicator"], "category"]
    scope = SCOPE_INDICATOR.get(str(category))
    if scope is None or scope == actual["indicator"]:
        return []
    counts = []
    for source_id in (actual["source_id"], target.get("source_id", "")):
        same = facts[(facts["source_id"] == source_id) & (facts["year"] == actual["year"])
                     & (facts["indicator"] == scope)]
        counts.append(float(same["point"].iloc[0]) if not same.empty else np.nan)
    if np.isnan(counts).any():
        return [f"number of {scope} not stated on both sides"]
    if counts[0] != counts[1]:
        return [f"different lists: {counts[0]:.0f} {scope} (outcome) vs {counts[1]:.0f} (target)"]
    return []
