"""Outcomes vs targets on the real facts: every number against hand arithmetic written out."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from contexts import make_edition

from evaluation.analysis.comparisons import (
    attainment,
    comparisons,
    financing_mix,
    firm_tiers,
    implied_values,
)
from evaluation.data.facts import default_facts
from evaluation.reports.narrative.targets import growth_context
from evaluation.reports.prose import render
from evaluation.reports.provenance import Citations


@pytest.fixture(scope="module")
def implied():
    return implied_values(make_edition()).set_index("derived_id")


@pytest.fixture(scope="module")
def table():
    return comparisons(make_edition(base_year=2012, target_years=[2013, 2015])).set_index(
        ["indicator", "target_year"])


# derived id -> (point, low, high), each computed by hand from the written figures and their
# precision (half a unit of the last written digit; counts are exact).
HAND_DERIVED = {
    # 1571.6 / 1.256; low 1571.55 / 1.25650; high 1571.65 / 1.25550
    "sales_revenue_2011": (1571.6 / 1.256, 1571.55 / 1.2565, 1571.65 / 1.2555),
    # 972.1 / 1.5597; low 972.05 / 1.55975; high 972.15 / 1.55965
    "loan_balance_2011": (972.1 / 1.5597, 972.05 / 1.55975, 972.15 / 1.55965),
    # 972.1 / 0.6883; low 972.05 / 0.68835; high 972.15 / 0.68825
    "province_industrial_loans_2012": (972.1 / 0.6883, 972.05 / 0.68835, 972.15 / 0.68825),
    # 465 / 0.85; low 464.5 / 0.855; high 465.5 / 0.845
    "province_general_industrial_investment_2012": (465 / 0.85, 464.5 / 0.855, 465.5 / 0.845),
    # 7 firms - 1 more than last year = 6 (counts exact)
    "firms_sales_50_100_2011": (6, 6, 6),
    # 465 / 101 projects
    "investment_per_project_2012": (465 / 101, 464.5 / 101, 465.5 / 101),
    # 472.8 / 104 projects
    "investment_per_project_2013": (472.8 / 104, 472.75 / 104, 472.85 / 104),
    # 246.53 / 100 projects
    "investment_per_project_2015": (2.4653, 246.525 / 100, 246.535 / 100),
    # 164.16 / 60 continuing projects
    "investment_per_continuing_project_2015": (2.736, 164.155 / 60, 164.165 / 60),
    # 82.37 / 40 new projects
    "investment_per_new_project_2015": (2.05925, 82.365 / 40, 82.375 / 40),
    # 1320 / 100 projects
    "lifetime_investment_per_project_2015": (13.2, 13.195, 13.205),
    # 1571.6 / 100 firms
    "sales_per_firm_2012": (15.716, 15.7155, 15.7165),
}


@pytest.mark.parametrize("derived_id", HAND_DERIVED)
def test_implied_value_matches_hand_arithmetic(implied, derived_id):
    point, low, high = HAND_DERIVED[derived_id]
    row = implied.loc[derived_id]
    assert row["value"] == pytest.approx(point, rel=1e-12)
    assert row["low"] == pytest.approx(low, rel=1e-12)
    assert row["high"] == pytest.approx(high, rel=1e-12)
    assert row["derived"]


def test_sales_base_worked_example(implied):
    """The headline derivation: 1571.6 / 1.256 = 1251.27..."""
    row = implied.loc["sales_revenue_2011"]
    assert round(row["value"], 2) == 1251.27
    assert row["fact_ids"] == "plan2013.2012.sales_revenue;plan2013.2012.sales_growth"
    assert "1571．6" in row["formula"] and "/" in row["formula"]
    assert "累计实现销售收入1571．6亿元" in row["quotes"]


def test_every_derivation_is_checked_here(implied):
    assert set(implied.index) == set(HAND_DERIVED)


# (indicator, target year) -> (change, change %, required CAGR %), by hand.
HAND_COMPARISONS = {
    # 472.8 - 465 = 7.8; 7.8 / 465 = 1.677%; one year, so CAGR = change
    ("project_investment", 2013): (7.8, 100 * 7.8 / 465, 100 * 7.8 / 465),
    # 246.53 - 465 = -218.47; (246.53 / 465) ** (1/3) - 1
    ("project_investment", 2015): (-218.47, 100 * (246.53 / 465 - 1),
                                   100 * ((246.53 / 465) ** (1 / 3) - 1)),
    # 104 - 101 = 3
    ("projects", 2013): (3, 100 * 3 / 101, 100 * 3 / 101),
    # 100 - 101 = -1
    ("projects", 2015): (-1, -100 / 101, 100 * ((100 / 101) ** (1 / 3) - 1)),
    # 3 -> 5 firms above 100亿: +2, +66.7%; by 2015 (5/3)^(1/3) - 1 = 18.56%
    ("firms_sales_over_100", 2013): (2, 100 * 2 / 3, 100 * 2 / 3),
    ("firms_sales_over_100", 2015): (2, 100 * 2 / 3, 100 * ((5 / 3) ** (1 / 3) - 1)),
    # 7 -> 7 and 7 -> 6 firms at 50-100亿
    ("firms_sales_50_100", 2013): (0, 0, 0),
    ("firms_sales_50_100", 2015): (-1, -100 / 7, 100 * ((6 / 7) ** (1 / 3) - 1)),
    # 66 -> 60 continuing, 35 -> 40 new projects (2015)
    ("projects_continuing", 2015): (-6, -100 * 6 / 66, 100 * ((60 / 66) ** (1 / 3) - 1)),
    ("projects_new", 2015): (5, 100 * 5 / 35, 100 * ((40 / 35) ** (1 / 3) - 1)),
    # 50 -> 50 technology-progress projects
    ("tech_progress_projects", 2013): (0, 0, 0),
}


@pytest.mark.parametrize("key", HAND_COMPARISONS)
def test_comparison_matches_hand_arithmetic(table, key):
    change, change_pct, cagr = HAND_COMPARISONS[key]
    row = table.loc[key]
    assert row["change_abs"] == pytest.approx(change, abs=1e-9)
    assert row["change_pct"] == pytest.approx(change_pct, abs=1e-9)
    assert row["required_cagr_pct"] == pytest.approx(cagr, abs=1e-9)


def test_every_comparison_is_checked_here(table):
    assert set(table.index) == set(HAND_COMPARISONS)


def test_required_growth_interval_for_investment(table):
    """2013: [472.75 / 465.5 - 1, 472.85 / 464.5 - 1]; 2015: cube roots of the same bounds."""
    row13, row15 = table.loc[("project_investment", 2013)], table.loc[("project_investment", 2015)]
    assert row13["required_cagr_pct_low"] == pytest.approx(100 * (472.75 / 465.5 - 1))
    assert row13["required_cagr_pct_high"] == pytest.approx(100 * (472.85 / 464.5 - 1))
    assert row15["required_cagr_pct_low"] == pytest.approx(100 * ((246.525 / 465.5) ** (1 / 3) - 1))
    assert row15["required_cagr_pct_high"] == pytest.approx(
        100 * ((246.535 / 464.5) ** (1 / 3) - 1))


def test_own_growth_of_the_base_year(table):
    """2012's 50-100亿 tier grew by 1 firm on a base of 7 - 1 = 6: 1 / 6 = 16.67%."""
    row = table.loc[("firms_sales_50_100", 2013)]
    assert row["base_own_growth_pct"] == pytest.approx(100 / 6)
    assert row["required_minus_own_growth_pp"] == pytest.approx(0 - 100 / 6)
    assert math.isnan(table.loc[("project_investment", 2013)]["base_own_growth_pct"])


