"""The edition context: one object carries the edition's facts, pins and years, and a pin reaches
every place its figure appears (tables, figures, memo lede, workbook, checks; both languages)."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
from html import unescape

import openpyxl
import pandas as pd
import pytest
from contexts import make_edition

from evaluation.analysis import comparisons as targets
from evaluation.analysis.audit import run_audit
from evaluation.analysis.checks import load_checks
from evaluation.data.edition import EditionContext, edition_context
from evaluation.data.facts import default_facts
from evaluation.errors import DataError
from evaluation.project import Project
from evaluation.reports import figures, memo
from evaluation.reports.labels import LANGUAGES
from evaluation.reports.outputs import save_table
from evaluation.reports.workbook import write_workbook

STATED = "plan2013.2012.project_investment"  # 465亿元, final: the rule's choice
PINNED = "news2013.2012.project_investment"  # 480亿元, preliminary: chosen only by a pin
TARGET = 472.8  # the 2013 investment target
NEWS = "2012年工业“双百”行动初步统计：“双百”项目完成投资480亿元。\n"


@pytest.fixture(scope="module")
def pinned_project(tmp_path_factory, project_copy) -> Project:
    """A copy of the project with a preliminary news release stating 2012 investment as 480亿元,
    added the README's way (document, registry entry, fact, ignored numbers): the resolution rule
    keeps the plan's final 465, a pin takes 480."""
    root = project_copy(tmp_path_factory.mktemp("pinned") / "project")
    name = "2013-01_news-release.txt"
    (root / "data" / "raw" / name).write_text(NEWS, encoding="utf-8")
    digest = hashlib.sha256(NEWS.encode("utf-8")).hexdigest()
    with open(root / "data" / "sources.yaml", "a", encoding="utf-8") as registry:
        registry.write(
            "  - id: news2013\n    title_zh: 测试新闻稿\n    title_en: Test news release\n"
            "    issuer: test\n    plan_year: 2013\n    doc_type: news_release\n"
            "    published: \"2013-01-20\"\n    language: zh-Hans\n"
            f"    file: {name}\n    original_file_name: {name}\n    sha256: {digest}\n")
    header = (root / "data" / "facts.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    record = {"fact_id": PINNED, "source_id": "news2013", "year": 2012, "kind": "actual",
              "indicator": "project_investment", "value": 480, "unit": "yi_yuan",
              "qualifier": "exact", "value_text": "480", "quote": "完成投资480亿元",
              "period": "year", "status": "preliminary"}
    rows = io.StringIO()
    csv.writer(rows, lineterminator="\n").writerow([record.get(c, "") for c in header])
    with open(root / "data" / "facts.csv", "a", encoding="utf-8") as handle:
        handle.write(rows.getvalue())
    with open(root / "data" / "ignored_numbers.yaml", "a", encoding="utf-8") as handle:
        handle.write("  - source: news2013\n    pattern: '\\d{4}年'\n"
                     "    reason: a calendar year (date), not a figure\n")
    return Project(root)


@pytest.fixture(scope="module")
def unpinned(pinned_project) -> EditionContext:
    return edition_context(base_year=2012, target_years=[2013, 2015], project=pinned_project)


@pytest.fixture(scope="module")
def pinned(pinned_project) -> EditionContext:
    return edition_context(base_year=2012, target_years=[2013, 2015], project=pinned_project,
                           pins={"project_investment": PINNED})


@pytest.fixture(scope="module")
def facts(unpinned) -> pd.DataFrame:
    return unpinned.facts


