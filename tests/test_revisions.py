"""Revisions and conflicts shown to readers: each statement, the one used and why, in words."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from evaluation.data.facts import written_interval
from evaluation.data.sources import Source
from evaluation.data.vintage_report import conflicts
from evaluation.reports.vintages import conflicts_html, period_label, status_note


def _source(sid: str, doc_type: str, published: str, title: str) -> Source:
    return Source(id=sid, title_zh=f"{title}文件", title_en=f"The {sid} document", issuer="i",
                  plan_year=2012, language="zh-Hans", file=f"{sid}.txt",
                  original_file_name=f"{sid}.txt", sha256="", path=Path(f"{sid}.txt"),
                  doc_type=doc_type, published=published)


def _fact(sid, indicator, value, *, status="final", period="year", unit="yi_yuan"):
    iv = written_interval(value, 1, unit=unit, qualifier="exact")
    return {"fact_id": f"{sid}.2012.{indicator}", "source_id": sid, "year": 2012,
            "kind": "actual", "indicator": indicator, "value": value, "value_high": None,
            "unit": unit, "qualifier": "exact", "point": value, "low": iv.low,
            "high": iv.high, "period": period, "status": status, "scope": ""}


SOURCES = {"plan": _source("plan", "plan", "2013", "计划"),
           "news": _source("news", "news_release", "2013-01-07", "新闻"),
           "later": _source("later", "plan", "2014-03-01", "后来")}


@pytest.fixture
def facts():
    # listed: the plan's final sales first, the release's preliminary after it; investment
    # stated final by the plan (a year-only date) and a later plan (2014-03-01); a part-year
    # figure is its own question (not a conflict)
    rows = [_fact("plan", "sales_revenue", 1571.6), _fact("news", "sales_revenue", 1572.0,
                                                          status="preliminary"),
            _fact("plan", "project_investment", 465.0),
            _fact("later", "project_investment", 466.0),
            _fact("news", "firms", 100.0, unit="count", period="months:1-11")]
    return pd.DataFrame(rows).set_index("fact_id", drop=False)


def test_each_statement_the_one_used_and_the_step_that_chose_it(facts):
    table = conflicts(facts, sources=SOURCES).set_index("fact_id")
    assert set(table.index) == {"plan.2012.sales_revenue", "news.2012.sales_revenue",
                                "plan.2012.project_investment",
                                "later.2012.project_investment"}
    assert table.loc["plan.2012.sales_revenue", "used"]
    assert not table.loc["news.2012.sales_revenue", "used"]
    assert set(table.loc[["plan.2012.sales_revenue", "news.2012.sales_revenue"], "why"]) == {
        "status"}
    assert table.loc["later.2012.project_investment", "used"]  # 2014-03-01 after 2013
    assert table.loc["plan.2012.project_investment", "why"] == "published"
    assert table.loc["news.2012.sales_revenue", "doc_type"] == "news_release"
    pinned = conflicts(facts, sources=SOURCES,
                       pins={"sales_revenue": "news.2012.sales_revenue"}).set_index("fact_id")
    assert pinned.loc["news.2012.sales_revenue", "used"]
    assert pinned.loc["plan.2012.sales_revenue", "why"] == "pinned"


def test_the_table_in_words_in_each_language(facts):
    table = conflicts(facts, sources=SOURCES)
    zh, en = (conflicts_html(table, SOURCES, lang) for lang in ("zh", "en"))
    assert "《新闻文件》" in zh and "新闻发布" in zh and "初步" in zh and "最终数优先" in zh
    assert "The news document" in en and "news release" in en and "preliminary" in en
    assert "news.2012" not in zh + en and "sales_revenue" not in zh + en  # no identifiers
    assert "1,571.6" in zh and "1,572" in en
    empty = conflicts(facts.iloc[[0]], sources=SOURCES)
    assert "没有任何指标" in conflicts_html(empty, SOURCES, "zh")
    assert "No indicator-year" in conflicts_html(empty, SOURCES, "en")


@pytest.mark.parametrize(("period", "zh", "en"), [
    ("months:1-11", "1–11月", "Jan–Nov"), ("year", "全年", "full year"),
    ("since:2011-01", "2011年1月以来", "since Jan 2011")])
def test_periods_in_words(period, zh, en):
    assert (period_label(period, "zh"), period_label(period, "en")) == (zh, en)


def test_a_figure_that_is_not_final_says_so():
    assert status_note("final", "year", "zh") == ""
    assert status_note("preliminary", "year", "zh") == "（初步）"
    assert status_note("estimate", "months:1-11", "en") == " (estimate, Jan–Nov)"
    assert status_note("final", "months:1-11", "zh") == "（1–11月）"


def test_the_memo_counts_the_documents_by_type():
    from types import SimpleNamespace

    from evaluation.reports.labels import default_labels
    from evaluation.reports.memo_findings import documents_by_type
    from evaluation.reports.provenance import Citations

    facts = pd.DataFrame([_fact("plan", "sales_revenue", 1.0), _fact("later", "firms", 2.0),
                          _fact("news", "projects", 3.0)]).set_index("fact_id", drop=False)
    data = SimpleNamespace(facts=facts, sources=SOURCES)
    words = {lang: documents_by_type(data, Citations(facts=facts, sources=SOURCES, lang=lang),
                                     default_labels(), "data/facts.csv") for lang in ("zh", "en")}
    plain = {lang: re.sub(r"<sup.*?</sup>|<[^>]+>", "", text) for lang, text in words.items()}
    assert plain["zh"] == "2份实施方案、1份新闻发布"
    assert plain["en"] == "2 implementation plans and 1 news release"
