"""The audit of the documents' arithmetic: statuses and gap sizes against hand arithmetic."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from contexts import make_edition

from evaluation.analysis.audit import (
    CONSISTENT,
    INCONSISTENT,
    QUALIFIER_ONLY,
    run_audit,
)
from evaluation.analysis.checks import load_checks
from evaluation.data.facts import written_interval
from evaluation.errors import DataError

FIXTURES = Path(__file__).parent / "fixtures" / "audit"

# fact_id, value, value_text, unit, qualifier, decimals
SMALL_FACTS = [
    ("t.part_a", 10.5, "10.5", "yi_yuan", "exact", 1),
    ("t.part_b", 20.25, "20.25", "yi_yuan", "exact", 2),
    ("t.total", 40.0, "40", "yi_yuan", "exact", 0),
    ("t.count_a", 12.0, "12", "count", "exact", 0),
    ("t.count_b", 8.0, "8", "count", "exact", 0),
    ("t.count_total", 20.0, "20", "count", "exact", 0),
    ("t.change_2", 2.0, "2", "count", "exact", 0),
    ("t.odd_3000", 3000.0, "3000", "count", "odd", 0),
    ("t.nearly_7000", 7000.0, "7000", "count", "nearly", 0),
    ("t.share_44", 44.0, "44", "percent", "at_least", 0),
    ("t.nearly_100", 100.0, "100", "count", "nearly", 0),
    ("t.count_80", 80.0, "80", "count", "exact", 0),
]


@pytest.fixture(scope="module")
def small_facts() -> pd.DataFrame:
    """A facts table in the loader's shape, written for these tests."""
    rows = []
    for fact_id, value, text, unit, qualifier, decimals in SMALL_FACTS:
        iv = written_interval(value, decimals, unit=unit, qualifier=qualifier)
        rows.append({"fact_id": fact_id, "source_id": "test", "year": 2012, "kind": "actual",
                     "indicator": fact_id, "value": value, "value_high": float("nan"),
                     "unit": unit, "qualifier": qualifier, "value_text": text,
                     "quote": f"quote of {text}", "note": "", "low": iv.low, "high": iv.high,
                     "decimals": decimals, "point": value})
    return pd.DataFrame(rows).set_index("fact_id", drop=False)


@pytest.fixture(scope="module")
def known(small_facts) -> pd.DataFrame:
    small = make_edition(small_facts)
    return run_audit(small, load_checks(small, FIXTURES / "checks_known.yaml")).set_index(
        "check_id")


def test_known_inconsistency_is_flagged_with_its_size(known):
    row = known.loc["off_by_nine"]
    assert row["status"] == INCONSISTENT
    # written values: 10.5 + 20.25 - 40 = -9.25, i.e. -9.25 / 40 = -23.125 %
    assert row["gap_point"] == pytest.approx(-9.25)
    assert row["gap_point_pct"] == pytest.approx(-23.125)
    # precision: parts at most 10.55 + 20.255 = 30.805; total at least 39.5 -> -8.695
    assert row["gap_written"] == pytest.approx(30.805 - 39.5)
    assert row["gap_qualified"] == pytest.approx(30.805 - 39.5)
    assert row["relation"] == "10.5 + 20.25 = 40"
    assert "t.part_a: “quote of 10.5”" in row["quotes"]


def test_exact_relation_passes(known):
    row = known.loc["exact_counts"]
    assert row["status"] == CONSISTENT
    assert (row["gap_point"], row["gap_written"], row["gap_qualified"]) == (0, 0, 0)


def test_qualifier_only_case(known):
    row = known.loc["share_needs_qualifiers"]
    assert row["status"] == QUALIFIER_ONLY
    # 3000 / 7000 = 42.857 %: 44 - 42.857 = 1.143 pp short at the written values,
    # 43.5 - 42.857 = 0.643 pp short of 44 written with no decimals;
    # with 余/近/以上: [3000/7000, 4000/6300] = [42.86, 63.49] % meets [44, 100] %.
    assert row["gap_point"] == pytest.approx(100 * 3000 / 7000 - 44)
    assert row["gap_written"] == pytest.approx(100 * 3000 / 7000 - 43.5)
    assert row["gap_qualified"] == 0
    assert row["left_high"] == pytest.approx(100 * 4000 / 6300)


def test_inconsistent_even_with_qualifiers(known):
    row = known.loc["subset_fails_even_with_qualifiers"]
    assert row["status"] == INCONSISTENT
    # 近100 is [90, 100]; even its lowest reading exceeds 80 by 10
    assert row["gap_qualified"] == pytest.approx(90 - 80)
    assert row["gap_point"] == pytest.approx(100 - 80)


def test_growth_base_within_bounds(known):
    row = known.loc["base_within_bounds"]
    assert row["status"] == CONSISTENT
    assert row["left_point"] == 12 - 2
    assert row["relation"] == "12 − 2 ∈ [0, 20]"


