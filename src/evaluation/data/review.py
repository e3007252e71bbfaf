"""Reading the words of a figure's clause against an indicator: tiers, subjects, what is counted.

The extractor guesses an indicator for each figure (:mod:`evaluation.data.fact_matching`); this
module reads what the clause says independently of that guess and says where the two disagree,
so that the row is flagged for review instead of being accepted as it stands:

- a firm tier written in words (上百亿, 50亿元至100亿元, 1亿元以上, 超过100亿元) is read as a
  tier label the indicators' Chinese names use (``超百亿``, ``50-100亿``);
- the subject of a growth or a share (工业投资 in 全省工业投资同比增长30%) is the clause before
  the figure, or the clause before that when the figure's own clause names none;
- a count says what it counts (项目, 企业) in its clause;
- an increase (新增), a name or slogan in quotation marks, are not an indicator's level.
"""

from __future__ import annotations

import re

import pandas as pd

_YI = r"(\d+(?:\.\d+)?)\s*亿元?"
_TIER_RANGE = re.compile(rf"{_YI}\s*[-~至到]\s*{_YI}")
_TIER_RANGE_ONE_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*[-~至到]\s*(\d+(?:\.\d+)?)\s*亿")
_TIER_ABOVE = re.compile(rf"(?:超过|超|过|上)?{_YI}(?:及以上|以上)?")
_HUNDRED_WORDS = ("上百亿", "超百亿", "过百亿", "百亿元及以上", "百亿元以上", "百亿及以上",
                  "百亿以上")
# Words that make a figure a rate or share of something named before it.
RATE_WORDS = ("增长", "增速", "下降", "比重", "占", "完成", "达到")
# Words of indicator names that say what kind of figure it is, not what it is about.
_GENERIC = ("同比", "增长", "增速", "比重", "比例", "完成", "全年", "年度", "目标", "任务",
            "计划", "企业数", "户数", "数量", "占", "全省", "双百", "的", "达到", "实现", "累计")
CHANGE_WORDS = ("新增", "增加", "减少", "净增")
MIN_SUBJECT = 3
"""A clause naming fewer characters than this besides rate words (完成投资) names no subject."""
COUNTED = ("企业", "项目", "中心", "基地", "平台", "人员", "人次")
"""What count indicators count (the end of their Chinese names)."""
_QUOTED = re.compile(r"[“\"「『][^”\"」』]*$")
_TITLED = re.compile(r"《[^》]*$")


def tier_label(clause: str) -> str:
    """The firm tier a clause writes, as the indicators' names write it; "" when none.

    Examples
    --------
    >>> tier_label("产值上百亿的企业达到3家"), tier_label("50亿元至100亿元的企业达到6家")
    ('超百亿', '50-100亿')
    >>> tier_label("1亿元以上的企业达到42家"), tier_label("完成投资5亿元")
    ('超1亿', '')
    """
    if not re.search(r"亿元?(?:及以上|以上|以下)?的(?:工业)?企业", clause) and not any(
            word in clause for word in _HUNDRED_WORDS):
        return ""
    if any(word in clause for word in _HUNDRED_WORDS):
        return "超百亿"
    match = _TIER_RANGE.search(clause) or _TIER_RANGE_ONE_UNIT.search(clause)
    if match:
        return f"{_plain_number(match.group(1))}-{_plain_number(match.group(2))}亿"
    match = _TIER_ABOVE.search(clause)
    if match:
        number = _plain_number(match.group(1))
        return "超百亿" if number == "100" else f"超{number}亿"
    return ""


def tier_indicator(label: str, indicators: pd.DataFrame) -> str:
    """The count indicator whose Chinese name writes the tier ``label``; "" when none does."""
    if not label or "name_zh" not in indicators:
        return ""
    names = indicators[indicators["unit"] == "count"]["name_zh"].astype(str)
    hits = [str(i) for i, name in names.items() if label in name and "较" not in name]
    return hits[0] if len(hits) == 1 else ""


def subject_text(norm: str, clause_start: int, position: int) -> str:
    """What a figure is about: its clause before it, or, when that clause names nothing but the
    rate words (同比增长), the clause before it in the sentence too."""
    own = norm[clause_start:position]
    if len(_content(own)) >= MIN_SUBJECT:
        return own
    previous_end = clause_start - 1
    segment_start = max(norm.rfind(end, 0, previous_end) for end in "。！？!?\n；;") + 1
    return norm[segment_start:position]


