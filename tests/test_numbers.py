"""Reading numbers as written: full-width digits, traditional characters, units and qualifiers."""

from __future__ import annotations

import pytest

from evaluation.core.numbers import (
    chinese_numeral_value,
    find_numbers,
    normalise,
    parse_written_number,
)
from evaluation.data.schema import locate_value_text


def test_normalise_maps_one_character_to_one():
    text = "１５７１．６億元，４４％以上，４０－５０個，３３０ＫＶ"
    out = normalise(text)
    assert out == "1571.6亿元,44%以上,40-50个,330KV"
    assert len(out) == len(text)


@pytest.mark.parametrize(("text", "value", "decimals", "high"), [
    ("1571．6", 1571.6, 1, None),
    ("55．97", 55.97, 2, None),
    ("246.53", 246.53, 2, None),
    ("４１００", 4100.0, 0, None),
    ("40－50", 40.0, 0, 50.0),
    ("三", 3.0, 0, None),
])
def test_parse_written_number(text, value, decimals, high):
    written = parse_written_number(text)
    assert (written.value, written.decimals, written.high) == (value, decimals, high)


@pytest.mark.parametrize(("text", "value"), [
    ("十二", 12), ("一百零一", 101), ("两万", 20_000), ("百", 100), ("三千五百", 3500)])
def test_chinese_numeral_value(text, value):
    assert chinese_numeral_value(text) == value


def test_parse_rejects_words():
    with pytest.raises(ValueError, match="not a number"):
        parse_written_number("亿元")


def test_find_numbers_reads_value_unit_qualifiers_and_offsets():
    text = "累计实现销售收入1571．6亿元，同比增长25．6％。完成投资4100余万元，培训员工12500多人次。"
    found = find_numbers(text)
    assert [m.text for m in found] == ["1571．6", "25．6", "4100", "12500"]
    for m in found:
        assert text[m.start:m.end] == m.text
    sales, growth, road, training = found
    assert (sales.value, sales.decimals, sales.unit, sales.qualifiers) == (1571.6, 1, "亿元", ())
    assert (growth.value, growth.unit) == (25.6, "%")
    assert sales.sentence == "累计实现销售收入1571．6亿元，同比增长25．6％。"
    assert (road.value, road.unit, road.qualifiers) == (4100.0, "万元", ("余",))
    assert (training.unit, training.qualifiers) == ("人次", ("多",))
    assert road.sentence == "完成投资4100余万元，培训员工12500多人次。"


@pytest.mark.parametrize(("text", "qualifiers", "unit"), [
    ("合计金额超过7亿元", ("超过",), "亿元"),
    ("占新招聘人员的44％以上", ("以上",), "%"),
    ("引进人员近7000名", ("近",), "名"),
    ("投资约30亿元左右", ("约", "左右"), "亿元"),
    ("超過１２３億元以上", ("超过", "以上"), "亿元"),  # traditional characters, full-width digits
    ("年銷售收入逾5萬元", ("逾",), "万元"),
    ("通过2012年认定", (), "年"),  # 过 of 通过 is not a qualifier
])
def test_find_numbers_qualifiers(text, qualifiers, unit):
    (mention,) = find_numbers(text)
    assert (mention.qualifiers, mention.unit) == (qualifiers, unit)


def test_find_numbers_reads_ranges_as_one_mention():
    (mention,) = find_numbers("谋划40－50个投入和产出过百亿的重大项目")
    assert (mention.text, mention.value, mention.high, mention.unit) == ("40－50", 40, 50, "个")


def test_chinese_numerals_only_on_request_and_only_before_a_unit():
    text = "举办了三次银企对接活动，形成一批龙头企业，西部水电40万吨"
    assert [m.text for m in find_numbers(text)] == ["40"]
    assert [(m.text, m.value, m.unit) for m in find_numbers(text, chinese_numerals=True)] == [
        ("三", 3.0, "次"), ("一", 1.0, "批"), ("40", 40.0, "万吨")]


def test_locate_value_text_matches_whole_numbers_only():
    assert locate_value_text("企业25户", "5") == -1
    assert locate_value_text("10-50亿元企业25户", "25") == 9
    assert locate_value_text("累计实现销售收入1571．6亿元", "1571.6") == 8


@pytest.mark.parametrize(("text", "value"), [
    ("两千五", 2500), ("一亿", 100_000_000), ("二〇一三", 2013), ("二○一三", 2013),
    ("两", 2), ("一千二百万", 12_000_000)])
def test_chinese_numerals_issue_23_reads(text, value):
    # 两千五 was read as 2005, 一亿 refused, 二〇一三 (and 二○一三 with a white circle) as 3
    assert chinese_numeral_value(text) == value


def test_thousands_separators_are_one_number():
    from evaluation.core.numbers import find_numbers

    assert parse_written_number("1,571.6").value == 1571.6  # was 1 and 571.6
    found = find_numbers("累计实现销售收入1,571.6亿元，同比增长25.6%", chinese_numerals=True)
    assert [(m.text, m.value, m.unit) for m in found] == [("1,571.6", 1571.6, "亿元"),
                                                          ("25.6", 25.6, "%")]
    found = find_numbers("二〇一三年，引进两千五百名技术人员", chinese_numerals=True)
    assert [(m.value, m.unit) for m in found] == [(2013, "年"), (2500, "名")]
