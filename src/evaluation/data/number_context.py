"""The words around a number in a document: its unit, qualifier, clause, year, period, status.

Functions here read a normalised document (``normalise`` then :func:`simplified`: offsets are
those of the original text) at the place of one figure; they know nothing of the curated facts.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Any

from evaluation.core.numbers import NumberMention, find_numbers

# Written unit -> (fact unit, factor from the written unit to the fact unit).
UNIT_MAP: dict[str, tuple[str, str]] = {
    "亿元": ("yi_yuan", "1"), "亿": ("yi_yuan", "1"), "万元": ("yi_yuan", "0.0001"),
    "千元": ("yi_yuan", "0.00001"), "元": ("yi_yuan", "0.00000001"), "%": ("percent", "1"),
    **{word: ("count", "1") for word in ("户", "项", "个", "名", "家", "人", "次", "人次", "所",
                                          "座", "条", "台", "套", "批")},
}
# Measures written after 亿 that make it a quantity, not an amount of yuan (50.37亿立方米).
_MEASURES = ("立方米", "吨", "千瓦", "度", "平方", "公里", "人", "株", "头", "只", "件")
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
CLAUSE_BREAK = re.compile(r"[，,；;。：:！？!?\n]")
"""Characters that end a clause (commas, semicolons, colons, stops, line ends)."""
_YEAR = re.compile(r"((?:19|20)\d\d)年")
_SENTENCE_END = "。！？!?\n"
# Status words: an estimate (预计) in the figure's clause or earlier in its sentence (up to a
# semicolon); preliminary counts and final figures in its paragraph.
ESTIMATE_WORDS = ("预计", "预测", "估计")
FINAL_WORDS = ("最终核实", "核实数", "最终统计", "统计年报", "年报数据")
# The status a document's figures have when its words say nothing (a news release early in the
# year gives preliminary results; plans, progress reports and communiqués final ones).
DEFAULT_STATUS = {"news_release": "preliminary"}
# A reading in Latin letters written after a character by a web copy: 預(yù)計, 經(jīng).
READING = re.compile(r"(?<=[\u3400-\u9fff])\((?:[a-z\u00e0-\u01dc\u0144\u0148\u01f9]+\d?)\)")
# Words that make a figure a target or plan (for matching it with facts of the same measure).
TARGET_WORDS = ("目标", "计划", "确定", "培育", "力争", "争取")
PRELIMINARY_WORDS = ("初步统计", "初步核算", "快报", "初步测算")
# Periods a figure covers, as written before it in its sentence.
_MONTH_SPAN = re.compile(r"(\d{1,2})\s*月?\s*[-~至到]\s*(\d{1,2})\s*月")
_FIRST_MONTHS = re.compile(r"前(\d{1,2})个?月")
_UNTIL_MONTH = re.compile(r"截[至止](?:\d{4}年)?(\d{1,2})月(?:底|末|份)?")
_SINCE_YEAR = re.compile(r"(\d{4})年以来")
_SEASONS = {"上半年": "months:1-6", "前三季度": "months:1-9", "一季度": "months:1-3",
            "第一季度": "months:1-3"}
# A figure written as the threshold of a tier ("超过100亿元的企业", "50-100亿的企业"): part of the
# indicator's definition, not a figure.
_THRESHOLD_AFTER = re.compile(r"(?:及以上|以上|以下)?的?(?:工业)?(?:企业|项目)")


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


def is_date(mention: NumberMention, norm: str = "") -> bool:
    """Whether the mention is a date (4月, 3号), a calendar year (2013年) or a span of months
    (前11个月, 3个月), not a figure."""
    if mention.unit in DATE_UNITS:
        return True
    if mention.unit == "个" and norm.startswith("月", mention.end + 1):
        return True
    return mention.unit == "年" and mention.value.is_integer() and 1900 <= mention.value <= 2100


def is_threshold(mention: NumberMention, norm: str) -> bool:
    """Whether the figure is a tier threshold (超过100亿元的企业; 超过50亿元 after N户企业)."""
    if mention.unit not in ("亿元", "亿", "万元", "%"):
        return False
    after = mention.end + len(written_unit(mention, norm))
    if _THRESHOLD_AFTER.match(norm, after):
        return True
    clause_start, _ = clause_span(norm, mention.start)
    before = norm[clause_start:mention.start]
    above = {"超过", "超", "以上", "及以上", "过"} & set(mention.qualifiers)
    return bool(above) and re.search(r"\d+户", before) is not None and "销售收入" in before


def has_threshold(norm: str, start: int, end: int) -> bool:
    """Whether the clause ``norm[start:end]`` holds a tier threshold (超过100亿元的企业)."""
    clause = norm[start:end]
    return any(is_threshold(m, clause) for m in find_numbers(clause, chinese_numerals=True))


def clause_span(norm: str, position: int) -> tuple[int, int]:
    """Start and end of the clause (between commas, semicolons, stops) around ``position``."""
    start = max((m.end() for m in CLAUSE_BREAK.finditer(norm, 0, position)), default=0)
    end_match = CLAUSE_BREAK.search(norm, position)
    return start, end_match.start() if end_match else len(norm)


def written_unit(mention: NumberMention, norm: str) -> str:
    """The unit as written after the number, including a 余/多 between number and unit."""
    between = next((q for q in ("余", "多") if norm.startswith(q, mention.end)), "")
    return between + mention.unit if mention.unit else ""


def fact_unit(mention: NumberMention, norm: str) -> tuple[str, str]:
    """(facts unit, scale) for a mention; ``("", "1")`` for units facts do not use (万吨, KV)."""
    if mention.unit == "万":
        after = mention.end + len(written_unit(mention, norm))
        if norm.startswith(_COUNT_WORDS, after):
            return "count", "10000"
        return "", "1"
    if mention.unit == "亿" and norm.startswith(_MEASURES, mention.end + 1):
        return "", "1"  # 50.37亿立方米: cubic metres, not yuan
    if mention.unit == "度":
        clause_start, _ = clause_span(norm, mention.start)
        return ("kwh_per_t", "1") if "吨" in norm[clause_start:mention.start] else ("", "1")
    return UNIT_MAP.get(mention.unit, ("", "1"))


def scaled(value: float, scale: str) -> float:
    """``value`` times the decimal factor ``scale``, computed in decimal (4100 万元 -> 0.41)."""
    return float(Decimal(repr(value)) * Decimal(scale))


def qualifier_of(words: tuple[str, ...]) -> str:
    """The facts' qualifier for the qualifier words written around a figure (``exact`` if none)."""
    mapped = {QUALIFIER_MAP[w] for w in words if w in QUALIFIER_MAP}
    return next((q for q in _QUALIFIER_ORDER if q in mapped), "exact")


