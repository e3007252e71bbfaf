"""Effects model: the additionality chain by hand, zero and monotone policy mixes, seeds, tables."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.model.parameters import default_inputs, default_scenarios
from evaluation.model.simulate import (
    INSTRUMENTS,
    Documented,
    Flows,
    additionality,
    flows_2012,
    headline_2012,
    project,
    scenario_flows,
    sensitivity,
    simulate,
    year_effects,
)

# Fixed parameter values for hand-checked arithmetic.
FIXED = {
    "loan_fixed_investment_share": 0.6, "long_term_finance_fixed_share": 0.7,
    "short_term_notes_fixed_share": 0.1, "grant_deadweight": 0.6, "tax_relief_deadweight": 0.8,
    "credit_deadweight": 0.7, "direct_finance_deadweight": 0.8, "guarantee_deadweight": 0.5,
    "displacement": 0.15, "credit_displacement": 0.3, "leakage": 0.1,
    "project_capital_ratio": 0.25, "leverage_take_up": 0.5, "user_cost_elasticity": 0.5,
    "interest_subsidy_years": 2.0, "guarantee_default_rate": 0.03, "loss_given_default": 0.45,
    "guarantee_admin_cost_rate": 0.01, "guarantee_fee_rate": 0.005, "guarantee_term_years": 2.0,
    "output_capital_ratio": 0.8, "ramp_up_year0": 0.1, "ramp_up_year1": 0.5,
    "prior_policy_ratio": 0.5, "counterfactual_investment_growth": 0.0,
    "plan_realisation_deviation": 0.0, "tax_relief_excess": 0.0,
}


def test_fixed_values_cover_every_parameter():
    assert set(default_inputs().parameters) - set(FIXED) == {"long_run_sales_growth",
                                                            "growth_persistence"}


def test_additionality_chain_by_hand():
    # 100 × (1 - 0.5) × (1 - 0.2) × (1 - 0.1) × 1.5 = 100 × 0.5 × 0.8 × 0.9 × 1.5 = 54
    assert additionality(100.0, deadweight=0.5, displacement=0.2, leakage=0.1,
                         multiplier=1.5) == pytest.approx(54.0)


def test_instrument_effects_by_hand():
    flows = Flows(special_fund=2.0, tax_relief=7.0, new_lending=100.0, direct_long=50.0,
                  direct_short=10.0, subsidised_loans=100.0, subsidy_rate_pp=2.0,
                  guarantee_volume=50.0)
    e = year_effects(flows, FIXED)
    # multipliers with capital ratio 0.25 and take-up 0.5:
    equity = 1 + 0.5 * (1 / 0.25 - 1)  # = 2.5
    debt = 1 + 0.5 * 0.25 / 0.75  # = 1.1667
    # grant: 2 × 0.4 × 0.85 × 0.9 × 2.5 = 1.53
    assert e["net"]["special_fund"] == pytest.approx(2 * 0.4 * 0.85 * 0.9 * equity)
    assert e["net"]["special_fund"] == pytest.approx(1.53)
    # tax relief: 7 × 0.2 × 0.85 × 0.9 × 2.5 = 2.6775
    assert e["net"]["tax_relief"] == pytest.approx(2.6775)
    # credit: gross 100 × 0.6 = 60; net 60 × 0.3 × 0.7 × 0.9 × 1.1667 = 13.23
    assert e["gross"]["credit"] == pytest.approx(60.0)
    assert e["net"]["credit"] == pytest.approx(60 * 0.3 * 0.7 * 0.9 * debt)
    assert e["net"]["credit"] == pytest.approx(13.23)
    # direct financing: gross 50 × 0.7 + 10 × 0.1 = 36; net 36 × 0.2 × 0.85 × 0.9 × debt
    assert e["gross"]["direct_financing"] == pytest.approx(36.0)
    assert e["net"]["direct_financing"] == pytest.approx(36 * 0.2 * 0.85 * 0.9 * debt)
    # interest subsidy: induced share 0.5 × 0.02 × 0.75 × 2 = 0.015; gross 100 × 0.6 / 0.75 = 80
    # net 80 × 0.015 × 0.7 × 0.9 = 0.756; cost 0.02 × 100 × 2 = 4
    assert e["gross"]["interest_subsidy"] == pytest.approx(80.0)
    assert e["net"]["interest_subsidy"] == pytest.approx(0.756)
    assert e["cost"]["interest_subsidy"] == pytest.approx(4.0)
    # guarantee: default loss (1 - 0.97²) × 0.45 = 0.026595; cost 50 × (0.026595 + 0.005 × 2)
    assert e["cost"]["guarantee"] == pytest.approx(1.82975)
    assert e["net"]["guarantee"] == pytest.approx(50 * 0.6 * 0.5 * 0.7 * 0.9 * debt)
    assert e["cost"]["credit"] == 0 and e["cost"]["special_fund"] == 2.0


def test_zero_policy_mix_attributes_nothing():
    e = year_effects(Flows.zero(), FIXED)
    for kind in ("gross", "net", "cost"):
        assert all(e[kind][name] == 0 for name in INSTRUMENTS)
    doc = _midpoints()
    levers = default_scenarios()["no_measures"].levers
    proj = project(FIXED, doc, levers)
    assert all(np.all(n == 0) for n in proj["net"])
    assert all(np.all(s == 0) for s in proj["policy_sales"])


def _midpoints() -> dict[str, np.ndarray]:
    d = Documented.from_facts()
    doc = {n: np.array([getattr(d, n).mid]) for n in d.__dataclass_fields__ if n != "tax_relief"}
    doc["tax_relief"] = np.array([d.tax_relief.low])
    return doc


def test_2012_flows_from_documents():
    f = flows_2012(_midpoints())
    # new lending = 972.1 - 972.1 / 1.5597 = 348.84; long-term direct = 273.45 - 39 = 234.45
    assert float(f.new_lending[0]) == pytest.approx(972.1 - 972.1 / 1.5597)
    assert float(f.new_lending[0]) == pytest.approx(348.84, abs=0.01)
    assert float(f.direct_long[0]) == pytest.approx(234.45)


def test_credit_scenarios_compound_the_balance():
    doc = _midpoints()
    flows = scenario_flows(default_scenarios()["credit_2012_pace"].levers, doc)
    # 2013: 972.1 × 0.5597 = 544.08; 2014: 972.1 × 1.5597 × 0.5597
    assert float(flows[0].new_lending[0]) == pytest.approx(972.1 * 0.5597)
    assert float(flows[1].new_lending[0]) == pytest.approx(972.1 * 1.5597 * 0.5597)
    base = scenario_flows(default_scenarios()["baseline"].levers, doc)
    assert float(base[2].new_lending[0]) == pytest.approx(972.1 - 972.1 / 1.5597)


def test_headline_and_projection_by_hand():
    doc = _midpoints()
    h = headline_2012(FIXED, doc)
    a = float(h["net_additional_investment"][0])
    assert float(h["investment_share"][0]) == pytest.approx(a / 465)
    # sales growth: 0.8 × A × [0.1 + 0.4 × 0.5 + 0.5 × 0.25] = 0.8 × A × 0.425,
    # over the 2012 growth 1571.6 - 1571.6 / 1.256
    assert float(h["sales_growth_share"][0]) == pytest.approx(
        0.8 * a * 0.425 / (1571.6 - 1571.6 / 1.256))
    proj = project(FIXED, doc, default_scenarios()["baseline"].levers)
    # baseline repeats 2012: A_2013 = A_2012, so with zero counterfactual growth I_2013 = 465
    assert float(proj["investment_2013"][0]) == pytest.approx(465.0)
    assert float(proj["investment_2015"][0]) == pytest.approx(246.53)
    # policy sales 2015 = 0.8 × A × (0.1 + 0.5 + 1)
    assert float(proj["policy_sales"][2][0]) == pytest.approx(0.8 * a * 1.6)


@pytest.mark.parametrize("field", ["special_fund", "tax_relief", "new_lending", "direct_long",
                                   "direct_short", "subsidised_loans", "guarantee_volume"])
def test_more_of_an_instrument_never_lowers_its_effect(field):
    rng = np.random.default_rng(2)
    p = default_inputs().sample(rng, 2000)
    effects = []
    for amount in (0.0, 1.0, 10.0, 100.0):
        flows = Flows(**{**Flows.zero().__dict__, "subsidy_rate_pp": 2.0, field: amount})
        e = year_effects(flows, p)
        effects.append((sum(np.broadcast_to(e["gross"][n], (2000,)) for n in INSTRUMENTS),
                        sum(np.broadcast_to(e["net"][n], (2000,)) for n in INSTRUMENTS)))
    for (g0, n0), (g1, n1) in zip(effects, effects[1:]):
        assert (g1 >= g0).all() and (n1 >= n0).all()
        assert (g1 > g0).any()


def test_higher_subsidy_rate_never_lowers_net_effect():
    p = default_inputs().sample(np.random.default_rng(4), 2000)
    nets = [year_effects(Flows(**{**Flows.zero().__dict__, "subsidised_loans": 100.0,
                                  "subsidy_rate_pp": r}), p)["net"]["interest_subsidy"]
            for r in (0.0, 1.0, 2.0, 4.0)]
    assert all((b >= a).all() for a, b in zip(nets, nets[1:]))
    assert float(np.max(nets[0])) == 0.0


def test_same_seed_identical_other_seed_within_monte_carlo_error():
    a = simulate(["baseline", "credit_halved"], draws=20_000, seed=1, with_tiers=False)
    b = simulate(["baseline", "credit_halved"], draws=20_000, seed=1, with_tiers=False)
    c = simulate(["baseline", "credit_halved"], draws=20_000, seed=2, with_tiers=False)
    assert a.table().equals(b.table())
    for key, x in a.headline.items():
        y = c.headline[key]
        se = np.sqrt(x.var() / x.size + y.var() / y.size)
        assert abs(x.mean() - y.mean()) < 4 * se, key
    assert not np.array_equal(a.headline["investment_share"], c.headline["investment_share"])


def test_results_tables_have_unique_keys_and_intervals():
    r = simulate(["baseline", "no_measures", "guarantee_scheme"], draws=3000, seed=3)
    long = r.table()
    assert not long.duplicated(["scenario", "quantity", "year"]).any()
    assert (long["p5"] <= long["p50"]).all() and (long["p50"] <= long["p95"]).all()
    probs = r.probabilities()
    assert not probs.duplicated(["scenario", "target", "year"]).any()
    assert probs["probability"].between(0, 1).all()
    # removing the measures cannot raise the odds of the 2013 investment target
    inv = r.investment().set_index(["scenario", "year"])["probability"]
    assert inv[("no_measures", 2013)] <= inv[("baseline", 2013)]
    assert set(r.attribution()["instrument"]) == {"special_fund", "tax_relief", "credit",
                                                  "direct_financing", "total"}
    guarantee = r.cost_effectiveness().query("instrument == 'guarantee'")
    assert len(guarantee) == 1 and guarantee["cost_p50"].iloc[0] > 0


def test_sensitivity_swing_matches_direct_evaluation():
    s = sensitivity("investment_share")
    top = s.table().iloc[0]
    assert top["swing"] == pytest.approx(abs(top["at_p95"] - top["at_p5"]))
    assert (s.table()["swing"].diff().dropna() <= 0).all()
    inputs = default_inputs()
    central = inputs.central()
    doc = _midpoints()
    doc["tax_relief"] = np.array([7 * (1 + central["tax_relief_excess"])])
    values = {k: np.array([v]) for k, v in {**central, top["parameter"]: top["p95_value"]}.items()}
    assert float(headline_2012(values, doc)["investment_share"][0]) == pytest.approx(top["at_p95"])
