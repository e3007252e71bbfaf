"""Reading numbers as documents write them: full-width digits, ．/％, Chinese numerals, ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# Full-width digits and punctuation, and the traditional forms of the characters we read.
_TRANSLATE = str.maketrans({
    # Full-width ASCII (digits, ．％－, letters such as ＫＶ, brackets): one character each.
    **{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)},
    "—": "-",
    "億": "亿", "萬": "万", "餘": "余", "約": "约", "過": "过", "兩": "两", "個": "个",
    "項": "项", "戶": "户", "噸": "吨", "畝": "亩", "臺": "台", "條": "条", "倆": "俩",
    "將": "将", "達": "达", "於": "于",
})
_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
CHINESE_NUMERAL = re.compile(f"[{''.join(_CN_DIGITS)}{''.join(_CN_UNITS)}]+")
# Digits, with thousands separators (1,571.6) and decimals.
ARABIC_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
# A range: 40－50, 50至100, and 50亿元至100 (the unit written after the first end too).
RANGE_UNITS = ("亿元", "万元", "亿", "万", "%", "个", "项", "户", "家", "名")
RANGE = re.compile(rf"^(\d+(?:\.\d+)?)\s*(?:{'|'.join(RANGE_UNITS)})?\s*[-~至到]\s*"
                   r"(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class WrittenNumber:
    """A number as written: its value(s) and the number of decimals it was written with."""

    value: float
    decimals: int
    high: float | None = None  # upper end when written as a range such as 40－50


def normalise(text: str) -> str:
    """Map full-width digits/punctuation and traditional characters to the forms we parse.

    The mapping is one character to one character, so offsets into the result are offsets into
    the original text.
    """
    return text.translate(_TRANSLATE)


def chinese_numeral_value(text: str) -> int:
    """Value of a Chinese numeral such as 三, 十二, 一百零一, 两万, 两千五, 一亿 or 二〇一三.

    Read by cn2an (its ``normal`` mode: 两千五 is 2500, 二〇一三 digit by digit 2013); a unit
    alone (百, 千: 百户 is a hundred households) is one of it; ``○`` is read as ``〇``.

    Raises
    ------
    ValueError
        If ``text`` is not a Chinese numeral.
    """
    import cn2an

    if not text or any(char not in _CN_DIGITS and char not in _CN_UNITS for char in text):
        raise ValueError(f"{text!r} is not a Chinese numeral")
    if text in _CN_UNITS:
        return _CN_UNITS[text]
    try:
        value = cn2an.cn2an(text.replace("○", "〇"), "normal")
    except (ValueError, KeyError, IndexError) as exc:
        raise ValueError(f"{text!r} is not a Chinese numeral ({exc})") from None
    return int(value)


def _decimals(token: str) -> int:
    return len(token.split(".", 1)[1]) if "." in token else 0


def parse_written_number(text: str) -> WrittenNumber:
    """Parse a number as written in a document (e.g. ``1571．6``, ``40－50``, ``三``).

    Raises
    ------
    ValueError
        If ``text`` is not a single number, range or Chinese numeral.
    """
    norm = normalise(text.strip())
    if ARABIC_NUMBER.fullmatch(norm):
        plain = norm.replace(",", "")
        return WrittenNumber(float(Decimal(plain)), _decimals(plain))
    match = RANGE.match(norm)
    if match:
        low, high = match.groups()
        return WrittenNumber(float(Decimal(low)), max(_decimals(low), _decimals(high)),
                             float(Decimal(high)))
    if CHINESE_NUMERAL.fullmatch(norm):
        return WrittenNumber(float(chinese_numeral_value(norm)), 0)
    raise ValueError(f"{text!r} is not a number, a range or a Chinese numeral")


# --- finding every number mention in a text -------------------------------------------------

# Units written after a number, longest first so that 亿元 wins over 亿 and 万吨 over 万.
WRITTEN_UNITS = ("万千瓦时", "千瓦时", "万千瓦", "平方公里", "平方米", "立方米", "亿元", "万元",
                 "千元", "亿千瓦", "万吨", "千米", "公里", "公顷", "兆瓦", "千瓦", "人次",
                 "个百分点", "百分点", "亿", "万", "元", "%", "‰", "户", "项", "个", "名", "家",
                 "人", "次", "度", "吨", "瓦", "米", "亩", "倍", "台", "套", "座", "条", "所", "批",
                 "年", "月", "日", "号", "天", "KV", "kV", "kv", "MW", "GW", "kW", "KW")
# Qualifier words: written just before the number, between number and unit, or after the unit.
QUALIFIERS_BEFORE = ("超过", "将近", "接近", "大约", "不到", "不足", "至少", "超", "逾", "近",
                     "约")
QUALIFIERS_BETWEEN = ("余", "多")
QUALIFIERS_AFTER = ("及以上", "以上", "以下", "以内", "左右", "余", "多")
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER_OR_RANGE = re.compile(
    rf"(?<![\d.])(?P<low>{_NUMBER})(?:\s*[-~至到]\s*(?P<high>{_NUMBER}))?(?![\d.])")
# A Chinese numeral not glued to digits (the 万 of 40万吨 is a unit, not a numeral).
_CHINESE_COUNT = re.compile(rf"(?<![\d.余多]){CHINESE_NUMERAL.pattern}")
_SENTENCE_END = "。！？!?\n"


@dataclass(frozen=True)
class NumberMention:
    """One number as it stands in a text.

    ``start``/``end`` are offsets of ``text`` in the original text; ``value``/``high`` are in the
    written unit (``4100`` for 4100余万元); ``qualifiers`` are the words around it in simplified
    form (超过, 以上, 余, 多, 近, 约 ...); ``high`` is set for a range such as ``40－50``.
    """

    start: int
    end: int
    text: str
    value: float
    decimals: int
    unit: str
    qualifiers: tuple[str, ...]
    sentence: str
    high: float | None = None


def find_numbers(text: str, *, chinese_numerals: bool = False) -> list[NumberMention]:
    """Every number written in ``text``, in order of appearance.

    Parameters
    ----------
    text
        Document text; full-width digits, ``．``/``％``/``－`` and traditional characters allowed.
    chinese_numerals
        Also report Chinese numerals that stand before a unit (三次, 两个, 百户); off by default
        because words such as 一批 or 统一 are not figures.

    Notes
    -----
    Digits and ranges are read from :func:`normalise` (a 1:1 mapping, so offsets carry over).
    A range ``a－b`` (also ``a~b``, ``a至b``) is one mention with ``value=a`` and ``high=b``.
    """
    norm = normalise(text)
    mentions = _joined_ranges(text, norm, [_mention(text, norm, m)
                                           for m in _NUMBER_OR_RANGE.finditer(norm)])
    if chinese_numerals:
        for m in _CHINESE_COUNT.finditer(norm):
            try:
                mention = _mention(text, norm, m)
            except ValueError:  # not a number: 十二五 (the 12th five-year plan), 一一
                continue
            if mention.unit:
                mentions.append(mention)
        mentions.sort(key=lambda mention: mention.start)
    return mentions


def _joined_ranges(text: str, norm: str, mentions: list[NumberMention]) -> list[NumberMention]:
    """Join ``50亿元至100亿元`` (two mentions with one unit around 至/到/-/~) into one range."""
    out: list[NumberMention] = []
    for mention in mentions:
        last = out[-1] if out else None
        between = norm[last.end + len(last.unit):mention.start].strip() if last else ""
        if (last is not None and last.high is None and mention.high is None and last.unit
                and last.unit == mention.unit and last.unit in RANGE_UNITS
                and between in ("至", "到", "-", "~")):
            out[-1] = NumberMention(
                start=last.start, end=mention.end, text=text[last.start:mention.end],
                value=last.value, decimals=max(last.decimals, mention.decimals), unit=last.unit,
                qualifiers=tuple(dict.fromkeys((*last.qualifiers, *mention.qualifiers))),
                sentence=last.sentence, high=mention.value)
            continue
        out.append(mention)
    return out


def _mention(text: str, norm: str, match: re.Match[str]) -> NumberMention:
    written = parse_written_number(match.group(0))
    after = match.end()
    qualifiers = [q for q in QUALIFIERS_BEFORE if norm.startswith(q, match.start() - len(q))][:1]
    between = next((q for q in QUALIFIERS_BETWEEN if norm.startswith(q, after)), "")
    unit = next((u for u in WRITTEN_UNITS if norm.startswith(u, after + len(between))), "")
    if between:
        qualifiers.append(between)
    tail = after + len(between) + len(unit)
    qualifiers += [q for q in QUALIFIERS_AFTER if norm.startswith(q, tail)][:1]
    return NumberMention(start=match.start(), end=match.end(), text=text[match.start():after],
                         value=written.value, decimals=written.decimals, unit=unit,
                         qualifiers=tuple(dict.fromkeys(qualifiers)),
                         sentence=_sentence(text, norm, match.start()), high=written.high)


def _sentence(text: str, norm: str, position: int) -> str:
    """The sentence of ``text`` around ``position`` (split at 。！？ and line breaks)."""
    start = max(norm.rfind(end, 0, position) for end in _SENTENCE_END) + 1
    ends = [i for i in (norm.find(end, position) for end in _SENTENCE_END) if i >= 0]
    stop = min(ends) + 1 if ends else len(text)
    return text[start:stop].strip(" \t\r\n\u3000")


# --- what a data file may hold where an id or a number belongs (one rule for every loader) ---

ID_PATTERN = re.compile(r"[a-z0-9_.-]+", re.ASCII)
ID_EXPECTED = "an id of ASCII lower-case letters, digits, '_', '.' and '-'"
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
PLAIN_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
NUMBER_EXPECTED = "a number: finite, written with ASCII digits (e.g. 1571.6; no '_' or ',')"
INTEGER_EXPECTED = "a whole number written with ASCII digits (e.g. 2012)"


def id_problem(value: str) -> str | None:
    """What is wrong with ``value`` as an id (the first character outside :data:`ID_PATTERN`,
    with its code point and name: invisible and look-alike characters are named), or ``None``.
    """
    import unicodedata

    if ID_PATTERN.fullmatch(value):
        return None
    if not value:
        return "an empty id"
    at, char = next((i, c) for i, c in enumerate(value) if not ID_PATTERN.fullmatch(c))
    name = unicodedata.name(char, "unnamed")
    return f"{value!r} (U+{ord(char):04X} {name} at character {at + 1})"


def plain_number(text: str, *, integer: bool = False) -> float | None:
    """``text`` as a number when it is written plainly (:data:`PLAIN_NUMBER`, or
    :data:`PLAIN_INTEGER` for ``integer``: ASCII digits, no '_' or thousands separator, no
    ``inf``/``nan``) and finite; else ``None``. Python's ``float`` alone would accept
    ``١٥٧١.٦``, ``1_571.6`` and ``1e309`` (infinite)."""
    import math

    stripped = text.strip()
    if not (PLAIN_INTEGER if integer else PLAIN_NUMBER).fullmatch(stripped):
        return None
    value = float(stripped)
    return value if math.isfinite(value) else None
