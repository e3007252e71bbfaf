"""The SYNTHETIC panel: calibration to the published 2012 figures, selection, planted effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.data.facts import interval, lookup
from evaluation.panel.schema import load_panel, synthetic_panel_file
from evaluation.panel.synthetic import (
    PLANTED_EFFECT,
    SEED,
    TAX_RELIEF_TOTAL,
    simulate_panel,
    write_synthetic_panel,
)

CALIBRATION_YEAR = 2012  # the 2013 plan's outcome year (the latest with an actual firm count)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """The committed panel, as a user would load it."""
    return load_panel()


def wide(panel: pd.DataFrame, column: str) -> pd.DataFrame:
    return panel.pivot(index="firm_id", columns="year", values=column)


def fact(indicator: str) -> float:
    return float(lookup(f"plan2013.2012.{indicator}")["value"])


def test_committed_panel_is_reproduced_by_the_generator(tmp_path):
    regenerated = write_synthetic_panel(tmp_path / "panel_synthetic.csv", seed=SEED)
    assert regenerated.read_bytes() == synthetic_panel_file().read_bytes()


def test_2012_sales_match_the_published_total_and_tiers(panel):
    sales = wide(panel, "sales")[CALIBRATION_YEAR]
    assert len(sales) == fact("firms")
    # 1571.6 written with one decimal: the total must lie in [1571.55, 1571.65]
    assert interval("plan2013.2012.sales_revenue").contains(sales.sum())
    assert (sales > 100).sum() == fact("firms_sales_over_100")
    assert ((sales > 50) & (sales <= 100)).sum() == fact("firms_sales_50_100")


def test_2012_growth_matches_the_published_counts_and_rate(panel):
    sales = wide(panel, "sales")
    growth = sales[CALIBRATION_YEAR] / sales[CALIBRATION_YEAR - 1] - 1
    assert (growth > 0.20).sum() == fact("firms_growth_over_20pct")
    assert (growth > 0.50).sum() == fact("firms_growth_over_50pct")
    aggregate = 100 * (sales[CALIBRATION_YEAR].sum() / sales[CALIBRATION_YEAR - 1].sum() - 1)
    assert interval("plan2013.2012.sales_growth").contains(aggregate)


def test_2012_financing_totals_match_the_plan(panel):
    year = panel[panel["year"] == CALIBRATION_YEAR]
    assert year["subsidy"].sum() == pytest.approx(fact("special_fund"), abs=0.005)
    assert year["loans"].sum() == pytest.approx(fact("matching_realised"), abs=0.005)
    assert year["investment"].sum() == pytest.approx(fact("project_investment"), abs=0.005)
    assert (year["tax_relief"] > 0).sum() == fact("tax_relief_firms")
    assert year["tax_relief"].sum() == pytest.approx(TAX_RELIEF_TOTAL, abs=0.005)
    assert year["tax_relief"].sum() > fact("tax_relief_amount")  # 超过7亿元


def test_panel_is_labelled_synthetic(panel):
    assert "synthetic" in synthetic_panel_file().name
    assert panel["synthetic"].all()


def test_bigger_firms_are_more_likely_subsidised(panel):
    ever = panel.groupby("firm_id")["subsidy_received"].max() == 1
    size_2008 = wide(panel, "log_sales")[2008]
    assert size_2008[ever].mean() > size_2008[~ever].mean() + 0.5
    assert 0 < ever.sum() < len(ever)


def test_subsidy_is_absorbing_and_staggered(panel):
    treated = wide(panel, "subsidy_received")
    assert (treated.diff(axis=1).iloc[:, 1:] >= 0).all().all()
    first = treated.idxmax(axis=1)[treated.max(axis=1) == 1]
    assert sorted(first.unique()) == [2011, 2012, 2013]


def test_planted_effect_shifts_treated_log_sales_outside_calibrated_years():
    with_effect = simulate_panel(seed=5, planted_effect=PLANTED_EFFECT)
    without = simulate_panel(seed=5, planted_effect=0.0)
    treated = (with_effect["subsidy"] > 0).to_numpy()
    shift = np.log(with_effect["sales"]) - np.log(without["sales"])
    free = ~with_effect["year"].isin([CALIBRATION_YEAR - 1, CALIBRATION_YEAR]).to_numpy()
    np.testing.assert_allclose(shift[free & treated], PLANTED_EFFECT, atol=1e-12)
    np.testing.assert_allclose(shift[free & ~treated], 0.0, atol=1e-12)


def test_same_seed_same_panel_other_seed_other_panel():
    pd.testing.assert_frame_equal(simulate_panel(seed=3), simulate_panel(seed=3))
    assert not simulate_panel(seed=3)["sales"].equals(simulate_panel(seed=4)["sales"])
