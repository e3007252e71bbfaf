"""What the effects model and the SYNTHETIC panel can compute for a base year, and what not."""

from __future__ import annotations

import pandas as pd
import pytest
from contexts import make_edition

from evaluation.data.facts import default_facts
from evaluation.errors import DataError
from evaluation.model.availability import model_availability
from evaluation.panel.synthetic import synthetic_panel_for

# What the shipped plans state for 2012 and not for 2011 (the 2013 plan reviews 2012 only).
FINANCING = {"special_fund", "tax_relief_amount", "loan_balance", "loan_balance_growth",
             "loan_share_industrial", "direct_financing", "direct_financing_trust",
             "direct_financing_leasing", "direct_financing_short_notes",
             "direct_financing_medium_notes", "direct_financing_placement",
             "direct_financing_enterprise_bonds", "direct_financing_corporate_bonds"}
OUTCOMES = {"project_investment", "investment_share_general_industrial", "sales_revenue",
            "sales_growth"}
TIER_BASE = {"firms", "firms_sales_over_100", "firms_sales_50_100", "firms_growth_over_20pct",
             "firms_growth_over_50pct"}


@pytest.fixture(scope="module")
def facts():
    return default_facts()


def test_base_year_2012_has_every_input(facts):
    found = model_availability(facts, base_year=2012, target_years=[2013, 2015])
    assert found.complete and found.computable == ("attribution", "projections", "tiers")
    ids = found.fact_ids()
    assert ids["loan_balance"] == "plan2013.2012.loan_balance"
    assert ids["target_first"] == "plan2013.2013.project_investment"  # a target
    assert ids["target_last"] == "plan2015.2015.project_investment"  # a plan: no target stated
    assert ids["firms_sales_10_50_2015"] == "plan2015.2015.firms_sales_10_50"


def test_base_year_2011_misses_the_financing_and_outcomes_by_name(facts):
    found = model_availability(facts, base_year=2011, target_years=[2013, 2015])
    assert found.computable == ()
    assert found.blocked == ("attribution", "projections", "tiers")
    missing = {n.indicator for n in found.missing()}
    assert missing == FINANCING | OUTCOMES | TIER_BASE  # the targets of 2013 and 2015 are stated
    assert {n.year for n in found.missing()} == {2011}
    table = found.table
    assert len(table) == 17 + 2 + 5 + 8  # base figures, two investment targets, tiers
    assert int((~table["found"]).sum()) == len(missing)


def test_a_missing_target_year_blocks_the_projections_only(facts):
    found = model_availability(facts, base_year=2012, target_years=[2013, 2014])
    assert found.can("attribution") and not found.can("projections")
    assert not found.can("tiers")  # needs the projections, and the 2014 tier targets
    assert {(n.role, n.year) for n in found.missing("projections")} == {("target_last", 2014)}


def test_a_pin_reaches_the_models_inputs(facts):
    other = facts.loc["plan2013.2012.project_investment"].copy()
    other["fact_id"] = other.name = "news.2012.project_investment"
    other["status"] = "preliminary"
    other["source_id"] = "plan2015"  # another document (a later one, but not final)
    table = pd.concat([facts, other.to_frame().T.astype(facts.dtypes.to_dict())])
    ruled = model_availability(table, base_year=2012, target_years=[2013, 2015])
    assert ruled.fact_ids()["investment"] == "plan2013.2012.project_investment"
    pinned = model_availability(table, base_year=2012, target_years=[2013, 2015],
                                pins={"investment": "news.2012.project_investment"})
    assert pinned.fact_ids()["investment"] == "news.2012.project_investment"


def test_the_model_is_not_run_without_its_inputs_and_the_memo_says_why():
    from evaluation.model.shared import shared_model
    from evaluation.model.simulate import simulate
    from evaluation.reports import memo

    run = shared_model(["baseline"], base_year=2011, target_years=[2013, 2015], draws=200,
                       seed=1, tier_draws=50)
    assert run.results is None and not run.computed
    with pytest.raises(DataError):
        simulate(["baseline"], base_year=2011, target_years=[2013, 2015], draws=200)
    data = memo.gather(make_edition(base_year=2011), edition="x", scenarios=["baseline"], draws=200,
                       seed=1, tier_draws=50)
    assert data.results is None and data.findings is None
    en = memo.memo_page(data, draws=200, seed=1, lang="en", date="2026-01-01",
                        notebook="04-policy-memo")
    zh = memo.memo_page(data, draws=200, seed=1, lang="zh", date="2026-01-01",
                        notebook="04-policy-memo")
    assert "The effects model cannot compute the attribution of 2011 investment" in en
    assert "Provincial special fund for the action" in en
    assert "效应模型无法计算2011年投资" in zh and "双百行动专项资金" in zh
    assert "The documents state no outcomes of the key projects and firms for 2011" in en


def test_the_synthetic_panel_is_calibrated_to_the_base_year_or_says_why_not(facts):
    shipped = synthetic_panel_for(2012, facts=facts)
    assert shipped.year == 2012 and shipped.base_year_used and shipped.availability.complete
    assert shipped.targets.firms == 100 and shipped.targets.sales_total == 1571.6
    earlier = synthetic_panel_for(2011, facts=facts)
    assert earlier.year == 2012 and not earlier.base_year_used
    assert {n.indicator for n in earlier.availability.missing()} >= {"firms", "special_fund"}
    assert earlier.panel.equals(shipped.panel)
