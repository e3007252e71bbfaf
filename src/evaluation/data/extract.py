"""Candidate figures in a new document, diffed against the curated facts.

``extract(path)`` lists every figure a document writes (value, unit, qualifier, the clause and
sentence it stands in) as a table with the columns of ``data/facts.csv`` plus review columns, so
that curating a new document means deleting rows and filling in ``kind`` and ``fact_id``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.core.numbers import NumberMention, find_numbers, normalise
from evaluation.data.facts import default_facts, default_indicators
from evaluation.data.schema import locate_value_text
from evaluation.data.sources import Source, default_sources
from evaluation.data.vocabulary import COLUMNS
from evaluation.io import read_text, sha256_file

# Written unit -> (fact unit, factor from the written unit to the fact unit).
UNIT_MAP: dict[str, tuple[str, str]] = {
    "亿元": ("yi_yuan", "1"), "亿": ("yi_yuan", "1"), "万元": ("yi_yuan", "0.0001"),
    "千元": ("yi_yuan", "0.00001"), "元": ("yi_yuan", "0.00000001"), "%": ("percent", "1"),
    **{word: ("count", "1") for word in ("户", "项", "个", "名", "家", "人", "次", "人次", "所",
                                          "座", "条", "台", "套", "批")},
}
# A count written with 万 before a count word (1.2万人) is 10,000 of them.
_COUNT_WORDS = ("户", "项", "个", "名", "家", "人", "次", "所", "座", "条", "台", "套")
# Qualifier words as find_numbers reports them -> the facts' qualifier; earlier entries win.
QUALIFIER_MAP: dict[str, str] = {
    "超过": "more_than", "超": "more_than", "逾": "more_than", "过": "more_than",
    "及以上": "at_least", "以上": "at_least", "至少": "at_least",
    "余": "odd", "多": "odd",
    "近": "nearly", "将近": "nearly", "接近": "nearly", "不到": "nearly", "不足": "nearly",
    "约": "about", "大约": "about", "左右": "about",
}
_QUALIFIER_ORDER = ("range", "more_than", "at_least", "odd", "nearly", "about")
DATE_UNITS = ("月", "日", "号")
_CLAUSE_BREAK = re.compile(r"[，,；;。：:！？!?\n]")
_YEAR = re.compile(r"((?:19|20)\d\d)年")
_SENTENCE_END = "。！？!?\n"
CUE_LENGTH = 6
MIN_SHARED_CUE = 3
MIN_SHARED_NAME = 3
# Qualifier words stripped from the end of a cue: they say nothing about the indicator.
_TRAILING_QUALIFIER = re.compile(r"(?:超过|将近|接近|大约|不到|不足|至少|超|逾|近|约|过|达到|达)$")
REVIEW_COLUMNS = ("curated", "match", "suggested_fact_id", "vintage_of", "unit_text",
                  "qualifier_words", "sentence", "start", "end")
# Status words: an estimate (预计) in the figure's clause; preliminary counts in its paragraph.
ESTIMATE_WORDS = ("预计", "预测", "估计")
# Words that make a figure a target or plan (for matching it with facts of the same measure).
TARGET_WORDS = ("目标", "计划", "确定", "培育", "力争", "争取")
PRELIMINARY_WORDS = ("初步统计", "初步核算", "快报", "初步测算")
# Periods a figure covers, as written before it in its sentence.
_MONTH_SPAN = re.compile(r"(\d{1,2})\s*[-~至到]\s*(\d{1,2})\s*月")
_UNTIL_MONTH = re.compile(r"截[至止](?:\d{4}年)?(\d{1,2})月(?:底|末|份)?")
_SINCE_YEAR = re.compile(r"(\d{4})年以来")
_SEASONS = {"上半年": "months:1-6", "前三季度": "months:1-9", "一季度": "months:1-3",
            "第一季度": "months:1-3"}
# A figure written as the threshold of a tier ("超过100亿元的企业", "50-100亿的企业"): part of the
# indicator's definition, not a figure.
_THRESHOLD_AFTER = re.compile(r"(?:及以上|以上|以下)?的?(?:工业)?(?:企业|项目)")
# Web-copied text can carry a reading after a glyph: 經(jīng)濟. Left out of cue words.
_READING = re.compile(r"\([a-zA-Z\u00e0-\u01dc\u0144\u0148\u01f9:]+\d?\)")
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
    ``indicator`` is a guess for uncurated figures: the indicator of the curated fact of the same
    unit whose cue (the :data:`CUE_LENGTH` characters written before its number in its quote)
    shares the longest tail with the text before this figure in its clause (qualifier words
    such as 超过 left out); ties go to the indicator whose Chinese name shares the most
    two-character pieces with the sentence; blank when fewer than :data:`MIN_SHARED_CUE`
    characters match. ``year`` is the last ``NNNN年`` before the figure in
    its sentence, else the first in its paragraph, else blank.
    """
    text = read_text(document_path, expected="a UTF-8 text document")
    path = Path(document_path)
    facts = default_facts() if facts is None else facts
    if source_id is None:
        source_id = _registered_id(path, default_sources() if sources is None else sources)
    indicators = default_indicators() if indicators is None else indicators
    norm = simplified(normalise(text))
    doc = _Document(text=text, norm=norm, source_id=source_id, facts=facts,
                    quote_spots=_quote_spots(norm, facts[facts["source_id"] == source_id]),
                    cues=_cues(facts), indicators=indicators)
    rows = [_candidate(mention, doc)
            for mention in find_numbers(text, chinese_numerals=chinese_numerals)
            if not _is_date(mention) and mention.text != "一"
            and not _is_threshold(mention, norm)]
    table = pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS))
    table["year"] = table["year"].astype("Int64")
    return table


