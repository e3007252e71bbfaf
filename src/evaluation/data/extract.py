"""Candidate figures in a new document, diffed against the curated facts.

``extract(path)`` lists every figure a document writes (value, unit, qualifier, the clause and
sentence it stands in) as a table with the columns of ``data/facts.csv`` plus review columns, so
that curating a new document means deleting rows and filling in ``kind`` and ``fact_id``. The
words around a figure are read by :mod:`evaluation.data.number_context`; figures are matched
with the curated facts by :mod:`evaluation.data.fact_matching`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evaluation.core.numbers import NumberMention, find_numbers, normalise
from evaluation.data.fact_matching import (
    fact_cues,
    find_quote_spots,
    guess_indicator,
    same_meaning,
    value_match,
)
from evaluation.data.facts import default_facts, default_indicators
from evaluation.data.number_context import (
    TARGET_WORDS,
    clause_span,
    document_period,
    fact_unit,
    has_threshold,
    is_date,
    is_threshold,
    period_at,
    qualifier_of,
    scaled,
    simplified,
    status_at,
    without_readings,
    written_unit,
    year_at,
)
from evaluation.data.review import review_reasons, subject_text, tier_indicator, tier_label
from evaluation.data.sources import Source, default_sources
from evaluation.data.vocabulary import COLUMNS
from evaluation.io import read_text, sha256_file

REVIEW_COLUMNS = ("curated", "match", "suggested_fact_id", "suggested_kind", "review",
                  "vintage_of", "unit_text", "qualifier_words", "sentence", "start", "end")
# Words of a clause that make its figure a plan (planned spending) or a target.
PLAN_WORDS = ("计划",)
CANDIDATE_COLUMNS = (*COLUMNS, *REVIEW_COLUMNS)


def extract(document_path: str | Path, *, facts: pd.DataFrame | None = None,
            source_id: str | None = None, sources: dict[str, Source] | None = None,
            indicators: pd.DataFrame | None = None, chinese_numerals: bool = True
            ) -> pd.DataFrame:
    """List the candidate figures of a document and say which are already curated.

    Parameters
    ----------
    document_path
        A UTF-8 text file (simplified or traditional characters, full-width digits allowed).
    facts
        Curated facts (``load_facts()`` output); default the project's.
    source_id
        The document's id in ``data/sources.yaml``; default: the registered source with the same
        sha256, else blank (a document not registered yet).
    sources, indicators
        Registry and indicator table; default the project's.
    chinese_numerals
        Also list Chinese numerals standing before a unit (三次, 两个); a lone 一 (一批, 一次:
        "a batch", "once") is never a figure and is dropped.

    Returns
    -------
    pandas.DataFrame
        One row per figure, columns :data:`CANDIDATE_COLUMNS`: the facts' columns (``fact_id``,
        ``kind`` filled only when curated; ``value`` in the fact unit, e.g. 4100余万元 -> 0.41
        yi_yuan; ``quote`` the clause between commas around the figure), then ``curated``,
        ``match`` (``quote``: a curated quote of this source stands at this place;
        ``value``: a curated fact of any source has the same value, unit and cue words in this
        sentence), ``suggested_fact_id`` (``<source>.<year>.<indicator>`` when all three are
        known), ``unit_text`` (as written), ``qualifier_words``, ``sentence``, ``start``, ``end``
        (character offsets). Calendar years (2013年) and dates (4月, 3号) are not figures.

    Notes
    -----
    ``indicator`` is a guess for uncurated figures
    (:func:`~evaluation.data.fact_matching.guess_indicator`): the indicator of the curated fact
    of the same unit whose cue (the :data:`~evaluation.data.fact_matching.CUE_LENGTH` characters
    written before its number in its quote) shares the longest tail with the text before this
    figure in its clause (qualifier words such as 超过 left out); ties go to the indicator whose
    Chinese name shares the most two-character pieces with the sentence; blank when fewer than
    :data:`~evaluation.data.fact_matching.MIN_SHARED_CUE` characters match. ``year`` is the last
    ``NNNN年`` before the figure in its sentence, else the first in its paragraph, else the last
    in the nearest heading above that names one, else blank
    (:func:`~evaluation.data.number_context.year_at`).
    """
    written = read_text(document_path, expected="a UTF-8 text document")
    text, offsets = without_readings(written)
    path = Path(document_path)
    facts = default_facts() if facts is None else facts
    sources = default_sources() if sources is None else sources
    if source_id is None:
        source_id = _registered_id(path, sources)
    doc_type = sources[source_id].doc_type if source_id in sources else ""
    indicators = default_indicators() if indicators is None else indicators
    norm = simplified(normalise(text))
    doc = _Document(written=written, offsets=offsets, text=text, norm=norm, source_id=source_id,
                    doc_type=doc_type,
                    period=document_period(norm) if doc_type == "progress_report" else "year",
                    facts=facts,
                    quote_spots=find_quote_spots(norm, facts[facts["source_id"] == source_id]),
                    cues=fact_cues(facts), indicators=indicators)
    rows = [_candidate(mention, doc)
            for mention in find_numbers(text, chinese_numerals=chinese_numerals)
            if not is_date(mention) and mention.text != "一"
            and not is_threshold(mention, norm)]
    table = pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS))
    table["year"] = table["year"].astype("Int64")
    unsure = table["curated"] | (table["suggested_fact_id"] == "") | (table["review"] != "")
    sure = table[~unsure]
    twice = sure.index[sure.duplicated(["suggested_fact_id", "suggested_kind", "period"],
                                       keep=False)]
    table.loc[twice, "review"] = [_joined(r, "another figure of this document has the same "
                                          "indicator, year, kind and period")
                                  for r in table.loc[twice, "review"]]
    return table


def _joined(reasons: str, reason: str) -> str:
    return f"{reasons}; {reason}" if reasons else reason


@dataclass(frozen=True)
class _Document:
    """A document being read and what it is compared with."""

    written: str  # as written, readings (經(jīng)) included
    offsets: list[int]  # offset in ``written`` of each character of ``text``
    text: str  # ``written`` without readings
    norm: str  # simplified(normalise(text)): same offsets
    source_id: str
    doc_type: str  # the registered doc_type ("" when not registered)
    period: str  # what a figure without a written period covers (a progress report's months)
    facts: pd.DataFrame
    quote_spots: dict[int, str]
    cues: pd.DataFrame
    indicators: pd.DataFrame


def _registered_id(path: Path, sources: dict[str, Source]) -> str:
    """The id of the registered source with the document's sha256, else ""."""
    digest = sha256_file(path)
    return next((sid for sid, src in sources.items() if src.sha256 == digest), "")