def review_reasons(*, clause: str, before: str, subject: str, unit: str, indicator: str,
                   indicators: pd.DataFrame, tier: str) -> list[str]:
    """Why the words of a figure's clause do not fit its guessed indicator (empty when they do).

    Parameters
    ----------
    clause
        The figure's clause (normalised, simplified).
    before
        The clause's text before the figure.
    subject
        :func:`subject_text` of the figure.
    unit, indicator
        The figure's fact unit and guessed indicator ("" when none).
    indicators
        The indicator table (``name_zh``).
    tier
        :func:`tier_label` of the clause.
    """
    reasons = []
    if _QUOTED.search(before):
        reasons.append("inside quotation marks (a name or slogan)")
    if _TITLED.search(before):
        reasons.append("inside a title (《…》)")
    change = next((w for w in CHANGE_WORDS if w in before), "")
    name = str(indicators["name_zh"].get(indicator, "")) if indicator else ""
    if change and change not in name:
        reasons.append(f"{change} (an increase), not the indicator's level")
    if tier and not tier_indicator(tier, indicators):
        reasons.append(f"a tier ({tier}) that no indicator names")
    if indicator and unit == "percent" and any(w in clause for w in RATE_WORDS):
        topic = _content(name)
        if topic and not _shares_piece(topic, subject):
            reasons.append(f"what the clause measures ({_content(subject) or subject}) is not "
                           f"the indicator's ({topic})")
    if indicator and unit == "count":
        counted = _counted(name)
        if counted and counted not in clause:
            reasons.append(f"the clause does not name what the indicator counts ({counted})")
    if indicator and tier and "产值" in clause and "产值" not in name:
        reasons.append("产值 (output value), the indicator's tier is by 销售收入 (sales)")
    return reasons


def counted_after(norm: str, end: int, unit: str) -> str:
    """What a count ending at ``end`` counts, as written after its unit (104个项目 -> 项目);
    "" when unsaid."""
    if unit != "count":
        return ""
    after = norm[end:end + 12]
    match = re.match(r"\s*[个项户家名人次所座条台套批]?(?:“[^”]*”)?([^，,；;。、（(]*)", after)
    words = match.group(1) if match else ""
    return next((noun for noun in COUNTED if noun in words[:6]), "")


def counted(name: str) -> str:
    """What a count indicator counts, from its Chinese name (…企业数 -> 企业, …项目数 -> 项目)."""
    return _counted(name)


def subject_words(text: str) -> str:
    """What ``text`` names besides digits, punctuation and the generic words of rates."""
    return _content(text)


def _content(text: str) -> str:
    """``text`` without digits, punctuation, quotation marks and the generic words of rates."""
    text = re.sub(r"[\d.%\s“”\"'‘’「」『』（）()，,、]", "", text)
    for word in _GENERIC:
        text = text.replace(word, "")
    return text


def _shares_piece(topic: str, text: str) -> bool:
    """Whether a two-character piece of ``topic`` stands in ``text``."""
    return any(topic[i:i + 2] in text for i in range(len(topic) - 1))


def _counted(name: str) -> str:
    """What a count indicator counts, from its Chinese name (…企业数 -> 企业, …项目数 -> 项目)."""
    match = re.search(rf"({'|'.join(COUNTED)})(?:数|数量|户数)?$", name)
    return match.group(1) if match else ""


def _plain_number(text: str) -> str:
    return text[:-2] if text.endswith(".0") else text


def tiers_agree(tier: str, name: str) -> bool:
    """Whether the tier a quote writes (:func:`tier_label`) is the one an indicator's Chinese
    name writes: the same lower bound (超过50亿元 and 50-100亿 agree; 上百亿 and 10-50亿 do not);
    an indicator whose name writes no tier agrees with none."""
    named = _lower_bound(name)
    return named is not None and named == _lower_bound(tier)


def _lower_bound(text: str) -> float | None:
    """The lower bound of the tier a label or name writes (超百亿 -> 100, 50-100亿 -> 50)."""
    if "百亿" in text:
        return 100.0
    match = re.search(r"(\d+(?:\.\d+)?)(?:-\d+(?:\.\d+)?)?亿", text)
    return float(match.group(1)) if match else None