def without_readings(text: str) -> tuple[str, list[int]]:
    """``text`` without the readings a web copy writes after characters (預(yù)計 -> 預計).

    Returns
    -------
    tuple
        The text without readings, and for each of its characters (and its end) the offset of
        that character in ``text``, so that offsets found in the first map back to the second.
    """
    kept: list[str] = []
    offsets: list[int] = []
    last = 0
    for match in READING.finditer(text):
        kept.append(text[last:match.start()])
        offsets.extend(range(last, match.start()))
        last = match.end()
    kept.append(text[last:])
    offsets.extend(range(last, len(text) + 1))
    return "".join(kept), offsets


def status_at(norm: str, position: int, clause_start: int, *, doc_type: str = "") -> str:
    """The status of the figure at ``position``, from its words and its document's type.

    The status its words give (:func:`status_words`), else the document type's default
    (:data:`DEFAULT_STATUS`: a news release's figures are preliminary), else ``final``.
    """
    status, _ = status_words(norm, position, clause_start)
    return status or DEFAULT_STATUS.get(doc_type, "final")


def status_words(norm: str, position: int, clause_start: int) -> tuple[str, str]:
    """The status the words around the figure at ``position`` give, and the word that says so.

    ``estimate`` when 预计 (预测, 估计) stands in the figure's clause or earlier in its sentence
    (up to a semicolon); else ``preliminary`` when 初步统计 (快报 ...) stands in its paragraph;
    else ``final`` when 最终核实 (核实数 ...) does; else ``("", "")``.
    """
    _, clause_end = clause_span(norm, position)
    segment_start = max(norm.rfind(end, 0, position) for end in (*_SENTENCE_END, "；", ";")) + 1
    segment = norm[min(segment_start, clause_start):clause_end]
    line_start = norm.rfind("\n", 0, position) + 1
    line_end = norm.find("\n", position)
    paragraph = norm[line_start:line_end if line_end >= 0 else len(norm)]
    for status, words, text in (("estimate", ESTIMATE_WORDS, segment),
                                ("preliminary", PRELIMINARY_WORDS, paragraph),
                                ("final", FINAL_WORDS, paragraph)):
        word = next((w for w in words if w in text), "")
        if word:
            return status, word
    return "", ""