@dataclass(frozen=True)
class _Document:
    """A document being read and what it is compared with."""

    text: str
    norm: str  # normalise(text): same offsets
    source_id: str
    facts: pd.DataFrame
    quote_spots: dict[int, str]
    cues: pd.DataFrame
    indicators: pd.DataFrame


def simplified(text: str) -> str:
    """``text`` in simplified characters (OpenCC ``t2s``), one character for one character.

    Offsets into the result are offsets into ``text``: where OpenCC's phrase conversion changes
    the length, each character is converted on its own.
    """
    converter = _converter()
    converted = converter.convert(text)
    if len(converted) == len(text):
        return converted
    singles = (converter.convert(char) for char in text)
    return "".join(new if len(new) == 1 else old for old, new in zip(text, singles, strict=True))


@functools.cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def _is_threshold(mention: NumberMention, norm: str) -> bool:
    """Whether the figure is a tier threshold (超过100亿元的企业; 超过50亿元 after N户企业)."""
    if mention.unit not in ("亿元", "亿", "万元", "%"):
        return False
    after = mention.end + len(_written_unit(mention, norm))
    if _THRESHOLD_AFTER.match(norm, after):
        return True
    clause_start, _ = _clause(norm, mention.start)
    before = norm[clause_start:mention.start]
    above = {"超过", "超", "以上", "及以上", "过"} & set(mention.qualifiers)
    return bool(above) and re.search(r"\d+户", before) is not None and "销售收入" in before


def _registered_id(path: Path, sources: dict[str, Source]) -> str:
    digest = sha256_file(path)
    return next((sid for sid, src in sources.items() if src.sha256 == digest), "")


def _is_date(mention: NumberMention) -> bool:
    if mention.unit in DATE_UNITS:
        return True
    return mention.unit == "年" and mention.value.is_integer() and 1900 <= mention.value <= 2100


def _quote_spots(norm: str, facts: pd.DataFrame) -> dict[int, str]:
    """Offset of each curated fact's value_text in ``norm`` -> fact_id (quote occurrences)."""
    spots: dict[int, str] = {}
    for fact in facts.itertuples(index=False):
        quote, written = simplified(normalise(fact.quote)), normalise(fact.value_text)
        inside = locate_value_text(quote, written)  # 5 is not found inside 50
        start = norm.find(quote)
        while start >= 0 and inside >= 0:
            spots.setdefault(start + inside, fact.fact_id)
            start = norm.find(quote, start + 1)
    return spots


def _cues(facts: pd.DataFrame) -> pd.DataFrame:
    """Each curated fact's cue: the characters written just before its number in its quote."""
    cues = []
    for fact in facts.itertuples(index=False):
        quote, written = simplified(normalise(fact.quote)), normalise(fact.value_text)
        before = _CLAUSE_BREAK.split(quote[:max(locate_value_text(quote, written), 0)])[-1]
        cues.append(_cue_text(before)[-CUE_LENGTH:])
    return facts.assign(cue=cues)[["fact_id", "indicator", "year", "unit", "value", "value_high",
                                   "cue"]]


