"""Matching a figure of a new document with the curated facts.

A figure is curated when a curated quote of its document stands at its place
(:func:`find_quote_spots`) or a curated fact has its value, unit and cue words
(:func:`value_match`); otherwise its indicator is guessed from the cues of the curated facts
(:func:`guess_indicator`) and a fact of another document with the same meaning is looked for
(:func:`same_meaning`). A fact's *cue* is the :data:`CUE_LENGTH` characters written just before
its number in its quote (:func:`fact_cues`).
"""

from __future__ import annotations

import re

import pandas as pd

from evaluation.core.numbers import normalise
from evaluation.data.number_context import CLAUSE_BREAK, simplified, without_readings
from evaluation.data.schema import locate_value_text

CUE_LENGTH = 6
MIN_SHARED_CUE = 3
MIN_SHARED_NAME = 3
# An indicator whose name writes a firm tier (超百亿, 50-100亿): guessed only where the clause
# writes a tier too.
_TIER_NAME = re.compile(r"\d+-\d+亿|超百亿|百亿")
# Qualifier words stripped from the end of a cue: they say nothing about the indicator.
_TRAILING_QUALIFIER = re.compile(r"(?:超过|将近|接近|大约|不到|不足|至少|超|逾|近|约|过|达到|达)$")
# Web-copied text can carry a reading after a glyph: 經(jīng)濟. Left out of cue words.
_READING = re.compile(r"\([a-zA-Z\u00e0-\u01dc\u0144\u0148\u01f9:]+\d?\)")


def find_quote_spots(norm: str, facts: pd.DataFrame) -> dict[int, str]:
    """Offset of each curated fact's value_text in ``norm`` -> fact_id (quote occurrences)."""
    spots: dict[int, str] = {}
    for fact in facts.itertuples(index=False):
        quote = simplified(normalise(without_readings(fact.quote)[0]))
        written = normalise(fact.value_text)
        inside = locate_value_text(quote, written)  # 5 is not found inside 50
        start = norm.find(quote)
        while start >= 0 and inside >= 0:
            spots.setdefault(start + inside, fact.fact_id)
            start = norm.find(quote, start + 1)
    return spots


def fact_cues(facts: pd.DataFrame) -> pd.DataFrame:
    """Each curated fact's cue: the characters written just before its number in its quote.

    Returns the columns ``fact_id``, ``indicator``, ``year``, ``unit``, ``value``,
    ``value_high`` and ``cue``, one row per fact.
    """
    cues = []
    for fact in facts.itertuples(index=False):
        quote, written = simplified(normalise(fact.quote)), normalise(fact.value_text)
        before = CLAUSE_BREAK.split(quote[:max(locate_value_text(quote, written), 0)])[-1]
        cues.append(_cue_text(before)[-CUE_LENGTH:])
    return facts.assign(cue=cues)[["fact_id", "indicator", "year", "unit", "value", "value_high",
                                   "cue"]]


def value_match(cues: pd.DataFrame, value: float, high: float | None, unit: str,
                sentence: str, *, year: int | None, before: str = "") -> str:
    """A curated fact with this value, unit and cue (and year, when known).

    ``cues`` is :func:`fact_cues` output; the cue must stand in the sentence and share at least
    :data:`MIN_SHARED_CUE` characters with the end of ``before`` (the figure's clause before
    it), so that a value alone never matches a fact of another indicator. Returns the first
    such fact's id, else "".
    """
    same = cues[(cues["unit"] == unit) & _close(cues["value"], value)]
    if year is not None:
        same = same[same["year"] == year]
    if high is None:
        same = same[same["value_high"].isna()]
    else:
        same = same[_close(same["value_high"], high)]
    tail = _cue_text(before)
    hits = same[[bool(cue) and cue in sentence and _shared_tail(cue, tail) >= MIN_SHARED_CUE
                 for cue in same["cue"]]]
    return str(hits["fact_id"].iloc[0]) if len(hits) else ""


def same_meaning(facts: pd.DataFrame, source_id: str, indicator: str, year: int | None,
                 period: str, *, aim: bool) -> str:
    """A curated fact of another document than ``source_id`` with the same indicator, year,
    period and measure (a target or plan when ``aim``: the clause says 目标, 计划 ...; else an
    outcome); its id (the last such fact), else ""."""
    if not indicator or not year:
        return ""
    periods = facts["period"] if "period" in facts else pd.Series("year", index=facts.index)
    kinds = ["target", "plan"] if aim else ["actual", "estimate"]
    same = facts[(facts["indicator"] == indicator) & (facts["year"] == year)
                 & (facts["source_id"] != source_id) & (periods == period)
                 & facts["kind"].isin(kinds)]
    return str(same["fact_id"].iloc[-1]) if len(same) else ""


