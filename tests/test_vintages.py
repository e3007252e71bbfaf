"""Vintages: a revised figure in a later document, an estimate vs an actual, the selection rule."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from evaluation.data.facts import load_facts, load_indicators
from evaluation.data.sources import load_sources, sha256_file
from evaluation.data.vintages import disagreements, select, vintages
from evaluation.data.vocabulary import REQUIRED_COLUMNS
from evaluation.errors import ConfigError, DataError

PLAN_2014 = ("2013年，工业“双百”行动100户企业累计实现销售收入1720．3亿元，"
             "同比增长9．5％。经核实，2012年“双百”企业销售收入为1580．2亿元，"
             "项目完成投资约470亿元。\n")
NEWS_2014 = ("据初步统计，2013年“双百”企业销售收入预计1750亿元。"
             "2012年列入“双百”行动的项目共101项。\n")
HEADER = ",".join(REQUIRED_COLUMNS)  # a table without period, status, scope: defaults


def _fact(source, year, kind, indicator, value, unit, qualifier, value_text, quote, note=""):
    return (f"{source}.{year}.{indicator},{source},{year},{kind},{indicator},{value},,{unit},"
            f"{qualifier},{value_text},{quote},{note}")


FACT_ROWS = [
    _fact("plan2013", 2012, "actual", "projects", 101, "count", "exact", "101",
          "2012年列入工业“双百”行动的项目共101项"),
    _fact("plan2013", 2012, "actual", "project_investment", 465, "yi_yuan", "exact", "465",
          "累计完成投资465亿元"),
    _fact("plan2013", 2012, "actual", "sales_revenue", 1571.6, "yi_yuan", "exact", "1571．6",
          "累计实现销售收入1571．6亿元"),
    _fact("plan2013", 2012, "actual", "sales_growth", 25.6, "percent", "exact", "25．6",
          "同比增长25．6％"),
    _fact("plan2013", 2013, "target", "project_investment", 472.8, "yi_yuan", "exact", "472．8",
          "投资目标472．8亿元"),
    _fact("plan2014", 2013, "actual", "sales_revenue", 1720.3, "yi_yuan", "exact", "1720．3",
          "累计实现销售收入1720．3亿元"),
    _fact("plan2014", 2012, "actual", "sales_revenue", 1580.2, "yi_yuan", "exact", "1580．2",
          "“双百”企业销售收入为1580．2亿元", "revised"),
    _fact("plan2014", 2012, "actual", "project_investment", 470, "yi_yuan", "about", "470",
          "项目完成投资约470亿元"),
    _fact("news2014", 2013, "estimate", "sales_revenue", 1750, "yi_yuan", "exact", "1750",
          "销售收入预计1750亿元"),
    _fact("news2014", 2012, "actual", "projects", 101, "count", "exact", "101",
          "2012年列入“双百”行动的项目共101项"),
]


def _source(sid, year, path, original):
    return (f"  - {{id: {sid}, title_zh: 文件{year}, title_en: Document {year}, issuer: test, "
            f"plan_year: {year}, language: zh-Hans, file: {path.name}, "
            f"original_file_name: {original}, sha256: {sha256_file(path)}}}\n")


@pytest.fixture
def data(tmp_path, root):
    """A data folder with the 2013 plan, a later plan (2014) and a news release (2014)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    plan2013 = raw / "plan2013.txt"
    shutil.copy(root / "data/raw/2013-plan_shuangbai-implementation-plan.txt", plan2013)
    (raw / "plan2014.txt").write_text(PLAN_2014, encoding="utf-8")
    (raw / "news2014.txt").write_text(NEWS_2014, encoding="utf-8")
    registry = tmp_path / "sources.yaml"
    registry.write_text("sources:\n" + _source("plan2013", 2013, plan2013, "a.txt")
                        + _source("plan2014", 2014, raw / "plan2014.txt", "b.txt")
                        + _source("news2014", 2014, raw / "news2014.txt", "c.txt"),
                        encoding="utf-8")
    (tmp_path / "facts.csv").write_text("\n".join([HEADER, *FACT_ROWS]) + "\n", encoding="utf-8")
    sources = load_sources(registry, raw_dir=raw)
    facts = load_facts(tmp_path / "facts.csv", sources=sources, indicators=load_indicators())
    return facts, sources


def test_vintages_line_up_documents(data):
    facts, sources = data
    table = vintages(facts, sources=sources)
    revenue_2012 = table[(table["indicator"] == "sales_revenue") & (table["year"] == 2012)]
    assert revenue_2012["source_id"].tolist() == ["plan2013", "plan2014"]
    assert revenue_2012["vintage"].tolist() == [1, 2]
    assert revenue_2012["n_vintages"].tolist() == [2, 2]
    revenue_2013 = table[(table["indicator"] == "sales_revenue") & (table["year"] == 2013)]
    assert set(revenue_2013["measure"]) == {"outcome"}  # actual and estimate side by side
    assert len(table) == len(FACT_ROWS)


def test_disagreement_only_where_intervals_do_not_overlap(data):
    facts, sources = data
    table = disagreements(facts, sources=sources)
    assert len(table) == 1  # 约470 [446.5, 493.5] overlaps 465 [464.5, 465.5]
    row = table.iloc[0]
    assert (row["indicator"], row["year"], row["kind"]) == ("sales_revenue", 2012, "actual")
    assert (row["source_id_a"], row["source_id_b"]) == ("plan2013", "plan2014")
    assert row["difference"] == pytest.approx(1580.2 - 1571.6)
    assert row["gap"] == pytest.approx((1580.2 - 0.05) - (1571.6 + 0.05))


def test_select_latest_prefers_actuals_then_the_latest_document(data):
    facts, sources = data
    chosen = select(facts, sources=sources)
    ids = set(chosen.index)
    assert "plan2014.2012.sales_revenue" in ids        # later plan_year beats 2013's figure
    assert "plan2014.2013.sales_revenue" in ids        # an actual beats a (later-listed) estimate
    assert "news2014.2012.projects" in ids             # same plan_year: listed later wins
    assert "plan2014.2012.project_investment" in ids
    assert "plan2013.2013.project_investment" in ids   # a target is its own measure
    assert "plan2013.2012.sales_growth" in ids         # a single vintage is kept
    assert len(chosen) == 6
    assert chosen.columns.tolist() == facts.columns.tolist()


@pytest.mark.parametrize("case", ["unknown_rule", "same_document_twice", "unregistered_source"])
def test_bad_input(data, case):
    facts, sources = data
    if case == "unknown_rule":
        with pytest.raises(ConfigError, match="'earliest'.*expected one of"):
            select(facts, rule="earliest", sources=sources)
        return
    if case == "same_document_twice":
        extra = facts.loc[["plan2014.2013.sales_revenue"]].assign(fact_id="plan2014.2013.dup")
        with pytest.raises(DataError, match="plan2014.2013.dup.*one fact per indicator"):
            select(pd.concat([facts, extra.set_index("fact_id", drop=False)]), sources=sources)
        return
    del sources["news2014"]
    with pytest.raises(DataError, match="'news2014'.*not registered"):
        vintages(facts, sources=sources)
