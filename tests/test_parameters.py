"""parameters.yaml and scenarios.yaml load; every bad file gives one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluation.errors import ParameterError
from evaluation.model.distributions import Distribution
from evaluation.model.parameters import load_parameters
from evaluation.model.scenarios import load_scenarios, select_scenarios

BAD = Path(__file__).parent / "fixtures" / "bad_parameters"

# fixture file -> (loader, text every message must contain: the key or place, what was expected)
BAD_FILES = {
    "missing_reference.yaml":
        ("parameters", "parameter 'grant_deadweight'", "no reference"),
    "reference_and_informed_by.yaml":
        ("parameters", "parameter 'grant_deadweight'", "exactly one of 'reference'"),
    "informed_by_not_judgement.yaml":
        ("parameters", "parameter 'grant_deadweight', key 'judgement'",
         "a value only informed by a document is a judgement"),
    "incomplete_reference.yaml": ("parameters", "key 'reference'", "missing source, setting"),
    "central_outside_bounds.yaml":
        ("parameters", "key 'central'", "within the distribution's bounds"),
    "unknown_distribution.yaml": ("parameters", "distribution', name", "'cauchy'"),
    "bounds_reversed.yaml": ("parameters", "low/high", "low < high"),
    "judgement_without_reasoning.yaml":
        ("parameters", "key 'reasoning'", "the reasoning behind"),
    "missing_sd.yaml": ("parameters", "distribution', sd", "a positive number"),
    "unknown_parameter_key.yaml":
        ("parameters", "parameter 'grant_deadweight'", "unknown key(s) centre"),
    "malformed_yaml.yaml": ("parameters", "line", "malformed YAML"),
    "scenario_unknown_key.yaml":
        ("scenarios", "scenario 'bigger_fund', key 'special_fund_multiple'", "an unknown lever"),
    "scenario_out_of_range.yaml":
        ("scenarios", "scenario 'all_loans_subsidised', key 'interest_subsidy_loan_share'",
         "found 1.5; expected a number in [0, 1]"),
    "scenario_unknown_fact.yaml":
        ("scenarios", "scenario 'fund_fact', key 'special_fund_scale'",
         "a fact id in data/facts.csv"),
    "scenario_without_baseline.yaml":
        ("scenarios", "no 'baseline' scenario", "a 'baseline' scenario"),
    "scenario_malformed_yaml.yaml": ("scenarios", "line", "malformed YAML"),
}


def test_every_fixture_is_covered():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(BAD_FILES)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_gives_clear_error(name):
    loader, location, detail = BAD_FILES[name]
    path = BAD / name
    with pytest.raises(ParameterError) as info:
        if loader == "parameters":
            load_parameters(path)
        else:
            load_scenarios(path)
    message = str(info.value)
    assert name in message  # the file
    assert location in message  # the key or place
    assert detail in message  # what was found or expected
    assert "expected" in message
    assert "Traceback" not in message


def test_project_files_load_and_document_every_parameter():
    inputs = load_parameters()
    assert len(inputs.parameters) >= 20
    for p in inputs.parameters.values():
        assert p.reference["authors"] and p.reference["year"] and p.reference["source"]
        assert p.distribution.low <= p.central <= p.distribution.high
        assert not p.judgement or p.reasoning
    scenarios = load_scenarios(inputs=inputs)
    required = {"baseline", "no_special_fund", "doubled_special_fund", "interest_subsidy",
                "more_matching", "fewer_matching", "guarantee_scheme"}
    assert required <= set(scenarios)


def test_scenario_levers_are_provincial_only():
    # national tax law and bank credit growth are not levers the province controls
    levers = set(load_parameters().levers)
    assert levers == {"special_fund_scale", "matching_scale", "direct_financing_scale",
                      "interest_subsidy_loan_share", "interest_subsidy_rate_pp",
                      "guarantee_volume"}


def test_references_fit_their_parameters():
    params = load_parameters().parameters
    # investment tax incentives in China, not an R&D notch paper
    assert params["tax_relief_deadweight"].reference["authors"].startswith("Liu")
    assert "Chen, Jiang" in params["tax_relief_deadweight"].reference["see_also"]
    assert "Zwick" in params["tax_relief_deadweight"].reference["see_also"]
    text = str([p.reference for p in params.values()])
    assert "Bronzini" not in text  # intertemporal substitution is not modelled
    assert "Notching R&D" not in text
    assert "leverage_take_up" not in params  # no leverage multiplier
    assert params["credit_deadweight"].reference["authors"].startswith("Banerjee")


def test_the_plans_inform_judgements_and_are_not_called_references():
    from evaluation.data.sources import default_sources

    documents = {f"data/raw/{s.file}" for s in default_sources().values()}
    params = load_parameters().parameters
    informed = {n for n, p in params.items() if p.informed}
    citing_a_plan = {n for n, p in params.items() if p.reference["source"] in documents}
    assert informed == citing_a_plan and informed  # the plans inform, they do not support
    assert all(params[n].judgement for n in informed)
    for p in params.values():
        assert "DESIGN.md" not in p.reasoning  # a design note is not evidence for a value


def test_the_tax_relief_reasoning_quotes_the_plan_whole():
    from evaluation.data.sources import default_sources

    reasoning = load_parameters().parameters["tax_relief_deadweight"].reasoning
    quote = "减免企业所得税、加计扣除和设备抵免等优惠政策，合计金额超过7亿元"
    assert quote in reasoning and quote in default_sources()["plan2013"].text()


def test_scenario_fact_override_resolves_to_documented_value(tmp_path):
    path = tmp_path / "scenarios.yaml"
    path.write_text("scenarios:\n  baseline: {description: b, overrides: {}}\n"
                    "  from_fact:\n    description: f\n    overrides:\n"
                    "      special_fund_scale: {fact: plan2013.2012.special_fund, times: 0.5}\n",
                    encoding="utf-8")
    scenarios = load_scenarios(path)
    # 专项资金2亿元 (fact plan2013.2012.special_fund) × 0.5 = 1
    assert scenarios["from_fact"].levers["special_fund_scale"] == pytest.approx(1.0)
    assert scenarios["baseline"].levers["special_fund_scale"] == 1.0


def test_fast_quantile_function_matches_the_exact_one():
    dist = Distribution("pert", 0.2, 0.0, 0.4)
    q = np.linspace(0.001, 0.999, 101)
    assert np.allclose(dist.fast_ppf(q), dist.ppf(q), atol=1e-5)


def test_unknown_scenario_name_is_named():
    with pytest.raises(ParameterError, match="scenario 'nonsense'.*expected one of baseline"):
        select_scenarios(["baseline", "nonsense"], load_scenarios())


@pytest.mark.parametrize("dist", [
    Distribution("pert", 0.6, 0.3, 0.9),
    Distribution("triangular", 0.7, 0.25, 1.6),
    Distribution("uniform", 0.5, 0.0, 1.0),
    Distribution("normal_truncated", 0.0, -0.3, 0.3, 0.1),
    Distribution("lognormal_truncated", 1.0, 0.5, 2.0, 0.4),
])
def test_sampling_matches_quantile_function_and_bounds(dist):
    x = dist.sample(np.random.default_rng(7), 200_000)
    assert x.min() >= dist.low and x.max() <= dist.high
    for q in (0.05, 0.5, 0.95):
        expected = float(dist.ppf(q))
        assert np.quantile(x, q) == pytest.approx(expected, abs=0.01 * (dist.high - dist.low))


def test_triangular_quantile_by_hand():
    # triangular(0, 1, 2): F(x) = x²/2 on [0, 1], so the 12.5% quantile is x = 0.5
    assert float(Distribution("triangular", 1.0, 0.0, 2.0).ppf(0.125)) == pytest.approx(0.5)


def test_pert_table_sampling_follows_exact_beta_quantiles():
    from scipy import stats

    dist = Distribution("pert", 0.6, 0.3, 0.9)
    # pert(0.3, 0.6, 0.9): Beta(1 + 4 × 0.5, 1 + 4 × 0.5) = Beta(3, 3) on [0.3, 0.9]
    x = dist.sample(np.random.default_rng(5), 400_000)
    for q in (0.001, 0.01, 0.25, 0.5, 0.75, 0.99, 0.999):
        exact = 0.3 + 0.6 * stats.beta.ppf(q, 3, 3)
        assert np.quantile(x, q) == pytest.approx(exact, abs=2e-3)


@pytest.mark.parametrize("shape", [(1.0, 5.0), (5.0, 1.0), (3.0, 3.0), (1.8, 4.2), (4.9, 1.1)])
def test_beta_quantile_table_matches_scipy_ppf(shape):
    from scipy import stats

    from evaluation.model.distributions import PERT_TABLE_SIZE, beta_quantile_table

    p = np.linspace(0.0, 1.0, PERT_TABLE_SIZE)
    table = beta_quantile_table(*shape)
    assert np.all(np.diff(table) >= 0)
    assert np.abs(table - stats.beta.ppf(p, *shape)).max() < 3e-6
