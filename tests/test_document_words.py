"""The words around a figure read with its document: readings, status by document type, period."""

from __future__ import annotations

import pytest

from evaluation.core.numbers import normalise
from evaluation.data.number_context import (
    clause_span,
    document_period,
    period_at,
    simplified,
    status_at,
    without_readings,
)


def _norm(text: str) -> str:
    return simplified(normalise(text))


def test_readings_are_removed_and_offsets_map_back():
    written = "經(jīng)濟預(yù)計增長8.5%，(MW)不動"
    text, offsets = without_readings(written)
    assert text == "經濟預計增長8.5%，(MW)不動"
    at = text.index("8.5")
    assert written[offsets[at]:offsets[at + 2] + 1] == "8.5"
    assert offsets[len(text)] == len(written)


@pytest.mark.parametrize(("text", "doc_type", "status"), [
    ("2012年，企业实现销售收入1572亿元。", "news_release", "preliminary"),
    ("2012年，企业实现销售收入1572亿元。", "plan", "final"),
    ("2012年，企业实现销售收入1572亿元。", "", "final"),
    ("经最终核实，2012年企业实现销售收入1572亿元。", "news_release", "final"),
    ("据初步统计，2012年企业实现销售收入1572亿元。", "plan", "preliminary"),
    # 预计 governs the rest of its sentence, up to a semicolon
    ("预计全年，企业实现销售收入1572亿元。", "plan", "estimate"),
    ("企业实现销售收入1572亿元为预计数。", "plan", "estimate"),
    ("企业实现销售收入1572亿元，预计增长。", "plan", "final"),
    ("预计全年完成投资，增长；企业实现销售收入1572亿元。", "plan", "final"),
])
def test_status_from_words_then_document_type(text, doc_type, status):
    norm = _norm(text)
    at = norm.index("1572")
    assert status_at(norm, at, clause_span(norm, at)[0], doc_type=doc_type) == status


def test_yuji_read_through_a_reading():
    text, _ = without_readings("項目預(yù)計完成投資480億元")
    norm = _norm(text)
    assert status_at(norm, norm.index("480"), 0, doc_type="news_release") == "estimate"


@pytest.mark.parametrize(("text", "period"), [
    ("2011年1-11月全省工业“双百”行动进展情况\n正文。", "months:1-11"),
    ("2011年1月至9月全省工业运行情况\n正文。", "months:1-9"),
    ("全省工业运行情况\n前5个月，完成投资。", "months:1-5"),
    ("全省工业运行情况\n完成投资。", "year"),
])
def test_a_progress_reports_period_from_its_title(text, period):
    assert document_period(_norm(text)) == period


def test_qizhong_continues_the_sentence_before_it():
    norm = _norm("1-11月，项目完成投资317.4亿元。其中，续建项目完成投资176.5亿元。")
    assert period_at(norm, norm.index("176.5")) == "months:1-11"
    other = _norm("1-11月，项目完成投资317.4亿元。续建项目完成投资176.5亿元。")
    assert period_at(other, other.index("176.5")) == "year"


def test_check_warns_when_a_releases_figure_is_final_without_a_word(tmp_path):
    import pandas as pd

    from evaluation.data.sanity import status_warnings
    from evaluation.data.sources import Source

    text = "2012年，企业实现销售收入1572亿元。\n经最终核实，2012年完成投资465亿元。\n"
    (tmp_path / "news.txt").write_text(text, encoding="utf-8")
    source = Source(id="news", title_zh="t", title_en="t", issuer="i", plan_year=2012,
                    language="zh-Hans", file="news.txt", original_file_name="news.txt",
                    sha256="", path=tmp_path / "news.txt", doc_type="news_release")
    facts = pd.DataFrame({
        "fact_id": ["news.2012.sales_revenue", "news.2012.project_investment"],
        "source_id": ["news", "news"], "quote": ["企业实现销售收入1572亿元", "完成投资465亿元"],
        "value_text": ["1572", "465"], "status": ["final", "final"]})
    lines = status_warnings(facts, {"news": source})
    assert len(lines) == 1 and lines[0].startswith("news.2012.sales_revenue: ")
    assert status_warnings(facts.assign(status="preliminary"), {"news": source}) == []
    plan = Source(**{**source.__dict__, "doc_type": "plan"})
    assert status_warnings(facts, {"news": plan}) == []
