"""Next year's documents: the 2014 plan (tests/next_year.py) added the README's way.

Adding it changes no input of any other test (they work in the project conftest.py makes, which
holds the documents they are written against), and the toolkit handles it: ``check`` passes, the
restated 2012 figure is used, base year 2013 compares with the 2014 targets, every derived value
has its Chinese name, the SYNTHETIC panel falls back when the 2013 tier counts are missing, and
the memo's financing gap is not claimed for 2013 on the strength of a 2012 check. The slow test
publishes the 2014 edition (all five notebooks, both languages); ``.ci/run`` runs it.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT_FILES, own_project, with_small_draws
from next_year import FACTS, SOURCE, add_plan2014

from evaluation.analysis import comparisons as targets
from evaluation.analysis.audit import run_audit
from evaluation.analysis.derivations import implied_values
from evaluation.data.edition import EditionContext, edition_context
from evaluation.project import Project

CLI = str(Path(sys.executable).parent / "evaluation")


def _user_copy(source: Path, root: Path) -> Path:
    """A project as its user has it: ``source``'s data, notebooks and root files."""
    shutil.copytree(source / "data", root / "data")
    shutil.copytree(source / "notebooks", root / "notebooks")
    for name in ROOT_FILES:
        shutil.copy2(source / name, root / name)
    return root


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def test_adding_the_plan_changes_no_input_of_the_other_tests(tmp_path, root):
    as_shipped = _user_copy(root, tmp_path / "shipped")
    with_plan = _user_copy(root, tmp_path / "with_plan")
    add_plan2014(with_plan)
    assert (with_plan / "data" / "editions" / "2014.yaml").is_file()
    tests_before = own_project(tmp_path / "own_before", source=as_shipped)
    tests_after = own_project(tmp_path / "own_after", source=with_plan)
    before, after = _files(tests_before), _files(tests_after)
    assert sorted(before) == sorted(after)
    changed = [name for name in before
               if not filecmp.cmp(before[name], after[name], shallow=False)]
    assert changed == []


@pytest.fixture(scope="module")
def project(tmp_path_factory, project_copy) -> Project:
    """A copy of the tests' project with the 2014 plan added the README's way."""
    root = project_copy(tmp_path_factory.mktemp("next_year") / "project")
    shutil.copy2(Path(os.environ["EVALUATION_ROOT"]) / "Makefile", root / "Makefile")
    add_plan2014(root)
    return Project(root)


@pytest.fixture(scope="module")
def edition2014(project) -> EditionContext:
    return edition_context(base_year=2013, target_years=[2014, 2015], project=project)


def test_check_prints_no_error(project):
    from evaluation.pipeline.check_all import check_inputs

    with project.activated():
        lines = check_inputs().lines
    assert any(line.startswith("derivations: ") for line in lines)
    assert f"  by source: plan2013 59, plan2014 {len(FACTS)}, plan2015 11" in lines


def test_the_restated_figure_is_used_for_its_year(project):
    edition2013 = edition_context(base_year=2012, target_years=[2013, 2015], project=project)
    row = targets.comparisons(edition2013)
    row = row[(row["indicator"] == "project_investment") & (row["target_year"] == 2013)].iloc[0]
    assert (row["base_fact_id"], row["base_value"]) == ("plan2014.2012.project_investment", 468)


def test_base_year_2013_against_the_2014_targets(edition2014):
    table = targets.comparisons(edition2014).set_index(["indicator", "target_year"])
    investment = table.loc[("project_investment", 2014)]
    assert (investment["base_value"], investment["target_value"]) == (478.5, 520)
    assert investment["change_pct"] == pytest.approx(100 * (520 / 478.5 - 1))
    sales = table.loc[("sales_revenue", 2014)]
    assert sales["required_cagr_pct"] == pytest.approx(100 * (2000 / 1790.6 - 1))
    assert sales["base_own_growth_pct"] == pytest.approx(13.9)


def test_every_derived_value_has_its_chinese_name(edition2014):
    from evaluation.reports.narrative import targets as findings
    from evaluation.reports.provenance import Citations

    implied = implied_values(edition2014)
    per = implied[implied["derivation"] == "investment_per_project"]
    assert {(int(y), k) for y, k in zip(per["year"], per["kind"], strict=True)} >= {
        (2013, "actual"), (2013, "target"), (2014, "plan")}
    cite = Citations(facts=edition2014.facts, sources=edition2014.sources, lang="zh")
    names = [re.sub(r"<[^>]+>", "", item["label"])
             for item in findings.implied_context(implied, cite)["items"]]
    assert len(names) == len(implied)
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in names), names
    assert not set(names) & set(implied["label"])  # none the English label of the file
    assert {"2013年每个项目完成投资", "2013年每个项目目标投资", "2014年每个项目年度计划投资"} <= set(names)
    conclusions = findings.conclusions_context(
        targets.comparisons(edition2014), implied, targets.firm_tiers(edition2014),
        targets.attainment(edition2014), cite)
    assert conclusions["per_project"] is not None and conclusions["per_project"]["base_year"] == 2013


def test_the_synthetic_panel_falls_back_without_the_tier_counts(edition2014):
    from evaluation.panel.synthetic import synthetic_panel_for

    chosen = synthetic_panel_for(2013, facts=edition2014.facts)
    assert (chosen.year, chosen.base_year_used) == (2012, False)
    table = chosen.availability.table
    missing = set(table.loc[~table["found"].astype(bool), "indicator"])
    assert {"firms_sales_over_100", "firms_sales_50_100"} <= missing


def test_the_financing_gap_of_2012_is_not_claimed_for_2013(edition2014):
    from evaluation.reports.memo_findings import financing_gap_failed

    mix = targets.financing_mix(edition2014).set_index("item")
    assert mix.loc["not_itemised", "value"] == pytest.approx(300 - 120 - 60)
    assert mix.loc["not_itemised", "fact_id"].startswith(f"{SOURCE}.2013.direct_financing")
    assert not financing_gap_failed(mix.reset_index(), run_audit(edition2014))


@pytest.mark.slow
def test_the_2014_edition_publishes_every_notebook_in_both_languages(project):
    with_small_draws(project.editions_dir / "2014.yaml")
    env = {**os.environ, "EVALUATION_ROOT": str(project.root), "MPLBACKEND": "Agg"}
    done = subprocess.run([CLI, "run", "--edition", "2014"], cwd=project.root, env=env,
                          capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    folder = project.reports_dir / "2014"
    for stem in ("00-audit", "01-outcomes-vs-targets", "02-financing-and-subsidies",
                 "03-firm-panel", "04-policy-memo"):
        for page in (f"{stem}.html", f"{stem}.en.html"):
            assert (folder / page).is_file(), page
    outcomes = (folder / "01-outcomes-vs-targets.html").read_text(encoding="utf-8")
    assert "2013年每个项目完成投资" in re.sub(r"<[^>]+>", "", outcomes)