def _candidate(mention: NumberMention, doc: _Document) -> dict[str, object]:
    """One row of :func:`extract`'s table for ``mention``."""
    norm = doc.norm
    unit, scale = fact_unit(mention, norm)
    value = scaled(mention.value, scale)
    high = None if mention.high is None else scaled(mention.high, scale)
    words = mention.qualifiers
    if not words and norm[mention.start - 1:mention.start] == "过":
        words = ("过",)
    qualifier = "range" if high is not None else qualifier_of(words)
    clause_start, clause_end = clause_span(norm, mention.start)
    sentence = simplified(normalise(mention.sentence))
    fact_id, match, vintage_of = doc.quote_spots.get(mention.start, ""), "", ""
    if fact_id:
        match = "quote"
    elif unit:
        fact_id = value_match(doc.cues, value, high, unit, sentence,
                              year=year_at(norm, mention.start),
                              before=norm[clause_start:mention.start])
        match = "value" if fact_id else ""
    clause = norm[clause_start:clause_end]
    status = status_at(norm, mention.start, clause_start, doc_type=doc.doc_type)
    period = period_at(norm, mention.start)
    before = norm[clause_start:mention.start]
    share = unit == "percent" and "完成" in before  # 完成全年目标任务的91%: an outcome
    aim = any(w in clause for w in TARGET_WORDS) and not share
    if period == "year" and not aim:
        period = doc.period
    year: int | None
    if fact_id:
        fact = doc.facts.loc[fact_id]
        year, kind, indicator = int(fact["year"]), fact["kind"], fact["indicator"]
        status = str(fact.get("status", status))
        period = str(fact.get("period", period))
    else:
        year, kind = year_at(norm, mention.start), ""
        tier = tier_label(clause)
        indicator = (tier_indicator(tier, doc.indicators) if tier and unit == "count" else
                     guess_indicator(doc.cues, unit, before, sentence, doc.indicators,
                                     clause=clause,
                                     tiered=has_threshold(norm, clause_start, clause_end)))
        vintage_of = same_meaning(doc.facts, doc.source_id, indicator, year, period,
                                  aim=aim)
        match = "meaning" if vintage_of else ""
    source_id = doc.source_id
    suggested = f"{source_id}.{year}.{indicator}" if source_id and year and indicator else ""
    start, end = doc.offsets[mention.start], doc.offsets[mention.end - 1] + 1
    quote_start = doc.offsets[clause_start]
    quote_end = doc.offsets[clause_end - 1] + 1 if clause_end > clause_start else quote_start
    return {
        "fact_id": fact_id, "source_id": source_id, "year": year, "kind": kind,
        "indicator": indicator, "value": value, "value_high": high, "unit": unit,
        "qualifier": qualifier, "value_text": mention.text,
        "quote": doc.written[quote_start:quote_end].strip(" \u3000"), "note": "",
        "period": period, "status": status, "scope": "",
        "curated": bool(fact_id), "match": match, "suggested_fact_id": suggested,
        "suggested_kind": kind or ("actual" if share else _kind_of(clause)),
        "review": "" if fact_id else "; ".join(_review(unit, year, indicator) + review_reasons(
            clause=clause, before=before, subject=subject_text(norm, clause_start, mention.start),
            unit=unit, indicator=indicator, indicators=doc.indicators,
            tier=tier_label(clause))),
        "vintage_of": vintage_of,
        "unit_text": doc.text[mention.end:mention.end + len(written_unit(mention, norm))],
        "qualifier_words": " ".join(words), "sentence": mention.sentence,
        "start": start, "end": end,
    }


def _kind_of(clause: str) -> str:
    """The kind a figure's clause gives it: ``plan`` (计划), ``target`` (目标, 力争 ...), else
    ``actual``."""
    if any(word in clause for word in PLAN_WORDS):
        return "plan"
    return "target" if any(word in clause for word in TARGET_WORDS) else "actual"


def _review(unit: str, year: int | None, indicator: str) -> list[str]:
    """What the extractor could not read of a figure (empty when it read everything)."""
    if not unit:
        return ["not a unit the facts use"]
    return (["no indicator recognised"] if not indicator else []) + (
        [] if year else ["no year written"])
