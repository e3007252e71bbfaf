"""Candidate figures in a document: units, qualifiers, ranges, traditional characters, curation."""

from __future__ import annotations

import pytest

from evaluation.data.extract import CANDIDATE_COLUMNS, extract
from evaluation.data.facts import default_facts
from evaluation.data.vocabulary import COLUMNS
from evaluation.errors import DataError

PLAN_2013 = "data/raw/2013-plan_shuangbai-implementation-plan.txt"


@pytest.fixture(scope="module")
def plan2013(root):
    return extract(root / PLAN_2013)


def _row(table, value_text):
    rows = table[table["value_text"] == value_text]
    assert len(rows) == 1, f"{value_text!r} found {len(rows)} times"
    return rows.iloc[0]


def _write(tmp_path, text, name="doc.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_columns_start_with_the_facts_columns(plan2013):
    assert tuple(plan2013.columns) == CANDIDATE_COLUMNS
    assert tuple(plan2013.columns[:len(COLUMNS)]) == COLUMNS


def test_full_width_decimal_is_read_and_marked_curated(plan2013):
    row = _row(plan2013, "1571．6")
    assert (row["value"], row["unit"], row["qualifier"]) == (1571.6, "yi_yuan", "exact")
    assert row["curated"] and row["match"] == "quote"
    assert row["fact_id"] == "plan2013.2012.sales_revenue"
    assert row["quote"] == "工业“双百”行动100户企业累计实现销售收入1571．6亿元"


def test_wan_yuan_with_yu_is_converted_to_yi_yuan_odd(plan2013):
    row = _row(plan2013, "4100")
    assert row["value"] == pytest.approx(4100 / 10_000)  # 万元 -> 亿元
    assert (row["unit"], row["unit_text"], row["qualifier"]) == ("yi_yuan", "余万元", "odd")
    assert row["fact_id"] == "plan2013.2012.road_works_investment"


def test_full_width_range(plan2013):
    row = _row(plan2013, "40－50")
    assert (row["value"], row["value_high"], row["qualifier"]) == (40, 50, "range")
    assert row["unit"] == "count"


@pytest.mark.parametrize(("value_text", "qualifier"), [
    ("7000", "nearly"),      # 近7000名
    ("3000", "odd"),         # 3000余名
    ("12500", "odd"),        # 12500多人次
    ("44", "at_least"),      # 44％以上
    ("7", "more_than"),      # 超过7亿元 (and 7户: see the filter below)
])
def test_qualifiers_of_the_2013_plan(plan2013, value_text, qualifier):
    rows = plan2013[(plan2013["value_text"] == value_text) & (plan2013["qualifier"] != "exact")]
    assert rows["qualifier"].tolist() == [qualifier]


def test_every_curated_fact_of_the_document_is_found_once(plan2013):
    facts = default_facts()
    expected = set(facts.index[facts["source_id"] == "plan2013"])
    found = plan2013.loc[plan2013["match"] == "quote", "fact_id"]
    assert not found.duplicated().any()
    assert set(found) == expected


def test_years_and_dates_are_not_figures(plan2013):
    assert not plan2013["unit_text"].isin(["年", "月", "日", "号"]).any()
    assert 2012 not in plan2013["value"].tolist()


def test_traditional_characters_and_full_width_digits(tmp_path):
    path = _write(tmp_path, "該項目總投資約3億元，其中３０％以上來自銀行貸款，新增就業1.2萬人。")
    table = extract(path, source_id="")
    assert table["value_text"].tolist() == ["3", "３０", "1.2"]
    about, share, jobs = (table.iloc[i] for i in range(3))
    assert (about["value"], about["unit"], about["qualifier"]) == (3, "yi_yuan", "about")
    assert (share["value"], share["unit"], share["qualifier"]) == (30, "percent", "at_least")
    assert (jobs["value"], jobs["unit"]) == (1.2 * 10_000, "count")  # 1.2萬人
    assert not table["curated"].any()
    assert table["sentence"].iloc[0].startswith("該項目")


def test_restated_figure_matches_by_value_and_cue(tmp_path):
    path = _write(tmp_path, "据统计，2012年双百企业累计实现销售收入1571.6亿元。2014年3月公布。")
    table = extract(path, source_id="news2014")
    row = _row(table, "1571.6")
    assert (row["curated"], row["match"]) == (True, "value")
    assert row["fact_id"] == "plan2013.2012.sales_revenue"
    assert len(table) == 1  # 2012年, 2014年 and 3月 are dates


def test_indicator_and_year_guess_for_new_figures(tmp_path):
    path = _write(tmp_path, "2014年，100户企业累计实现销售收入1800．5亿元，同比增长14．6％。")
    table = extract(path, source_id="plan2015")
    revenue, growth = _row(table, "1800．5"), _row(table, "14．6")
    assert not revenue["curated"]
    assert (revenue["indicator"], revenue["year"]) == ("sales_revenue", 2014)
    assert revenue["suggested_fact_id"] == "plan2015.2014.sales_revenue"
    assert growth["indicator"] == "sales_growth"  # not loan_balance_growth (same cue 同比增长)
    assert revenue["fact_id"] == "" and revenue["kind"] == ""


def test_registered_document_gets_its_source_id(plan2013):
    assert set(plan2013["source_id"]) == {"plan2013"}


@pytest.mark.parametrize("case", ["missing", "not_utf8"])
def test_bad_document(tmp_path, case):
    path = tmp_path / "doc.txt"
    if case == "not_utf8":
        path.write_bytes("销售收入100亿元".encode("gb18030"))
    with pytest.raises(DataError, match="doc.txt"):
        extract(path)


def test_year_is_taken_from_the_figures_own_sentence(tmp_path):
    path = _write(tmp_path, "2013年计划投资500亿元。2014年完成投资480亿元，另有30亿元。\n"
                            "另建成厂房12座。")
    table = extract(path, source_id="")
    assert table["value_text"].tolist() == ["500", "480", "30", "12"]
    assert table["year"].tolist()[:3] == [2013, 2014, 2014]
    assert table["year"].isna().tolist() == [False, False, False, True]  # no year on its line
