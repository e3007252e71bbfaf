"""Candidate figures in a document: units, qualifiers, ranges, traditional characters, curation."""

from __future__ import annotations

import pandas as pd
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
    # the same figure stated by another document: not curated, a second vintage of it
    assert (row["curated"], row["match"], row["fact_id"]) == (False, "value", "")
    assert row["vintage_of"] == "plan2013.2012.sales_revenue"
    assert (row["indicator"], row["year"]) == ("sales_revenue", 2012)
    assert row["suggested_fact_id"] == "news2014.2012.sales_revenue"
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


def test_traditional_characters_and_readings_left_by_web_copies(tmp_path):
    path = _write(tmp_path, "2013年，全省經(jīng)濟運行平穩，“雙百”企業實現銷售收入1780億元，"
                            "同比增長13.3%，“雙百”項目完成投資(zī)480億元。")
    table = extract(path, source_id="")
    revenue, investment, growth = _row(table, "1780"), _row(table, "480"), _row(table, "13.3")
    assert revenue["indicator"] == "sales_revenue" and revenue["year"] == 2013
    assert investment["indicator"] == "project_investment"
    assert investment["quote"] == "“雙百”項目完成投資(zī)480億元"  # verbatim, as facts need it
    assert growth["indicator"] == "sales_growth"


def test_a_range_written_with_its_unit_on_both_ends_is_one_figure(tmp_path):
    path = _write(tmp_path, "2014年，“雙百”項目計劃投資500億元至550億元，新開工項目40到50個。")
    table = extract(path, source_id="")
    assert table["value_text"].tolist() == ["500億元至550", "40到50"]
    money = _row(table, "500億元至550")
    assert (money["value"], money["value_high"], money["qualifier"]) == (500, 550, "range")
    assert money["unit"] == "yi_yuan"


def test_tier_thresholds_are_not_figures(tmp_path):
    path = _write(tmp_path, "2013年“雙百”企業中，銷售收入超過100億元的企業達到4戶，"
                            "年銷售收入增長20%以上的企業達到40戶。")
    table = extract(path, source_id="")
    assert table["value_text"].tolist() == ["4", "40"]
    assert _row(table, "4")["indicator"] == "firms_sales_over_100"


@pytest.mark.parametrize("text, period, status", [
    ("2013年1-11月，“双百”企业实现销售收入1650亿元。", "months:1-11", "final"),
    ("截至2013年11月底，项目累计完成投资430.2亿元。", "months:1-11", "final"),
    ("2013年上半年，“双百”企业实现销售收入800亿元。", "months:1-6", "final"),
    ("2013年，“双百”项目预计完成投资480亿元。", "year", "estimate"),
    ("据初步统计，2013年“双百”企业实现销售收入1780亿元。", "year", "preliminary"),
    ("2015年，项目总投资1320亿元。", "lifetime", "final"),
])
def test_period_and_status_as_written(tmp_path, text, period, status):
    table = extract(_write(tmp_path, text), source_id="")
    row = table.iloc[-1]
    assert (row["period"], row["status"]) == (period, status)


def test_a_value_text_is_not_found_inside_a_longer_number(tmp_path):
    text = "2013年，销售收入增长50%以上的企业5户。"
    facts = default_facts()
    curated = facts.loc[["plan2013.2013.firms_sales_over_100"]].copy()
    curated.index = curated["fact_id"] = ["x.2013.firms"]
    curated[["source_id", "quote", "value_text"]] = ["x", "增长50%以上的企业5户", "5"]
    table = extract(_write(tmp_path, text), source_id="x",
                    facts=pd.concat([facts, curated]))
    assert _row(table, "5")["match"] == "quote"  # the 5 of 5户, not the 5 of 50
    assert list(table["value_text"]) == ["5"]  # 50% 以上的企业 is a threshold


def test_a_new_vintage_is_matched_to_the_same_figure_of_another_document(tmp_path):
    path = _write(tmp_path, "经核实，2012年“双百”企业销售收入为1580.2亿元。")
    row = _row(extract(path, source_id="plan2014"), "1580.2")
    assert (row["match"], row["vintage_of"]) == ("meaning", "plan2013.2012.sales_revenue")
    assert not row["curated"]