def test_definitions_carry_scope_and_comparability(table):
    inv13, inv15 = table.loc[("project_investment", 2013)], table.loc[("project_investment", 2015)]
    assert "on 101 projects" in inv13["base_definition"]
    assert "on 104 projects" in inv13["target_definition"]
    assert "on 100 projects" in inv15["target_definition"] and "1320亿元" in inv15[
        "target_definition"]
    assert "plan" in inv15["caveats"] and "101 projects (2012) vs 100 (2015)" in inv15["caveats"]
    assert not inv13["like_for_like"]
    top15 = table.loc[("firms_sales_over_100", 2015)]
    assert "百亿元及以上" in top15["target_definition"] and "超过100亿元" in top15["base_definition"]
    assert "firms not stated for 2015" in top15["caveats"]
    assert table.loc[("projects", 2013)]["like_for_like"]


def test_unreported_tiers_are_unknown_not_zero():
    tiers = firm_tiers(make_edition(), years=[2012, 2013, 2015]).set_index(["tier", "year"])
    for tier in ("firms_sales_10_50", "firms_sales_1_10"):
        assert pd.isna(tiers.loc[(tier, 2012), "count"])
        assert tiers.loc[(tier, 2012), "status"] == "not reported"
    assert tiers.loc[("firms_sales_over_100", 2012), "count"] == 3
    assert tiers.loc[("firms_sales_10_50", 2015), "count"] == 25
    assert int(tiers["count"].sum()) == 3 + 7 + (5 + 7 + 20 + 50) + (5 + 6 + 25 + 50)


