"""Resolution: one rule picks a figure among documents (status, period, publication date, pins)."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.data.facts import written_interval
from evaluation.data.resolve import choose_all, ranked, resolve, resolve_or_none
from evaluation.errors import DataError


def _row(fact_id, source, published, year, kind, indicator, value, *, period="year",
         status="final", scope=""):
    iv = written_interval(value, 0, unit="count", qualifier="exact")
    return {"fact_id": fact_id, "source_id": source, "published": published, "year": year,
            "kind": kind, "indicator": indicator, "value": value, "point": value,
            "low": iv.low, "high": iv.high, "unit": "count", "period": period,
            "status": status, "scope": scope}


@pytest.fixture
def facts():
    """A plan (2013-02), a news release published earlier with a preliminary count (2013-01),
    a progress report with a January-November figure and a later restatement (2014-03)."""
    rows = [
        _row("plan.2012.projects", "plan", "2013-02", 2012, "actual", "projects", 101),
        _row("news.2012.projects", "news", "2013-01-20", 2012, "actual", "projects", 100,
             status="preliminary"),
        _row("news.2012.firms", "news", "2013-01-20", 2012, "estimate", "firms", 99),
        _row("progress.2012.firms", "progress", "2012-12", 2012, "actual", "firms", 97,
             period="months:1-11"),
        _row("plan2.2012.firms", "plan2", "2014-03", 2012, "actual", "firms", 98,
             status="preliminary"),
        _row("plan.2013.projects", "plan", "2013-02", 2013, "target", "projects", 104),
        _row("plan2.2013.projects", "plan2", "2014-03", 2013, "actual", "projects", 103),
    ]
    return pd.DataFrame(rows).set_index("fact_id", drop=False)


def test_final_beats_a_preliminary_figure_whatever_the_dates(facts):
    assert resolve(facts, indicator="projects", year=2012)["fact_id"] == "plan.2012.projects"


def test_preliminary_beats_an_estimate_and_the_full_year_only_by_default(facts):
    # firms 2012: an estimate (news), a preliminary full-year (plan2) and a Jan-Nov figure
    assert resolve(facts, indicator="firms", year=2012)["fact_id"] == "plan2.2012.firms"
    order = ranked(facts, indicator="firms", year=2012, period=None)["fact_id"].tolist()
    assert order == ["progress.2012.firms", "plan2.2012.firms", "news.2012.firms"]
    part = resolve(facts, indicator="firms", year=2012, period="months:1-11")
    assert part["value"] == 97


def test_latest_publication_date_breaks_a_tie_of_status():
    rows = [_row("b.2012.x", "b", "2014", 2012, "actual", "projects", 2),
            _row("a.2012.x", "a", "2014-05", 2012, "actual", "projects", 1)]
    table = pd.DataFrame(rows).set_index("fact_id", drop=False)
    # "2014-05" is later than "2014" (a year alone sorts before any month in it)
    assert resolve(table, indicator="projects", year=2012)["fact_id"] == "a.2012.x"


def test_a_pin_wins_by_role_or_by_indicator(facts):
    pinned = {"projects": "news.2012.projects"}
    assert resolve(facts, indicator="projects", year=2012,
                   pins=pinned)["fact_id"] == "news.2012.projects"
    by_role = {"headline projects": "news.2012.projects"}
    assert resolve(facts, indicator="projects", year=2012, pins=by_role,
                   role="headline projects")["fact_id"] == "news.2012.projects"
    assert resolve(facts, indicator="projects", year=2012,
                   pins=by_role)["fact_id"] == "plan.2012.projects"  # another role's pin
    # a pin for another year does not apply
    assert resolve(facts, indicator="projects", year=2013, kind="target",
                   pins=pinned)["fact_id"] == "plan.2013.projects"


def test_kinds_are_measures_targets_apart_from_outcomes(facts):
    assert resolve(facts, indicator="projects", year=2013)["value"] == 103
    assert resolve(facts, indicator="projects", year=2013, kind="target")["value"] == 104


def test_choose_all_agrees_with_resolve(facts):
    chosen = set(choose_all(facts).index)
    assert {"plan.2012.projects", "plan2.2012.firms", "progress.2012.firms",
            "plan.2013.projects", "plan2.2013.projects"} == chosen


@pytest.mark.parametrize("case, message", [
    ("nothing", r"firms 2014 \(actual, period year\).*no such fact; the facts hold firms for "
                r"2012 \(actual, months:1-11\), 2012 \(actual, year\), 2012 \(estimate, year\)"),
    ("unknown_pin", r"pins projects.*\['nope'\] not in the facts table"),
    ("same_document", r"two figures for projects 2012 \(actual, period year\) in source plan"),
])
def test_refusals_are_one_line_each(facts, case, message):
    if case == "nothing":
        assert resolve_or_none(facts, indicator="firms", year=2014) is None
        call = dict(indicator="firms", year=2014)
    elif case == "unknown_pin":
        call = dict(indicator="projects", year=2012, pins={"projects": "nope"})
    else:
        extra = facts.loc[["plan.2012.projects"]].assign(fact_id="plan.2012.projects2")
        facts = pd.concat([facts, extra.set_index("fact_id", drop=False)])
        call = dict(indicator="projects", year=2012)
    with pytest.raises(DataError, match=message) as caught:
        resolve(facts, **call)
    assert len(str(caught.value).splitlines()) == 1


def test_two_figures_of_one_document_are_refused_even_below_the_best(facts):
    # a pin puts news' count first; plan's two copies of one figure rank second and third
    extra = facts.loc[["plan.2012.projects"]].assign(fact_id="plan.2012.projects2")
    facts = pd.concat([facts, extra.set_index("fact_id", drop=False)])
    with pytest.raises(DataError, match="two figures for projects 2012"):
        resolve(facts, indicator="projects", year=2012, pins={"projects": "news.2012.projects"})
    with pytest.raises(DataError, match="two figures for projects 2012"):
        resolve_or_none(facts, indicator="projects", year=2012,
                        pins={"projects": "news.2012.projects"})


def test_without_optional_columns_or_a_date_the_defaults_apply():
    # no period, status, scope or published column: the full year, final, the action's own list;
    # a document without a publication date sorts before any dated one
    rows = [_row("a.2012.x", "a", None, 2012, "actual", "projects", 1),
            _row("b.2012.x", "b", "2013-02", 2012, "actual", "projects", 2),
            _row("c.2012.x", "c", None, 2012, "actual", "projects", 3)]
    table = pd.DataFrame(rows).drop(columns=["period", "status", "scope"])
    order = ranked(table, indicator="projects", year=2012, scope="")["fact_id"].tolist()
    assert order == ["b.2012.x", "c.2012.x", "a.2012.x"]  # dated first, then the later row
    assert set(choose_all(table)["fact_id"]) == {"b.2012.x"}
    hand_made = table.assign(period=[float("nan"), "months:1-11", "year"])
    # a blank period is the full year: it ranks with c's full year, above b's eleven months
    assert ranked(hand_made, indicator="projects", year=2012, period=None
                  )["fact_id"].tolist() == ["c.2012.x", "a.2012.x", "b.2012.x"]


def test_shipped_facts_resolve_to_the_plans_figures():
    from evaluation.data.facts import default_facts

    facts = default_facts()
    assert resolve(facts, indicator="projects", year=2012)["value"] == 101
    assert resolve(facts, indicator="project_investment", year=2015, kind="plan")["value"] == 246.53
    assert resolve_or_none(facts, indicator="project_investment_total", year=2015,
                           kind="plan") is None  # a lifetime total, not the year's
    assert resolve(facts, indicator="project_investment_total", year=2015, kind="plan",
                   period="lifetime")["value"] == 1320


def test_an_editions_pins_are_shown_against_the_rules_choice(facts):
    from evaluation.data.vintage_report import pin_lines

    lines = pin_lines(facts, {"projects": "news.2012.projects"}, edition="e", path="e.yaml")
    assert lines[0] == "pins of edition e: 1"
    assert lines[1] == ("  projects -> news.2012.projects (projects 2012 actual, preliminary): "
                        "the rule would choose plan.2012.projects")
    same = pin_lines(facts, {"projects": "plan.2012.projects"}, edition="e", path="e.yaml")
    assert same[1].endswith("the rule's choice too")
    assert pin_lines(facts, {}, edition="e", path="e.yaml") == [
        "pins of edition e: none (every figure chosen by the rule)"]
    with pytest.raises(DataError) as err:
        pin_lines(facts, {"projects": "no.such.fact"}, edition="e", path="e.yaml")
    assert len(str(err.value).splitlines()) == 1 and "no.such.fact" in str(err.value)


def test_availability_lists_found_and_missing_inputs_by_part(facts):
    from evaluation.data.availability import Needed, availability

    needed = [Needed("a", "count", "projects", 2012), Needed("a", "firms", "firms", 2012),
              Needed("b", "target", "projects", 2013, ("target", "plan")),
              Needed("c", "sales", "sales_revenue", 2012)]
    found = availability(facts, subject="s", year=2012, needed=needed,
                         requires={"b": ("a",), "c": ()})
    assert found.parts == ("a", "b", "c")
    assert found.fact_ids() == {"count": "plan.2012.projects", "firms": "plan2.2012.firms",
                                "target": "plan.2013.projects"}
    assert [n.role for n in found.missing()] == ["sales"]
    assert found.computable == ("a", "b") and found.blocked == ("c",)
    assert not found.complete
    table = found.table
    assert table["found"].tolist() == [True, True, True, False]
    # pinned: the news release's preliminary count instead of the plan's final one
    pinned = availability(facts, subject="s", year=2012, needed=needed[:1],
                          pins={"count": "news.2012.projects"})
    assert pinned.fact_ids() == {"count": "news.2012.projects"}


@pytest.mark.parametrize(("early", "late"), [("2013", "2013-01-07"), ("2013-01", "2013-01-07")])
def test_a_date_without_month_or_day_ties_and_the_later_row_decides(early, late):
    # Both final: the date written as a year (or a month) only is not known to be earlier, so
    # the dates tie and the fact listed later in facts.csv wins, whichever date it has.
    release = _row("news.2012.sales", "news", late, 2012, "actual", "sales", 1572)
    plan = _row("plan.2012.sales", "plan", early, 2012, "actual", "sales", 1571.6)
    for rows, winner in (([release, plan], "plan.2012.sales"),
                         ([plan, release], "news.2012.sales")):
        table = pd.DataFrame(rows).set_index("fact_id", drop=False)
        assert resolve(table, indicator="sales", year=2012)["fact_id"] == winner
        assert list(choose_all(table)["fact_id"]) == [winner]


def test_dates_of_other_years_still_order():
    rows = [_row("plan.2012.sales", "plan", "2014", 2012, "actual", "sales", 1571.6),
            _row("news.2012.sales", "news", "2013-01-07", 2012, "actual", "sales", 1572)]
    table = pd.DataFrame(rows).set_index("fact_id", drop=False)
    assert resolve(table, indicator="sales", year=2012)["fact_id"] == "plan.2012.sales"