def _candidate(mention: NumberMention, doc: _Document) -> dict:
    norm = doc.norm
    unit, scale = _fact_unit(mention, norm)
    value = _scaled(mention.value, scale)
    high = None if mention.high is None else _scaled(mention.high, scale)
    words = mention.qualifiers
    if not words and norm[mention.start - 1:mention.start] == "过":
        words = ("过",)
    qualifier = "range" if high is not None else _qualifier(words)
    clause_start, clause_end = _clause(norm, mention.start)
    sentence = simplified(normalise(mention.sentence))
    fact_id, match, vintage_of = doc.quote_spots.get(mention.start, ""), "", ""
    if fact_id:
        match = "quote"
    elif unit:
        fact_id = _value_match(doc.cues, value, high, unit, sentence,
                               year=_year(norm, mention.start))
        match = "value" if fact_id else ""
    status, period = _status(norm, mention.start, clause_start), _period(norm, mention.start)
    year: int | None
    if fact_id:
        fact = doc.facts.loc[fact_id]
        year, kind, indicator = int(fact["year"]), fact["kind"], fact["indicator"]
        status = str(fact.get("status", status))
        period = str(fact.get("period", period))
    else:
        year, kind = _year(norm, mention.start), ""
        clause = norm[clause_start:clause_end]
        indicator = _guess_indicator(doc.cues, unit, norm[clause_start:mention.start], sentence,
                                     doc.indicators, clause=clause,
                                     tiered=_has_threshold(norm, clause_start, clause_end))
        vintage_of = _same_meaning(doc, indicator, year, period,
                                   aim=any(w in clause for w in TARGET_WORDS))
        match = "meaning" if vintage_of else ""
    source_id = doc.source_id
    suggested = f"{source_id}.{year}.{indicator}" if source_id and year and indicator else ""
    return {
        "fact_id": fact_id, "source_id": source_id, "year": year, "kind": kind,
        "indicator": indicator, "value": value, "value_high": high, "unit": unit,
        "qualifier": qualifier, "value_text": mention.text,
        "quote": doc.text[clause_start:clause_end].strip(" \u3000"), "note": "",
        "period": period, "status": status, "scope": "",
        "curated": bool(fact_id), "match": match, "suggested_fact_id": suggested,
        "vintage_of": vintage_of,
        "unit_text": doc.text[mention.end:mention.end + len(_written_unit(mention, norm))],
        "qualifier_words": " ".join(words), "sentence": mention.sentence,
        "start": mention.start, "end": mention.end,
    }


def _status(norm: str, position: int, clause_start: int) -> str:
    """``estimate`` (预计 in the clause), ``preliminary`` (初步统计 in the paragraph), else
    ``final``."""
    if any(word in norm[clause_start:position] for word in ESTIMATE_WORDS):
        return "estimate"
    line_start = norm.rfind("\n", 0, position) + 1
    line_end = norm.find("\n", position)
    paragraph = norm[line_start:line_end if line_end >= 0 else len(norm)]
    return "preliminary" if any(word in paragraph for word in PRELIMINARY_WORDS) else "final"


def _period(norm: str, position: int) -> str:
    """The period written before the figure in its sentence (1-11月, 截至11月底, 上半年, 总投资)."""
    sentence_start = max(norm.rfind(end, 0, position) for end in _SENTENCE_END) + 1
    before = norm[sentence_start:position]
    clause_start, _ = _clause(norm, position)
    if "总投资" in norm[clause_start:position]:
        return "lifetime"
    found: list[tuple[int, str]] = []
    for match in _MONTH_SPAN.finditer(before):
        first, last = int(match.group(1)), int(match.group(2))
        if 1 <= first <= last <= 12:
            found.append((match.end(), f"months:{first}-{last}"))
    for match in _UNTIL_MONTH.finditer(before):
        if 1 <= int(match.group(1)) <= 12:
            found.append((match.end(), f"months:1-{int(match.group(1))}"))
    for match in _SINCE_YEAR.finditer(before):
        found.append((match.end(), f"since:{match.group(1)}-01"))
    for word, period in _SEASONS.items():
        at = before.rfind(word)
        if at >= 0:
            found.append((at + len(word), period))
    return max(found)[1] if found else "year"


def _same_meaning(doc: _Document, indicator: str, year: int | None, period: str, *,
                  aim: bool) -> str:
    """A curated fact of another document with the same indicator, year, period and measure
    (a target or plan when ``aim``: the clause says 目标, 计划 ...; else an outcome)."""
    if not indicator or not year:
        return ""
    facts = doc.facts
    periods = facts["period"] if "period" in facts else pd.Series("year", index=facts.index)
    kinds = ["target", "plan"] if aim else ["actual", "estimate"]
    same = facts[(facts["indicator"] == indicator) & (facts["year"] == year)
                 & (facts["source_id"] != doc.source_id) & (periods == period)
                 & facts["kind"].isin(kinds)]
    return str(same["fact_id"].iloc[-1]) if len(same) else ""


def _written_unit(mention: NumberMention, norm: str) -> str:
    """The unit as written after the number, including a 余/多 between number and unit."""
    between = next((q for q in ("余", "多") if norm.startswith(q, mention.end)), "")
    return between + mention.unit if mention.unit else ""