def test_no_same_year_outcome_and_target_in_the_documents():
    assert attainment(make_edition()).empty


def test_attainment_when_outcome_and_target_share_a_year():
    """A 2013 outcome of 480 against the 472.8 target: 480 / 472.8 = 101.52%."""
    facts = default_facts()
    outcome = facts.loc[["plan2013.2013.project_investment"]].copy()
    outcome["fact_id"] = outcome.index = ["test.2013.project_investment"]
    outcome[["kind", "value", "point", "low", "high"]] = ["actual", 480.0, 480.0, 479.5, 480.5]
    result = attainment(make_edition(pd.concat([facts, outcome]))).set_index("indicator")
    row = result.loc["project_investment"]
    assert row["attainment_pct"] == pytest.approx(100 * 480 / 472.8)
    assert row["attainment_pct_low"] == pytest.approx(100 * 479.5 / 472.85)
    assert row["attainment_pct_high"] == pytest.approx(100 * 480.5 / 472.75)
    assert bool(row["met"])


def test_financing_mix_residual_is_fifty():
    mix = financing_mix(make_edition(), year=2012).set_index("item")
    listed = 82.55 + 4.71 + 39 + 60 + 3.39 + 28 + 5.8  # = 223.45
    assert mix.loc["not_itemised", "value"] == pytest.approx(273.45 - listed)
    assert mix.loc["not_itemised", "value"] == pytest.approx(50.0)
    assert mix.loc["not_itemised", "share_of_stated_total_pct"] == pytest.approx(100 * 50 / 273.45)
    assert mix.loc["not_itemised", "derived"]
    assert mix.loc["direct_financing_trust", "share_of_stated_total_pct"] == pytest.approx(
        100 * 82.55 / 273.45)
    assert len(mix) == 7 + 1


def test_fewer_target_years():
    table = comparisons(make_edition(base_year=2012, target_years=[2013]))
    assert set(table["target_year"]) == {2013}
    assert len(table) == 5  # projects, investment, two top tiers, technology projects


def test_findings_state_direction_and_size():
    table = comparisons(make_edition(base_year=2012, target_years=[2013, 2015]))
    text = render("targets/growth.html.j2", "en",
                  **growth_context(table, Citations(), edition="2013"))
    items = text.split("<ul>")[1].split("</ul>")[0]
    assert items.count("<li>") == len(table)
    # 2013 investment target: 472.8 / 465 - 1 = +1.68 %, printed to one decimal
    assert "+1.7%" in text
    # 50-100亿 tier 2013: required 0 % vs 2012's own 1 / 6 = 16.7 %: below by 16.7 points
    assert "below the outcome year's own growth" in text.replace("&#39;", "'")
    assert ">16.7 points<" in text


def test_financing_mix_of_a_year_without_financing_figures_is_empty_not_an_error():
    # 2013 has targets only; the documents state no direct financing for it
    mix = financing_mix(make_edition(), year=2013)
    assert mix.empty
    assert {"item", "value", "derived", "fact_id"} <= set(mix.columns)


def test_a_later_vintage_of_the_same_actual_replaces_the_earlier_one():
    facts = default_facts()
    revised = facts.loc[["plan2013.2012.firms_sales_over_100"]].copy()
    # a revised 2012 count from a later document (plan2015: plan_year 2015 > 2013)
    revised.index = ["plan2015.2012.firms_sales_over_100"]
    revised["fact_id"] = revised.index
    revised["source_id"] = "plan2015"
    revised[["value", "point", "low", "high"]] = [4.0, 4.0, 4.0, 4.0]
    tiers = firm_tiers(make_edition(pd.concat([facts, revised])), years=[2012]).set_index("tier")
    assert tiers.loc["firms_sales_over_100", "count"] == 4
    assert tiers.loc["firms_sales_over_100", "fact_id"] == "plan2015.2012.firms_sales_over_100"
