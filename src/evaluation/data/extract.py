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
from evaluation.data.review import (
    counted_after,
    review_reasons,
    subject_text,
    tier_indicator,
    tier_label,
)
from evaluation.data.sources import Source, default_sources
from evaluation.data.vocabulary import COLUMNS
from evaluation.io import read_text, sha256_file

REVIEW_COLUMNS = ("curated", "match", "suggested_fact_id", "suggested_kind", "review",
                  "vintage_of", "unit_text", "qualifier_words", "sentence", "start", "end")
# Words of a clause that make its figure a plan (planned spending) or a target.
PLAN_WORDS = ("计划",)
# Words that name the action: a figure of another document is one of its indicators only where
# its sentence names the action (a news release also speaks of the province's industry).
ACTION_WORDS = ("双百",)
# Words that say a figure counts up to now, without writing the months.
SO_FAR_WORDS = ("截至目前", "目前", "迄今")
# Words that make a figure the whole year's (年内预计新增销售收入131亿元).
WHOLE_YEAR_WORDS = ("全年", "年内", "年初")
# Words before a percentage that make it a share of something (a target, a total).
SHARE_WORDS = ("完成", "实现", "占", "为")
CANDIDATE_COLUMNS = (*COLUMNS, *REVIEW_COLUMNS)