def test_weighted_term(known):
    row = known.loc["weighted_floor"]
    assert row["status"] == INCONSISTENT
    # 2 × 10.45 - 20.255 = 0.645 at the most favourable reading; 2 × 10.5 - 20.25 = 0.75
    assert row["gap_point"] == pytest.approx(0.75)
    assert row["gap_written"] == pytest.approx(2 * 10.45 - 20.255)


# ----------------------------------------------------------------------- the real documents
@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return run_audit(make_edition()).set_index("check_id")


def test_direct_financing_is_fifty_short(real):
    row = real.loc["direct_financing_instruments"]
    assert row["status"] == INCONSISTENT
    parts = 82.55 + 4.71 + 39 + 60 + 3.39 + 28 + 5.8  # = 223.45
    assert row["gap_point"] == pytest.approx(parts - 273.45)
    assert row["gap_point"] == pytest.approx(-50.0)
    # most favourable reading: every part at its upper rounding bound, the total at its lower
    parts_high = 82.555 + 4.715 + 39.5 + 60.5 + 3.395 + 28.5 + 5.85  # = 225.015
    assert row["gap_written"] == pytest.approx(parts_high - 273.445)  # = -48.43
    assert row["gap_point_pct"] == pytest.approx(100 * -50 / 273.45)


def test_real_exact_relations(real):
    for check_id in ("projects_2012_split", "projects_2015_split", "investment_2015_split",
                     "eia_2012_stages", "matching_fulfilment_rate", "tiers_2012_within_firms"):
        assert real.loc[check_id, "status"] == CONSISTENT, check_id
    # 164.16 + 82.37 = 246.53 exactly; 640.28 / 750.3 = 85.3365 % vs 85.34 %
    assert real.loc["investment_2015_split", "gap_point"] == pytest.approx(0, abs=1e-9)
    assert real.loc["matching_fulfilment_rate", "gap_point"] == pytest.approx(
        100 * 640.28 / 750.3 - 85.34)


def test_real_hires_share_needs_the_qualifiers(real):
    row = real.loc["hires_college_share"]
    assert row["status"] == QUALIFIER_ONLY
    assert row["gap_point"] == pytest.approx(100 * 3000 / 7000 - 44)


def test_real_tier_targets_fit_within_one_hundred_firms(real):
    assert real.loc["tiers_2013_within_firms", "left_point"] == 5 + 7 + 20 + 50
    assert real.loc["tiers_2015_within_firms", "left_point"] == 5 + 6 + 25 + 50
    assert "not state" in real.loc["tiers_2013_within_firms", "assumption"]


def test_only_the_financing_total_is_inconsistent(real):
    assert real.index[real["status"] == INCONSISTENT].tolist() == ["direct_financing_instruments"]
    assert real.index[real["status"] == QUALIFIER_ONLY].tolist() == ["hires_college_share"]


