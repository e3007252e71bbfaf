"""Reading numbers as the documents write them: full-width digits, ．/％, Chinese numerals, ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# Full-width digits and punctuation, and the traditional forms of the characters we read.
_TRANSLATE = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},
    "．": ".", "％": "%", "－": "-", "—": "-", "～": "~", "，": ",", "＋": "+",
    "億": "亿", "萬": "万", "餘": "余", "約": "约", "過": "过", "兩": "两", "個": "个",
})
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
CHINESE_NUMERAL = re.compile(f"[{''.join(_CN_DIGITS)}{''.join(_CN_UNITS)}]+")
ARABIC_NUMBER = re.compile(r"\d+(?:\.\d+)?")
RANGE = re.compile(r"^(\d+(?:\.\d+)?)\s*[-~至到]\s*(\d+(?:\.\d+)?)$")


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
    """Value of a simple Chinese numeral such as 三, 十二, 一百零一 or 两万.

    Raises
    ------
    ValueError
        If ``text`` contains a character that is not a Chinese numeral.
    """
    total, section, digit = 0, 0, None
    for char in text:
        if char in _CN_DIGITS:
            digit = _CN_DIGITS[char]
        elif char == "万":
            section += digit or 0
            total += (section or 1) * 10_000
            section, digit = 0, None
        elif char in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[char]
            digit = None
        else:
            raise ValueError(f"{text!r} is not a Chinese numeral (at {char!r})")
    return total + section + (digit or 0)


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
        return WrittenNumber(float(Decimal(norm)), _decimals(norm))
    match = RANGE.match(norm)
    if match:
        low, high = match.groups()
        return WrittenNumber(float(Decimal(low)), max(_decimals(low), _decimals(high)),
                             float(Decimal(high)))
    if CHINESE_NUMERAL.fullmatch(norm):
        return WrittenNumber(float(chinese_numeral_value(norm)), 0)
    raise ValueError(f"{text!r} is not a number, a range or a Chinese numeral")
