"""Firm tiers: the calibration reproduces the documents; the forward simulation behaves."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from evaluation.model.tiers import (
    calibrate,
    draw_sizes,
    simulate_base_year,
    simulate_tiers,
    tier_facts,
)


@pytest.fixture(scope="module")
def calibration():
    return calibrate(tier_facts(base_year=2012, target_years=(2013, 2015)))


def test_facts_read_from_documents():
    f = tier_facts(base_year=2012, target_years=(2013, 2015))
    assert f.years == (2012, 2013, 2014, 2015)
    assert (f.firms, f.total_sales, f.over_100, f.between_50_100) == (100, 1571.6, 3, 7)
    assert (f.growth_over_20, f.growth_over_50) == (40, 21)
    assert f.aggregate_growth == pytest.approx(0.256)
    assert f.targets[2013] == {"over_100": 5, "50_100": 7, "10_50": 20, "1_10": 50}
    assert f.targets[2015] == {"over_100": 5, "50_100": 6, "10_50": 25, "1_10": 50}


def test_growth_fit_equals_closed_form(calibration):
    # Three bins, two parameters: the MLE puts P(g > 20%) = 0.40 and P(g > 50%) = 0.21 exactly:
    # (ln 1.2 - mu)/sigma = z(0.60), (ln 1.5 - mu)/sigma = z(0.79)
    z60, z79 = norm.ppf(0.60), norm.ppf(0.79)
    sigma = (math.log(1.5) - math.log(1.2)) / (z79 - z60)
    mu = math.log(1.2) - sigma * z60
    assert calibration.growth_params[0] == pytest.approx(mu, abs=1e-3)
    assert math.exp(calibration.growth_params[1]) == pytest.approx(sigma, abs=1e-3)
    table = calibration.table.set_index("quantity")
    assert table.loc["firms growing > 20%", "fitted_distribution"] == pytest.approx(40, abs=0.1)
    assert table.loc["firms growing > 50%", "fitted_distribution"] == pytest.approx(21, abs=0.1)


def test_simulated_2012_reproduces_documents(calibration):
    sim = simulate_base_year(calibration, draws=4000, rng=np.random.default_rng(11))
    # tier counts and total are exact in every draw
    assert (sim["over_100"] == 3).all() and (sim["50_100"] == 7).all()
    assert np.allclose(sim["total"], 1571.6, atol=1e-6)
    # growth counts within one firm of 40 and 21 on average; aggregate within 1 point of 25.6%
    assert abs(sim["growth_over_20"].mean() - 40) < 1.0
    assert abs(sim["growth_over_50"].mean() - 21) < 1.0
    assert abs(sim["aggregate_growth"].mean() - 0.256) < 0.01


def test_undocumented_tiers_are_drawn_not_fixed(calibration):
    sizes = draw_sizes(calibration, draws=2000, rng=np.random.default_rng(3))
    middle = ((sizes >= 10) & (sizes < 50)).sum(1)
    assert middle.std() > 0.5  # uncertain across draws
    assert (sizes[:, 10:] < 50).all() and (sizes > 0).all()


def _run(calibration, shift, seed=5, draws=3000):
    return simulate_tiers(calibration, sales_shifts={"s": np.full((draws, 3), shift)},
                          long_run_growth=np.full(draws, 0.1), persistence=np.full(draws, 0.5),
                          seed=seed)["s"]


def test_same_seed_identical_and_policy_shift_moves_aggregate_exactly(calibration):
    a, b = _run(calibration, 0.0), _run(calibration, 0.0)
    assert np.array_equal(a.totals, b.totals)
    shifted = _run(calibration, 100.0)
    # the scenario adds its policy sales effect (100亿) to the aggregate each year after 2012
    assert np.allclose(shifted.totals[:, 1:] - a.totals[:, 1:], 100.0)
    assert np.array_equal(shifted.totals[:, 0], a.totals[:, 0])
    # more sales never means fewer firms above 100亿
    assert (shifted.counts[2015]["over_100"] >= a.counts[2015]["over_100"]).all()


def test_probability_table_has_monte_carlo_error(calibration):
    table = _run(calibration, 0.0).probabilities(calibration.facts.targets)
    assert len(table) == 8
    p = table["probability"].to_numpy()
    assert np.allclose(table["mc_se"], np.sqrt(p * (1 - p) / 3000))