# ----------------------------------------------------------------------- bad checks files
BAD = {
    "unknown_type.yaml": ("check 'c1', key 'type'", "'parts_total'"),
    "unknown_fact.yaml": ("check 'c1', key 'parts'", "fact id 't.no_such_fact'"),
    "missing_key.yaml": ("check 'c1', key 'percent'", "nothing"),
    "unknown_key.yaml": ("check 'c1', key 'tolerance'", "an unknown key"),
    "duplicate_id.yaml": ("check 'c1', key 'id'", "a duplicate id"),
    "bad_bounds.yaml": ("check 'c1', key 'bounds'", "[0]"),
    "bad_mode.yaml": ("check 'c1', key 'mode'", "'linear'"),
    "base_and_bounds.yaml": ("check 'c1', keys 'base'/'bounds'", "both"),
    "wrong_unit.yaml": ("check 'c1', key 'parts'", "t.part_a in unit 'yi_yuan'"),
    "bad_times.yaml": ("check 'c1', key 'part'", "times 'many'"),
    "not_a_list.yaml": ("checks", "a mapping"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_checks_file_gives_a_clear_error(small_facts, name):
    location, found = BAD[name]
    with pytest.raises(DataError) as info:
        load_checks(make_edition(small_facts), FIXTURES / "bad" / name)
    message = str(info.value)
    assert name in message
    assert location in message
    assert f"found {found}" in message
    assert "expected" in message


def test_project_checks_file_is_valid():
    checks = load_checks(make_edition())
    assert len(checks) == len({c.id for c in checks})


def test_findings_list_every_check(real):
    from html import escape

    from evaluation.reports.labels import default_labels
    from evaluation.reports.narrative.audit import audit_context
    from evaluation.reports.prose import render
    from evaluation.reports.provenance import Citations

    results = real.reset_index()
    text = render("narrative/audit.html.j2", "en",
                  **audit_context(results, Citations(), edition="2013"))
    labels = default_labels()
    for _, row in results.iterrows():
        assert escape(labels.get("checks", row["check_id"], "en")) in text
    assert f">{len(results)}<" in text.split("checks:")[0]  # "<n> checks: ..."
    assert ">-50亿元<" in text  # the financing gap, 223.45 - 273.45


def test_cli_audit_prints_every_check():
    from click.testing import CliRunner

    from evaluation.cli import cli

    result = CliRunner().invoke(cli, ["audit"])
    assert result.exit_code == 0, result.output
    assert "inconsistent" in result.output and "direct_financing_instruments" in result.output
    assert "gap -50 " in result.output
    assert result.output.strip().splitlines()[-1].endswith("1 inconsistent")


def test_cli_audit_bad_checks_file_is_a_data_error():
    from click.testing import CliRunner

    from evaluation.cli import cli

    result = CliRunner().invoke(cli, ["audit", "--checks",
                                      str(FIXTURES / "bad" / "unknown_type.yaml")])
    assert isinstance(result.exception, DataError)
    assert "check 'c1', key 'type'" in str(result.exception)


# ----------------------------------------------------- terms by meaning, derived values, periods
BY_MEANING = """checks:
  - id: year_plan_within_lifetime
    type: subset
    description: The year's planned investment is part of the projects' lifetime total
    part: {indicator: project_investment, year: 2015, kind: plan}
    whole: {indicator: project_investment_total, year: 2015, kind: plan, period: lifetime}
  - id: share_of_a_derived_total
    type: ratio
    description: The stated share of general industrial investment, against the derived total
    numerator: {indicator: project_investment, year: 2012}
    denominator: {derived: province_general_industrial_investment, year: 2012}
    percent: {indicator: investment_share_general_industrial, year: 2012}
  - id: derived_base_of_growth
    type: growth_base
    description: 2012 sales over their growth give the 2011 sales derived from them
    value: {indicator: sales_revenue, year: 2012}
    growth: {indicator: sales_growth, year: 2012}
    mode: percent
    base: {derived: sales_revenue, year: 2011}
"""


@pytest.fixture(scope="module")
def by_meaning(tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("checks") / "checks.yaml"
    path.write_text(BY_MEANING, encoding="utf-8")
    shipped = make_edition()
    return run_audit(shipped, load_checks(shipped, path)).set_index("check_id")


def test_parts_against_a_total_across_periods(by_meaning):
    row = by_meaning.loc["year_plan_within_lifetime"]
    assert row["status"] == CONSISTENT
    assert (row["left_point"], row["right_point"]) == (246.53, 1320)
    assert row["fact_ids"] == "plan2015.2015.project_investment;plan2015.2015.project_investment_total"


def test_a_stated_percentage_against_a_derived_value(by_meaning):
    row = by_meaning.loc["share_of_a_derived_total"]
    assert row["status"] == CONSISTENT
    derived_total = 465 / (85 / 100)  # 547.06: the province's general industrial investment
    assert row["left_point"] == pytest.approx(100 * 465 / derived_total)
    assert row["right_point"] == 85
    # cited by the stated facts the derived total comes from
    assert row["fact_ids"] == ("plan2013.2012.project_investment;"
                               "plan2013.2012.investment_share_general_industrial")
    base = by_meaning.loc["derived_base_of_growth"]
    assert base["status"] == CONSISTENT
    assert base["right_point"] == pytest.approx(1571.6 / 1.256)
    assert base["relation"].endswith(f"= ≈{1571.6 / 1.256:g}")


@pytest.mark.parametrize(("term", "found"), [
    ("{indicator: project_investment, year: 2014, kind: plan}",
     "no fact for project_investment 2014 (plan, period year)"),
    ("{derived: sales_revenue, year: 2009}", "derived 'sales_revenue' for 2009"),
    ("{indicator: sales_revenue}", "keys ['indicator']"),
])
def test_a_term_by_meaning_that_names_nothing_is_one_line(tmp_path, term, found):
    path = tmp_path / "checks.yaml"
    path.write_text("checks:\n  - id: c\n    type: range\n    description: d\n"
                    f"    value: {term}\n    bounds: [0, 100]\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_checks(make_edition(), path)
    lines = str(err.value).splitlines()
    assert len(lines) == 1 and found in lines[0] and "check 'c', key 'value'" in lines[0]


def test_relations_are_written_without_words_so_every_language_reads_them():
    results = run_audit(make_edition())
    assert not results["relation"].str.contains(r"[A-Za-z]").any(), results["relation"].tolist()
    ratios = results[results["type"] == "ratio"]["relation"].tolist()
    assert ratios and all(" / " in r and (" = " in r or " ≥ " in r or " ≤ " in r)
                          for r in ratios)
    assert any(r.endswith("≥ 44%") for r in ratios)  # a stated share with its qualifier
