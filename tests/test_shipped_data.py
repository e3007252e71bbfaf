"""The shipped data, exactly: counts that change when a user adds a document or a fact.

Every other test works in a project that holds the documents it is written against (conftest.py),
whatever documents and facts a user registers (the README's "Rerunning next year"); this file
alone reads the repository's data, and the exact counts of the two shipped plans live here only. After adding documents,
expect this file alone to fail, and update its numbers when the additions are deliberate.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluation.cli import cli
from evaluation.data.completeness import coverage, load_ignored
from evaluation.data.facts import default_facts
from evaluation.data.sources import default_sources, load_sources
from evaluation.project import Project

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"


@pytest.fixture(autouse=True)
def shipped():
    """The repository's own data (every other test works in the copy conftest.py makes)."""
    with Project(REPO).activated() as repo:
        yield repo
TIER = "tier threshold, part of the indicator definition"


def test_seventy_facts_from_the_two_plans():
    facts = default_facts()
    assert len(facts) == 70
    assert facts.groupby("source_id").size().to_dict() == {"plan2013": 59, "plan2015": 11}


def test_the_registry_lists_the_two_plans_and_the_statistics_table():
    sources = load_sources()
    plans = sorted(k for k, s in sources.items() if s.doc_type == "plan")
    assert plans == ["plan2013", "plan2015"]
    assert sources["plan2013"].plan_year == 2013
    assert sources["plan2015"].plan_year == 2015
    tables = [s for s in sources.values() if s.is_table]
    assert [s.doc_type for s in tables] == ["statistical_table"]
    assert len(sources) == len(plans) + len(tables)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the original seeds folder is not present")
def test_raw_documents_are_the_seeds_unchanged():
    for source in load_sources().values():
        if not source.is_table:
            assert source.path.read_bytes() == (SEEDS / source.original_file_name).read_bytes()


STATISTICS = SEEDS.parent / "data" / "provincial_gfcf"


@pytest.mark.skipif(not STATISTICS.is_dir(), reason="the shared statistics folder is not present")
def test_the_statistics_table_and_its_readme_are_shipped_unchanged():
    table = next(s for s in load_sources().values() if s.is_table)
    shipped = STATISTICS / table.original_file_name
    assert table.path.read_bytes() == shipped.read_bytes()
    readme = table.path.with_name(table.path.stem + ".README.md")
    assert readme.read_bytes() == (STATISTICS / "README.md").read_bytes()


def test_plan2015_numbers_facts_and_ignored():
    plan2015 = coverage(default_sources()["plan2015"], facts=default_facts(),
                        ignored=load_ignored())
    # 11 facts, the year 2015 and three tier thresholds (50-100, 10-50, 1-10亿元)
    assert (len(plan2015.mentions), len(plan2015.by_fact), len(plan2015.by_entry)) == (15, 11, 4)


def test_tier_thresholds_are_ignored_with_the_agreed_reason():
    thresholds = [e for e in load_ignored() if e.reason.startswith(TIER)]
    written = sorted((e.source, e.number) for e in thresholds)
    assert written == sorted([
        ("plan2013", "100"), ("plan2013", "50"), ("plan2013", "20"), ("plan2013", "50"),
        ("plan2013", "50-100"), ("plan2013", "10-50"), ("plan2013", "1-10"),
        ("plan2015", "50-100"), ("plan2015", "10-50"), ("plan2015", "1-10")])


def test_check_counts_by_source():
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  by source: plan2013 59, plan2015 11" in lines
    assert "  plan2015: 15 numbers, 11 facts, 4 ignored with a reason, 0 uncovered" in lines
