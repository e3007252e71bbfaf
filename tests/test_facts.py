"""The curated facts: loaded, validated against the documents; intervals written out by hand."""

from __future__ import annotations

import math

import pytest

from evaluation.data.facts import default_facts, interval, lookup
from evaluation.data.sources import default_sources
from evaluation.errors import DataError

INF = math.inf


def test_every_fact_is_loaded_with_unique_ids():
    facts = default_facts()
    assert len(facts) > 0  # exact counts of the shipped data: tests/test_shipped_data.py
    assert facts["fact_id"].is_unique
    assert set(facts["source_id"]) <= set(default_sources())


def test_every_quote_occurs_once_in_its_document():
    texts = {sid: source.text() for sid, source in default_sources().items()}
    for row in default_facts().itertuples():
        assert texts[row.source_id].count(row.quote) == 1, row.fact_id


@pytest.mark.parametrize(("fact_id", "low", "high"), [
    # 1571．6: one decimal, so +-0.05
    ("plan2013.2012.sales_revenue", 1571.55, 1571.65),
    # 55．97％: two decimals, so +-0.005
    ("plan2013.2012.loan_balance_growth", 55.965, 55.975),
    # 465亿元: an integer amount, +-0.5
    ("plan2013.2012.project_investment", 464.5, 465.5),
    # 101 projects: a count is exact
    ("plan2013.2012.projects", 101, 101),
    # 4100余万元: 4100 to 4200 万元 = 0.41 to 0.42 亿元
    ("plan2013.2012.road_works_investment", 0.41, 0.42),
    # 3000余名: last non-zero digit in the thousands -> 3000 to 4000
    ("plan2013.2012.hires_college", 3000, 4000),
    # 12500多人次: last non-zero digit in the hundreds -> 12500 to 12600
    ("plan2013.2012.training_person_times", 12500, 12600),
    # 近7000名: just under 7000, at most 10% below: 7000 * 0.9 = 6300
    ("plan2013.2012.hires", 6300, 7000),
    # 超过7亿元: a lower bound
    ("plan2013.2012.tax_relief_amount", 7, INF),
    # 44％以上: a lower bound, capped at 100%
    ("plan2013.2012.hires_college_share", 44, 100),
    # 40－50个: a range
    ("plan2013.2013.major_projects_planned", 40, 50),
    # 三次 (Chinese numeral): exactly 3
    ("plan2013.2012.matching_events", 3, 3),
])
def test_interval_of_written_figure(fact_id, low, high):
    iv = interval(fact_id)
    assert iv.low == pytest.approx(low, rel=1e-12)
    assert iv.high == (pytest.approx(high, rel=1e-12) if math.isfinite(high) else high)


def test_point_of_range_is_midpoint_and_decimals_are_kept():
    facts = default_facts()
    assert facts.loc["plan2013.2013.major_projects_planned", "point"] == (40 + 50) / 2
    assert facts.loc["plan2013.2012.loan_balance_growth", "decimals"] == 2
    assert facts.loc["plan2015.2015.project_investment", "decimals"] == 2
    assert facts.loc["plan2013.2012.projects", "decimals"] == 0


@pytest.mark.parametrize(("fact_id", "value", "unit", "qualifier"), [
    ("plan2013.2012.direct_financing", 273.45, "yi_yuan", "exact"),
    ("plan2013.2012.matching_realised", 640.28, "yi_yuan", "exact"),
    ("plan2013.2012.matching_fulfilment_rate", 85.34, "percent", "exact"),
    ("plan2013.2012.power_saving_aluminium", 500, "kwh_per_t", "at_least"),
    ("plan2013.2013.project_investment", 472.8, "yi_yuan", "exact"),
    ("plan2015.2015.project_investment_total", 1320, "yi_yuan", "exact"),
    ("plan2015.2015.firms_sales_10_50", 25, "count", "exact"),
])
def test_spot_checked_values(fact_id, value, unit, qualifier):
    row = lookup(fact_id)
    assert (row["value"], row["unit"], row["qualifier"]) == (value, unit, qualifier)


def test_unknown_fact_id_is_a_clear_error():
    with pytest.raises(DataError, match="fact_id 'plan2013.2012.nothing'"):
        lookup("plan2013.2012.nothing")


def test_cli_facts_prints_the_matching_rows():
    from click.testing import CliRunner

    from evaluation.cli import cli

    result = CliRunner().invoke(cli, ["facts", "--indicator", "sales_revenue", "--year", "2012"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["fact_id", "year", "kind", "indicator", "value", "unit",
                                "qualifier", "interval", "quote"]
    assert lines[1].split() == ["plan2013.2012.sales_revenue", "2012", "actual", "sales_revenue",
                                "1571.6", "yi_yuan", "exact", "[1571.55,", "1571.65]",
                                "累计实现销售收入1571．6亿元"]
    assert lines[-1] == "matching facts: 1"


def test_cli_facts_filters_by_kind_and_source():
    from click.testing import CliRunner

    from evaluation.cli import cli

    result = CliRunner().invoke(cli, ["facts", "--kind", "plan", "--source", "plan2015"])
    assert result.exit_code == 0, result.output
    # total 1320, this year 246.53, continuing 164.16, new 82.37
    assert result.output.splitlines()[-1] == "matching facts: 4"