def guess_indicator(cues: pd.DataFrame, unit: str, before: str, sentence: str,
                    indicators: pd.DataFrame, *, clause: str = "", subject: str = "",
                    counted: str = "", tiered: bool = False) -> str:
    """The indicator of an uncurated figure of ``unit``, or "" when none fits.

    Parameters
    ----------
    cues
        :func:`fact_cues` output.
    unit
        The figure's fact unit ("" gives "").
    before
        The text before the figure in its clause.
    sentence
        The figure's sentence (ties between cues go to the indicator whose Chinese name shares
        the most two-character pieces with it).
    indicators
        The indicator table (``name_zh``, ``unit``).
    clause
        The figure's clause, for a guess from the indicators' names.
    subject
        What the figure is about (:func:`evaluation.data.review.subject_text`): its clause
        before it, or more of its sentence when that names nothing; the name guess reads it
        too.
    counted
        What a count counts as written after its unit (项目, 企业): a count indicator of
        something else is never guessed.
    tiered
        The clause holds a tier threshold: the name guess comes before the cue guess.
    """
    if not unit:
        return ""
    if "name_zh" in indicators:
        keep = [(not counted or _counted_by(str(n)) in ("", counted))
                and (tiered or not _TIER_NAME.search(str(n))) for n in indicators["name_zh"]]
        indicators = indicators[keep]
        cues = cues[cues["indicator"].isin(indicators.index)]
    by_name = _name_guess(unit, clause + subject, indicators,
                          least=MIN_SHARED_NAME - 1 if counted else MIN_SHARED_NAME)
    if tiered:
        return by_name or _cue_guess(cues, unit, before, sentence, indicators)
    by_cue = _cue_guess(cues, unit, before, sentence, indicators)
    if by_cue and by_name and by_name != by_cue and "name_zh" in indicators:
        # 续建项目完成投资: the cue says investment, the name says whose; the name that the
        # clause writes more of is the more specific
        text = _plain(clause + subject)
        if (_shared_bigrams(str(indicators["name_zh"][by_name]), text)
                > _shared_bigrams(str(indicators["name_zh"][by_cue]), text)):
            return by_name
    return by_cue or by_name


def _counted_by(name: str) -> str:
    from evaluation.data.review import counted

    return counted(name)


def _close(series: pd.Series, value: float) -> pd.Series:
    return (series - value).abs() <= 1e-9 * max(1.0, abs(value))


def _name_guess(unit: str, clause: str, indicators: pd.DataFrame,
                least: int = MIN_SHARED_NAME) -> str:
    """The indicator of ``unit`` whose Chinese name has the largest share of its two-character
    pieces in the clause (at least ``least`` pieces); "" when none does."""
    if "unit" not in indicators or "name_zh" not in indicators:
        return ""
    text = _plain(clause).replace("100亿", "百亿")
    best, best_score = "", (0.0, 0)
    for indicator, row in indicators[indicators["unit"] == unit].iterrows():
        name = str(row["name_zh"])
        shared = _shared_bigrams(name, text)
        score = (shared / max(len(name) - 1, 1), shared)  # the share of the name, then count
        if shared >= least and score > best_score:
            best, best_score = str(indicator), score
    return best


def _plain(text: str) -> str:
    """Text without quotation marks and readings, for comparing words."""
    return _READING.sub("", re.sub(r"[“”\"'‘’「」『』]", "", text))


def _cue_guess(cues: pd.DataFrame, unit: str, before: str, sentence: str,
               indicators: pd.DataFrame) -> str:
    """The indicator of the curated fact of ``unit`` whose cue shares the longest tail (at least
    :data:`MIN_SHARED_CUE` characters) with ``before``; "" when none does."""
    sentence = _plain(sentence)
    tail = _cue_text(before)
    same = cues[cues["unit"] == unit]
    best: tuple[int, int, str] = (1, 0, "")
    for indicator, cue in zip(same["indicator"], same["cue"], strict=True):
        shared = _shared_tail(cue, tail)
        if shared < MIN_SHARED_CUE:
            continue
        name = str(indicators["name_zh"].get(indicator, "")) if "name_zh" in indicators else ""
        score = (shared, _shared_bigrams(name, sentence), indicator)
        if score[:2] > best[:2]:
            best = score
    return best[2]


def _cue_text(before: str) -> str:
    """Text written before a number, without readings (經(jīng)), digits, spaces and a trailing
    qualifier word."""
    return _TRAILING_QUALIFIER.sub("", re.sub(r"[\d.%\s]", "", _READING.sub("", before)))


def _shared_tail(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share at their ends."""
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _shared_bigrams(name: str, sentence: str) -> int:
    """How many two-character pieces of ``name`` stand in ``sentence``."""
    return sum(name[i:i + 2] in sentence for i in range(len(name) - 1))