def _fact_unit(mention: NumberMention, norm: str) -> tuple[str, str]:
    """(facts unit, scale) for a mention; ``("", "1")`` for units facts do not use (万吨, KV)."""
    if mention.unit == "万":
        after = mention.end + len(_written_unit(mention, norm))
        if norm.startswith(_COUNT_WORDS, after):
            return "count", "10000"
        return "", "1"
    if mention.unit == "度":
        clause_start, _ = _clause(norm, mention.start)
        return ("kwh_per_t", "1") if "吨" in norm[clause_start:mention.start] else ("", "1")
    return UNIT_MAP.get(mention.unit, ("", "1"))


def _scaled(value: float, scale: str) -> float:
    return float(Decimal(repr(value)) * Decimal(scale))


def _qualifier(words: tuple[str, ...]) -> str:
    mapped = {QUALIFIER_MAP[w] for w in words if w in QUALIFIER_MAP}
    return next((q for q in _QUALIFIER_ORDER if q in mapped), "exact")


def _clause(norm: str, position: int) -> tuple[int, int]:
    """Start and end of the clause (between commas, semicolons, stops) around ``position``."""
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(norm, 0, position)), default=0)
    end_match = _CLAUSE_BREAK.search(norm, position)
    return start, end_match.start() if end_match else len(norm)


def _year(norm: str, position: int) -> int | None:
    sentence_start = max(norm.rfind(end, 0, position) for end in _SENTENCE_END) + 1
    years = _YEAR.findall(norm[sentence_start:position])
    if years:
        return int(years[-1])
    line_start = norm.rfind("\n", 0, position) + 1
    line_end = norm.find("\n", position)
    years = _YEAR.findall(norm[line_start:line_end if line_end >= 0 else len(norm)])
    if years:
        return int(years[0])
    for line in reversed(norm[:max(line_start - 1, 0)].split("\n")):
        if line.strip() and not any(end in line for end in "。！？!?"):  # a heading
            heading = _YEAR.findall(line)
            if heading:
                return int(heading[-1])
    return None


def _value_match(cues: pd.DataFrame, value: float, high: float | None, unit: str,
                 sentence: str, *, year: int | None) -> str:
    """A curated fact with this value, unit and cue in the sentence (and year, when known)."""
    same = cues[(cues["unit"] == unit) & _close(cues["value"], value)]
    if year is not None:
        same = same[same["year"] == year]
    if high is None:
        same = same[same["value_high"].isna()]
    else:
        same = same[_close(same["value_high"], high)]
    hits = same[[bool(cue) and cue in sentence for cue in same["cue"]]]
    return str(hits["fact_id"].iloc[0]) if len(hits) else ""


def _close(series: pd.Series, value: float) -> pd.Series:
    return (series - value).abs() <= 1e-9 * max(1.0, abs(value))


def _has_threshold(norm: str, start: int, end: int) -> bool:
    """Whether the clause holds a tier threshold (超过100亿元的企业)."""
    clause = norm[start:end]
    return any(_is_threshold(m, clause) for m in find_numbers(clause, chinese_numerals=True))


def _name_guess(unit: str, clause: str, indicators: pd.DataFrame) -> str:
    """The indicator of ``unit`` whose Chinese name has the largest share of its two-character
    pieces in the clause (at least :data:`MIN_SHARED_NAME` pieces); "" when none does."""
    if "unit" not in indicators or "name_zh" not in indicators:
        return ""
    text = _plain(clause).replace("100亿", "百亿")
    best, best_score = "", (0.0, 0)
    for indicator, row in indicators[indicators["unit"] == unit].iterrows():
        name = str(row["name_zh"])
        shared = _shared_bigrams(name, text)
        score = (shared / max(len(name) - 1, 1), shared)  # the share of the name, then count
        if shared >= MIN_SHARED_NAME and score > best_score:
            best, best_score = str(indicator), score
    return best


def _plain(text: str) -> str:
    """Text without quotation marks and readings, for comparing words."""
    return _READING.sub("", re.sub(r"[“”\"'‘’「」『』]", "", text))


def _guess_indicator(cues: pd.DataFrame, unit: str, before: str, sentence: str,
                     indicators: pd.DataFrame, *, clause: str = "", tiered: bool = False) -> str:
    if not unit:
        return ""
    if tiered:
        return _name_guess(unit, clause, indicators) or _cue_guess(cues, unit, before, sentence,
                                                                   indicators)
    return _cue_guess(cues, unit, before, sentence, indicators) or _name_guess(
        unit, clause, indicators)


def _cue_guess(cues: pd.DataFrame, unit: str, before: str, sentence: str,
               indicators: pd.DataFrame) -> str:
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
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _shared_bigrams(name: str, sentence: str) -> int:
    return sum(name[i:i + 2] in sentence for i in range(len(name) - 1))