def document_period(norm: str) -> str:
    """The period a progress report covers: the first period written in its first lines (the
    title), else in the whole document; ``year`` when none is written."""
    lines = [line for line in norm.split("\n") if line.strip()]
    for text in (*lines[:3], norm):
        found = _periods_in(text)
        if found:
            return min(found)[1]
    return "year"


def period_at(norm: str, position: int, *, continued: bool = True) -> str:
    """The period written before the figure in its sentence (1-11月, 截至11月底, 上半年, 总投资);
    a sentence that begins with 其中 ("of which") continues the one before it (unless not
    ``continued``)."""
    sentence_start = (_sentence_start(norm, position) if continued else
                      max(norm.rfind(end, 0, position) for end in _SENTENCE_END) + 1)
    before = norm[sentence_start:position]
    clause_start, _ = clause_span(norm, position)
    if "总投资" in norm[clause_start:position]:
        return "lifetime"
    found = _periods_in(before)
    return max(found)[1] if found else "year"


def _sentence_start(norm: str, position: int) -> int:
    """Where the sentence of ``position`` starts; a sentence beginning with 其中 starts with
    the sentence before it."""
    start = max(norm.rfind(end, 0, position) for end in _SENTENCE_END) + 1
    if norm[start:position].lstrip(" \u3000").startswith("其中") and start > 1:
        return max(norm.rfind(end, 0, start - 1) for end in _SENTENCE_END) + 1
    return start


def _periods_in(before: str) -> list[tuple[int, str]]:
    """Each period written in ``before`` with the offset where its words end."""
    found: list[tuple[int, str]] = []
    for match in _MONTH_SPAN.finditer(before):
        first, last = int(match.group(1)), int(match.group(2))
        if 1 <= first <= last <= 12:
            found.append((match.end(), f"months:{first}-{last}"))
    for match in _FIRST_MONTHS.finditer(before):
        if 1 <= int(match.group(1)) <= 12:
            found.append((match.end(), f"months:1-{int(match.group(1))}"))
    for match in _UNTIL_MONTH.finditer(before):
        if 1 <= int(match.group(1)) <= 12:
            found.append((match.end(), f"months:1-{int(match.group(1))}"))
    for match in _SINCE_YEAR.finditer(before):
        found.append((match.end(), f"since:{match.group(1)}-01"))
    for word, period in _SEASONS.items():
        at = before.rfind(word)
        if at >= 0:
            found.append((at + len(word), period))
    return found


def year_at(norm: str, position: int) -> int | None:
    """The year of the figure at ``position``: the last ``NNNN年`` before it in its sentence,
    else the first in its paragraph, else the last in the nearest heading above that names one;
    else None."""
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
