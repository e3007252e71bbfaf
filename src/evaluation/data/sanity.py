"""Warnings of ``evaluation check``: curated figures that are valid but may be misread.

These never stop a run (the data are consistent with their documents); each names the fact and
what makes it doubtful, so that the curator looks again.
"""

from __future__ import annotations

import pandas as pd

from evaluation.core.numbers import normalise
from evaluation.data.number_context import (
    FINAL_WORDS,
    clause_span,
    simplified,
    status_words,
    without_readings,
)
from evaluation.data.resolve import choose_all
from evaluation.data.review import (
    MIN_SUBJECT,
    counted,
    review_reasons,
    subject_words,
    tier_label,
    tiers_agree,
)
from evaluation.data.schema import locate_value_text
from evaluation.data.sources import Source


def status_warnings(facts: pd.DataFrame, sources: dict[str, Source]) -> list[str]:
    """A news release's figure curated as ``final`` while no word of its paragraph says so.

    A release early in the year gives preliminary results (see
    :data:`evaluation.data.number_context.DEFAULT_STATUS`); only a word such as 最终核实 makes
    its figure final.

    Returns
    -------
    list of str
        One line per such fact, naming it, its document and the words looked for.
    """
    out = []
    texts: dict[str, str] = {}
    releases = {sid for sid, src in sources.items() if src.doc_type == "news_release"}
    status = facts["status"] if "status" in facts else pd.Series("final", index=facts.index)
    for fact in facts[facts["source_id"].isin(releases) & (status == "final")].itertuples():
        sid = str(fact.source_id)
        if sid not in texts:
            texts[sid] = simplified(normalise(without_readings(sources[sid].text())[0]))
        norm = texts[sid]
        quote = simplified(normalise(without_readings(str(fact.quote))[0]))
        at = norm.find(quote)
        if at < 0:
            continue
        position = at + max(locate_value_text(quote, normalise(str(fact.value_text))), 0)
        said, _ = status_words(norm, position, clause_span(norm, position)[0])
        if said != "final":
            out.append(f"{fact.fact_id}: a figure of the news release {sid} is curated as final, "
                       f"but no word of its paragraph says so ({', '.join(FINAL_WORDS)}); a "
                       "release's figures are preliminary unless its words say final")
    return out


# A figure outside these bounds is more likely misread (a part of the year read as the whole, a
# change read as a level, another indicator's figure) than true; check and the audit say so.
ATTAINMENT_BOUNDS = (30.0, 300.0)
"""Attainment (outcome over target, %) below or above these is doubted."""
GROWTH_BOUND = 200.0
"""A growth rate (%) beyond ±this is doubted."""
LEVEL_RATIO = 3.0
"""A level more than this many times (or less than its inverse) the year before is doubted."""


def plausibility_warnings(facts: pd.DataFrame, indicators: pd.DataFrame,
                          attainment: pd.DataFrame) -> list[str]:
    """Figures whose size suggests a misreading, each naming the facts and the numbers.

    Parameters
    ----------
    facts, indicators
        The facts and the indicator table.
    attainment
        :func:`evaluation.analysis.attainment.attainment` of the facts.

    Returns
    -------
    list of str
        One line per attainment outside :data:`ATTAINMENT_BOUNDS`, growth rate beyond
        ±:data:`GROWTH_BOUND` (indicators in percent whose Chinese name says 增长), and
        full-year outcome more than :data:`LEVEL_RATIO` times, or less than its inverse, the
        same indicator's in the year before (the figures the rule chooses).
    """
    low, high = ATTAINMENT_BOUNDS
    out = [f"{r.actual_fact_id}: attainment of {r.indicator} {r.year} is {r.attainment_pct:.1f}% "
           f"({_number(r.actual_value)} against {_number(r.target_value)}, "
           f"{r.target_fact_id}), outside {low:g}%-{high:g}%; is a figure misread?"
           for r in attainment.itertuples() if not low <= r.attainment_pct <= high]
    names = indicators["name_zh"].astype(str)
    growth = set(indicators.index[(indicators["unit"] == "percent")
                                  & names.str.contains("增长")])
    out += [f"{f.fact_id}: growth of {_number(f.value)}% is beyond ±{GROWTH_BOUND:g}%; is a "
            "figure misread?" for f in facts[facts["indicator"].isin(growth)].itertuples()
            if abs(float(f.value)) > GROWTH_BOUND]
    levels = set(indicators.index[indicators["unit"].isin(["yi_yuan", "count"])])
    chosen = choose_all(facts)
    chosen = chosen[chosen["kind"].isin(["actual", "estimate"]) & chosen["indicator"].isin(levels)
                    & (_column(chosen, "period", "year") == "year")
                    & (_column(chosen, "scope", "") == "")]
    for _, group in chosen.sort_values("year").groupby("indicator", sort=True):
        rows = list(group.itertuples())
        for before, after in zip(rows, rows[1:], strict=False):
            if int(after.year) != int(before.year) + 1 or float(before.value) <= 0:
                continue
            ratio = float(after.value) / float(before.value)
            if ratio > LEVEL_RATIO or ratio < 1 / LEVEL_RATIO:
                out.append(f"{after.fact_id}: {_number(after.value)} is {ratio:.2f} times "
                           f"{before.fact_id} ({_number(before.value)}) the year before, beyond "
                           f"{LEVEL_RATIO:g}x either way; is a figure misread?")
    return out


def quote_warnings(facts: pd.DataFrame, indicators: pd.DataFrame) -> list[str]:
    """Curated facts whose quote contradicts their indicator's words.

    The quote is read as the extractor reads a clause (:func:`evaluation.data.review
    .review_reasons`): a tier other than the indicator's, an increase (新增) for a level, a rate
    of another subject, a count of other things than the indicator counts.
    """
    out = []
    for fact in facts.itertuples():
        if fact.indicator not in indicators.index:
            continue
        quote = simplified(normalise(without_readings(str(fact.quote))[0]))
        at = max(locate_value_text(quote, normalise(str(fact.value_text))), 0)
        before = quote[:at]
        tier = tier_label(quote)
        name = str(indicators.loc[fact.indicator, "name_zh"])
        reasons = [r for r in review_reasons(
            clause=quote, before=before, subject=before, unit=str(fact.unit),
            indicator=str(fact.indicator), indicators=indicators, tier=tier)
            if _contradicts(r, quote, before, name)]
        if tier and str(fact.unit) == "count" and not tiers_agree(tier, name):
            reasons.append(f"it writes the tier {tier}, the indicator's name another ({name})")
        out += [f"{fact.fact_id}: its quote {fact.quote!r} does not fit {fact.indicator}: "
                f"{reason}" for reason in reasons]
    return out


def _contradicts(reason: str, quote: str, before: str, name: str) -> bool:
    """Whether a review reason read from a fact's quote alone contradicts its indicator: a
    rate's subject only when the quote names one; a count only when it names the action's
    other unit (项目 for a count of 企业, or the reverse)."""
    if reason.startswith(("inside", "a tier")):
        return False
    if reason.startswith("what the clause measures"):
        return len(subject_words(before)) >= MIN_SUBJECT
    if reason.startswith("the clause does not name what"):
        own = counted(name)
        other = {"企业": "项目", "项目": "企业"}.get(own, "")
        return bool(other) and other in quote and own not in quote
    return True


def _column(table: pd.DataFrame, name: str, default: str) -> pd.Series:
    return table[name] if name in table else pd.Series(default, index=table.index)


def _number(x: object) -> str:
    return f"{float(x):.10g}"  # type: ignore[arg-type]
