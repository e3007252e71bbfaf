"""Derivations declared as data: the shipped ones by hand, bad entries as one-line errors."""

from __future__ import annotations

import pytest
from contexts import make_edition

from evaluation.analysis.derivations import implied_values, load_derivations
from evaluation.analysis.years import base_year_gaps, check_edition_years, outcome_years
from evaluation.errors import ConfigError, DataError

GOOD = """derivations:
  - id: per_firm
    label: "{year} sales per firm"
    formula: "sales_{year} / firms_{year}"
    unit: yi_yuan
    expression: sales / firms
    inputs:
      sales: {indicator: sales_revenue}
      firms: {indicator: firms}
"""


def test_the_shipped_derivations_by_hand():
    implied = implied_values(make_edition()).set_index("derived_id")
    # 2011 sales: 1571.6 / 1.256; 1571．6 is +-0.05 and 25．6% is +-0.05 points
    row = implied.loc["sales_revenue_2011"]
    assert row["value"] == pytest.approx(1571.6 / 1.256)
    assert (row["low"], row["high"]) == (pytest.approx(1571.55 / 1.2565),
                                         pytest.approx(1571.65 / 1.2555))
    assert row["indicator"] == "sales_revenue" and row["kind"] == "actual"
    assert implied.loc["firms_sales_50_100_2011", "value"] == 6  # 7 firms, one more than 2011
    assert implied.loc["lifetime_investment_per_project_2015", "value"] == pytest.approx(13.2)


def test_a_derivation_file_of_ones_own(tmp_path):
    path = tmp_path / "derivations.yaml"
    path.write_text(GOOD, encoding="utf-8")
    table = implied_values(make_edition(), derivations=load_derivations(path)).set_index(
        "derived_id")
    assert table.loc["per_firm_2012", "value"] == pytest.approx(15.716)
    assert table.loc["per_firm_2012", "formula"].startswith("sales_2012 / firms_2012")


@pytest.mark.parametrize("change, message", [
    (("expression: sales / firms", "expression: sales / staff"),
     r"derivations\[0\] \(per_firm\)\.expression: found 'sales / staff' \(unknown input 'staff'\)"),
    (("expression: sales / firms", "expression: __import__('os')"),
     r"\.expression: found .*uses Call"),
    (("indicator: firms}", "indicator: firmz}"),
     r"\.inputs\.firms\.indicator: found 'firmz'; expected an indicator id"),
    (("unit: yi_yuan", "unit: dollars"), r"\.unit: found 'dollars'"),
    (("    label:", "    lable:"), r"missing keys \['label'\]"),
])
def test_bad_derivations_are_one_line_each(tmp_path, change, message):
    path = tmp_path / "derivations.yaml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(DataError, match=message) as caught:
        load_derivations(path)
    assert len(str(caught.value).splitlines()) == 1


def test_years_with_outcomes_stated_or_implied():
    shipped = make_edition()
    facts, implied = shipped.facts, implied_values(shipped)
    assert outcome_years(facts, implied) == {2011: "implied only", 2012: "stated"}
    gaps = base_year_gaps(make_edition(base_year=2011), implied)
    assert "special_fund" in set(gaps["indicator"])  # no financing figure for 2011
    assert "sales_revenue" not in set(gaps["indicator"])  # implied by 2012 and its growth
    assert base_year_gaps(shipped, implied).empty


@pytest.mark.parametrize("parameters, message", [
    ({"base_year": 2013, "target_years": [2014, 2015]},
     r"x.yaml: parameter 'base_year': found 2013, a year with no outcome .*expected a year "
     r"with outcomes: 2011 \(implied only\), 2012$"),
    ({"base_year": 2012, "target_years": [2012, 2015]},
     r"x.yaml: parameter 'target_years': found \[2012, 2015\], which includes the base year 2012"),
])
def test_editions_whose_years_cannot_be_evaluated_are_refused(parameters, message):
    with pytest.raises(ConfigError, match=message) as caught:
        check_edition_years(parameters, path="x.yaml", edition=make_edition())
    assert len(str(caught.value).splitlines()) == 1


def test_the_shipped_edition_passes():
    for year in (2012, 2011):
        check_edition_years({"base_year": year, "target_years": [2013, 2015]}, path="x.yaml",
                            edition=make_edition(base_year=year))