def test_the_context_is_frozen_and_its_resolution_applies_the_pins(unpinned, pinned):
    assert unpinned.resolve(indicator="project_investment", year=2012)["fact_id"] == STATED
    assert pinned.resolve(indicator="project_investment", year=2012)["fact_id"] == PINNED
    assert PINNED in set(pinned.chosen["fact_id"]) and STATED not in set(pinned.chosen["fact_id"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        pinned.base_year = 2013  # type: ignore[misc]
    with pytest.raises(TypeError):
        pinned.pins["sales_revenue"] = STATED  # type: ignore[index]
    assert pinned.years == (2012, 2013, 2015)


def test_a_pin_naming_no_fact_is_refused_when_the_context_is_built(facts):
    with pytest.raises(DataError, match=r"pins project_investment.*\['nope'\]"):
        make_edition(facts, pins={"project_investment": "nope"})


def test_the_constructor_reads_the_project_and_the_editions_parameters(pinned_project):
    built = edition_context(base_year=2013, target_years=[2015], pins={}, languages=["en"],
                            project=pinned_project)
    assert built.project == pinned_project
    assert (built.base_year, built.target_years, built.languages) == (2013, (2015,), ("en",))
    assert PINNED in set(built.facts["fact_id"])
    assert PINNED not in set(default_facts()["fact_id"])  # this process's project is untouched
    assert "news2013" in built.sources


def _investment(table: pd.DataFrame) -> pd.Series:
    rows = table[(table["indicator"] == "project_investment") & (table["target_year"] == 2013)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_pin_reaches_the_comparison_table_and_its_growth(unpinned, pinned):
    before, after = _investment(targets.comparisons(unpinned)), _investment(
        targets.comparisons(pinned))
    assert (before["base_value"], before["base_fact_id"]) == (465, STATED)
    assert (after["base_value"], after["base_fact_id"]) == (480, PINNED)
    assert after["change_pct"] == pytest.approx(100 * (TARGET / 480 - 1))  # -1.5%


def test_a_pin_reaches_the_figure_in_both_languages(pinned):
    table = targets.comparisons(pinned)
    for lang in LANGUAGES:
        fig = figures.outcome_target_figure(table, lang=lang)
        heights = {round(p.get_height(), 2) for ax in fig.axes for p in ax.patches}
        assert 480 in heights and 465 not in heights, lang


def test_a_pin_reaches_the_workbook(pinned, tmp_path):
    save_table(targets.comparisons(pinned), "outcomes_vs_targets", out=tmp_path)
    book = openpyxl.load_workbook(write_workbook(tmp_path), read_only=True)
    values = {cell for sheet in book.worksheets if sheet.title != "contents"
              for row in sheet.iter_rows(values_only=True) for cell in row}
    assert 480 in values and PINNED in values and STATED not in values


@pytest.fixture(scope="module")
def memo_pages(pinned, pinned_project) -> dict[str, str]:
    with pinned_project.activated():  # the effects model still reads the project's files
        data = memo.gather(pinned, edition="test", scenarios=["baseline"], draws=200, seed=1,
                           tier_draws=50, sobol_n=64)
    return {lang: unescape(memo.memo_page(data, draws=200, seed=1, lang=lang,
                                          date="2026-01-01", notebook="04-policy-memo"))
            for lang in LANGUAGES}


def test_a_pin_reaches_the_memo_lede_and_its_required_growth_in_both_languages(memo_pages):
    change = f"{abs(100 * (TARGET / 480 - 1)):.1f}%"  # 1.5% below the pinned level (worded)
    for lang, page in memo_pages.items():
        lede = page[:page.index(change)]  # the lede states the level, then the growth
        assert "480" in lede, lang
        # the unpinned figure is nowhere but in the appendix's table of revisions, which
        # lists every document's statement and marks the one used
        used = re.sub(r'<div class="memo-revisions".*?</section></div>', "", page, flags=re.S)
        assert "465亿元" not in used and "465 亿元" not in used, lang
        assert "465" in page[page.index('class="memo-revisions"'):], lang
        assert f"prov=\"fact:{PINNED}\"" in page, lang


def test_a_pin_reaches_the_financing_mix(facts):
    total = "plan2013.2012.direct_financing"  # 273.45, instruments sum to 223.45
    restated = facts.loc[[total]].copy()
    restated.index = restated["fact_id"] = ["news2013.2012.direct_financing"]
    restated[["source_id", "status"]] = ["news2013", "preliminary"]
    restated[["value", "point", "low", "high"]] = [300.0, 300.0, 299.5, 300.5]
    both = pd.concat([facts, restated])
    rule = targets.financing_mix(make_edition(both)).set_index("item")
    pin = targets.financing_mix(make_edition(
        both, pins={"direct_financing": "news2013.2012.direct_financing"})).set_index("item")
    assert rule.loc["not_itemised", "value"] == pytest.approx(273.45 - 223.45)
    assert pin.loc["not_itemised", "value"] == pytest.approx(300 - 223.45)
    assert pin.loc["not_itemised", "share_of_stated_total_pct"] == pytest.approx(
        100 * (300 - 223.45) / 300)


def test_a_pin_reaches_a_target_the_memo_looks_up(facts):
    assert memo.find_fact(make_edition(facts), "project_investment", 2012) == STATED
    assert memo.find_fact(make_edition(facts, pins={"project_investment": PINNED}),
                          "project_investment", 2012) == PINNED


def test_a_pin_reaches_a_check_that_names_figures_by_meaning(unpinned, pinned, tmp_path):
    path = tmp_path / "checks.yaml"
    path.write_text("checks:\n  - id: level\n    type: range\n    description: d\n"
                    "    value: {indicator: project_investment, year: 2012}\n"
                    "    bounds: [470, 500]\n", encoding="utf-8")
    assert load_checks(unpinned, path)[0].fact_ids == (STATED,)
    assert load_checks(pinned, path)[0].fact_ids == (PINNED,)
    assert run_audit(pinned, load_checks(pinned, path)).iloc[0]["status"] == "consistent"
    assert run_audit(unpinned, load_checks(unpinned, path)).iloc[0]["status"] == "inconsistent"


# --------------------------------------------------------------------------- next year's shape
def _moved(facts: pd.DataFrame, ids: list[str], year: int, source: str = "news2013"
           ) -> pd.DataFrame:
    """Copies of the facts ``ids`` restated for ``year`` in document ``source`` (new ids)."""
    rows = facts.loc[ids].copy()
    rows["fact_id"] = [f"{source}.{year}.{i.split('.')[-1]}" for i in ids]
    rows.index = rows["fact_id"]
    rows[["year", "source_id"]] = [year, source]
    return rows


def test_the_memos_financing_gap_reads_the_base_years_own_audit_rows(facts):
    from evaluation.reports.memo_findings import financing_gap_failed

    shipped = make_edition()
    assert financing_gap_failed(targets.financing_mix(shipped), run_audit(shipped))
    # 2013 outcomes with the same financing figures: the shipped check is on 2012's figures,
    # so it says nothing about 2013's mix
    parts = [i for i in facts["fact_id"] if i.startswith("plan2013.2012.direct_financing")]
    later = make_edition(pd.concat([facts, _moved(facts, parts, 2013)]), base_year=2013,
                         target_years=[2015])
    mix = targets.financing_mix(later)
    assert not mix.empty and mix["fact_id"].str.contains("news2013.2013").all()
    assert not financing_gap_failed(mix, run_audit(later))
    assert not financing_gap_failed(targets.financing_mix(make_edition(base_year=2011)),
                                    run_audit(shipped))


def test_derived_values_are_found_by_structure_and_named_in_chinese(facts, unpinned):
    from evaluation.analysis.derivations import find, implied_values
    from evaluation.reports.narrative import targets as findings
    from evaluation.reports.provenance import Citations

    # 2013 stated as an outcome too: one year, two kinds of investment per project
    both = pd.concat([facts, _moved(facts, ["plan2013.2012.projects", STATED], 2013)])
    later = make_edition(both, base_year=2013, target_years=[2015])
    implied = implied_values(later)
    per = find(implied, "investment_per_project", year=2013)
    assert sorted(per["kind"]) == ["actual", "target"]
    assert per.set_index("kind").loc["actual", "value"] == pytest.approx(465 / 101)
    assert per.set_index("kind").loc["target", "value"] == pytest.approx(472.8 / 104)
    zh = findings.implied_context(implied, Citations(facts=both, sources=unpinned.sources, lang="zh"))
    names = [re.sub(r"<[^>]+>", "", item["label"]) for item in zh["items"]]
    assert len(names) == len(implied)
    assert not [n for n in names if n in set(implied["label"])]  # no English fallback
    assert {"2013年每个项目完成投资", "2013年每个项目目标投资"} <= set(names)


def test_a_derivation_the_registry_cannot_name_is_a_problem_for_check():
    from evaluation.analysis.derivations import Derivation, default_derivations
    from evaluation.reports.labels import default_labels
    from evaluation.reports.narrative.targets import derivation_label_problems

    labels = default_labels()
    assert derivation_label_problems(default_derivations(), labels) == []
    unnamed = Derivation(id="unnamed", label="x", formula="x", unit="yi_yuan", expression="a",
                         inputs={})
    found = derivation_label_problems([unnamed], labels)
    assert [p.location for p in found] == ["section 'derivations', id 'unnamed'"] * 2
    assert {p.found for p in found} == {"no 'zh' label (kinds actual)",
                                       "no 'en' label (kinds actual)"}