def extract(document_path: str | Path, *, facts: pd.DataFrame | None = None,
            source_id: str | None = None, sources: dict[str, Source] | None = None,
            indicators: pd.DataFrame | None = None, chinese_numerals: bool = True,
            doc_type: str | None = None, published: str | None = None) -> pd.DataFrame:
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
    doc_type, published
        The document's type and publication date; default the registered source's (a document
        not registered: no type, no date).

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
    source = sources.get(source_id)
    doc_type = doc_type if doc_type is not None else source.doc_type if source else ""
    published = published if published is not None else source.published if source else ""
    indicators = default_indicators() if indicators is None else indicators
    norm = simplified(normalise(text))
    written_period = document_period(norm)
    doc = _Document(written=written, offsets=offsets, text=text, norm=norm, source_id=source_id,
                    doc_type=doc_type,
                    period=written_period if doc_type == "progress_report" else "year",
                    written_period=written_period,
                    published_year=int(published[:4]) if published[:4].isdigit() else None,
                    action_spans=_about_action(norm, doc_type), facts=facts,
                    quote_spots=find_quote_spots(norm, facts[facts["source_id"] == source_id]),
                    cues=fact_cues(facts), indicators=indicators)
    rows = [_candidate(mention, doc)
            for mention in find_numbers(simplified(text), chinese_numerals=chinese_numerals)
            if not is_date(mention, norm) and mention.text != "一"
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
    written_period: str  # the period the document's first lines write
    published_year: int | None  # the year of publication, when registered
    action_spans: list[tuple[int, int]]  # spans about the action (see _about_action)
    facts: pd.DataFrame
    quote_spots: dict[int, str]
    cues: pd.DataFrame
    indicators: pd.DataFrame

    def about_action(self, position: int) -> bool:
        """Whether the text at ``position`` is about the action (see :func:`_about_action`)."""
        return any(start <= position < end for start, end in self.action_spans)


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
    clause, before = norm[clause_start:clause_end], norm[clause_start:mention.start]
    sentence = simplified(normalise(mention.sentence))
    notes: list[str] = []
    fact_id, match, vintage_of = doc.quote_spots.get(mention.start, ""), "", ""
    year, year_note = _year(doc, mention.start)
    same = ""  # a curated fact of another document with this value, unit and cue
    if fact_id:
        match = "quote"
    elif unit:
        same = value_match(doc.cues, value, high, unit, sentence, year=year, before=before)
        if same and doc.facts.loc[same, "source_id"] == doc.source_id:
            fact_id, same = same, ""
        match = "value" if fact_id or same else ""
    status = status_at(norm, mention.start, clause_start, doc_type=doc.doc_type)
    # 完成全年目标任务的91%, 占年度目标任务74.2%: a share of a target, an outcome
    share = unit == "percent" and any(word in before for word in SHARE_WORDS)
    aim = any(w in clause for w in TARGET_WORDS) and not share
    period, period_notes = _period(doc, mention.start, clause, aim=aim, share=share)
    tier = tier_label(clause)
    subject = subject_text(norm, clause_start, mention.start)
    if fact_id:
        fact = doc.facts.loc[fact_id]
        year, kind, indicator = int(fact["year"]), fact["kind"], fact["indicator"]
        status = str(fact.get("status", status))
        period = str(fact.get("period", period))
    elif same:  # the same figure, stated again by this document: a vintage of it
        fact = doc.facts.loc[same]
        year, kind, indicator = int(fact["year"]), "", str(fact["indicator"])
        period, vintage_of = str(fact.get("period", period)), same
    else:
        notes += period_notes
        kind = ""
        indicator = (tier_indicator(tier, doc.indicators) if tier and unit == "count" else
                     guess_indicator(doc.cues, unit, before, sentence, doc.indicators,
                                     clause=clause, subject=subject,
                                     counted=counted_after(norm, mention.end, unit),
                                     tiered=has_threshold(norm, clause_start, clause_end)))
        if indicator and not doc.about_action(mention.start):
            notes.append("its sentence does not name the action (" + "、".join(ACTION_WORDS)
                         + f"); {indicator} left out")
            indicator = ""
        vintage_of = same_meaning(doc.facts, doc.source_id, indicator, year, period, aim=aim)
        match = "meaning" if vintage_of else ""
    if not fact_id:
        notes = (_review(unit, year, indicator) + ([year_note] if year_note else []) + notes
                 + review_reasons(clause=clause, before=before, subject=subject, unit=unit,
                                  indicator=indicator, indicators=doc.indicators, tier=tier))
    source_id = doc.source_id
    suggested = f"{source_id}.{year}.{indicator}" if source_id and year and indicator else ""
    start, end = doc.offsets[mention.start], doc.offsets[mention.end - 1] + 1
    quote_start = doc.offsets[clause_start]
    quote_end = doc.offsets[clause_end - 1] + 1 if clause_end > clause_start else quote_start
    return {
        "fact_id": fact_id, "source_id": source_id, "year": year, "kind": kind,
        "indicator": indicator, "value": value, "value_high": high, "unit": unit,
        "qualifier": qualifier, "value_text": doc.text[mention.start:mention.end],
        "quote": doc.written[quote_start:quote_end].strip(" \u3000"), "note": "",
        "period": period, "status": status, "scope": "",
        "curated": bool(fact_id), "match": match, "suggested_fact_id": suggested,
        "suggested_kind": kind or ("actual" if share else _kind_of(clause)),
        "review": "" if fact_id else "; ".join(dict.fromkeys(notes)),
        "vintage_of": vintage_of,
        "unit_text": doc.text[mention.end:mention.end + len(written_unit(mention, norm))],
        "qualifier_words": " ".join(words), "sentence": _sentence(doc, mention.start),
        "start": start, "end": end,
    }


def _sentence(doc: _Document, position: int) -> str:
    """The sentence around ``position`` as the document writes it (readings left out)."""
    ends = "。！？!?\n"
    start = max(doc.norm.rfind(end, 0, position) for end in ends) + 1
    stops = [i for i in (doc.norm.find(end, position) for end in ends) if i >= 0]
    stop = min(stops) + 1 if stops else len(doc.text)
    return doc.text[start:stop].strip(" \t\r\n\u3000")


def _year(doc: _Document, position: int) -> tuple[int | None, str]:
    """The figure's year and, when no year is written near it, how it was taken."""
    year = year_at(doc.norm, position)
    if year is not None or not doc.published_year:
        return year, ""
    sentence_start = max(doc.norm.rfind(end, 0, position) for end in "。！？!?\n") + 1
    if "今年" in doc.norm[sentence_start:position]:
        return doc.published_year, ""
    return doc.published_year, "no year written: the year of publication"


def _period(doc: _Document, position: int, clause: str, *, aim: bool, share: bool
            ) -> tuple[str, list[str]]:
    """The period a figure covers and, when it is not written with the figure, how it was
    taken.

    The period written before it in its sentence; for a target or plan (``aim``) only one
    written in that sentence itself (not in the one a 其中 sentence continues), else the full
    year; 全年/年内/年初 in its clause is the full year (unless the figure is a share: then they
    describe the target); with
    nothing written, the period the document's first lines write (a progress report's months;
    in other documents too, flagged), else the full year.
    """
    norm = doc.norm
    if aim:
        return period_at(norm, position, continued=False), []
    if not share and any(word in clause for word in WHOLE_YEAR_WORDS):
        return "year", []
    period = period_at(norm, position)
    if period != "year":
        return period, []
    so_far = next((w for w in SO_FAR_WORDS if w in clause), "")
    if doc.written_period == "year" or doc.doc_type == "plan":
        notes = [f"{so_far} (so far): the months it covers are not written"] if so_far else []
        return "year", notes
    if doc.doc_type == "progress_report":
        return doc.written_period, []
    return doc.written_period, ["no period written: the period of the document's first lines"]


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


def _about_action(norm: str, doc_type: str) -> list[tuple[int, int]]:
    """Spans of ``norm`` about the action: the whole of a plan; elsewhere each sentence that
    names it (:data:`ACTION_WORDS`), continued by sentences that begin with 其中."""
    if doc_type == "plan":
        return [(0, len(norm))]
    spans: list[tuple[int, int]] = []
    start = 0
    for end in [i + 1 for i, c in enumerate(norm) if c in "。！？!?\n"] + [len(norm)]:
        sentence = norm[start:end]
        names = any(word in sentence for word in ACTION_WORDS)
        continues = sentence.lstrip(" \u3000").startswith("其中") and spans and \
            spans[-1][1] == start
        if names or continues:
            spans.append((start, end))
        start = end
    return spans
