"""The README's "Rerunning next year" walk-through, end to end, in a copy of the project.

Add a document, register it, extract its figures, curate them, check, scaffold the next
edition, run it and diff it against the previous one: each step through the ``evaluation``
command, as a user types it. Edition 2013 is a copy of the shared published edition; only
notebooks 00 and 01 of edition 2014 are run (fast); the real ``reports/`` is never touched
(``EVALUATION_ROOT`` points at the copy).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evaluation import project as evaluation_project
from evaluation.cache import CACHE_FOLDER
from evaluation.data.vocabulary import COLUMNS

CLI = str(Path(sys.executable).parent / "evaluation")
DOCUMENT = "2014-plan_test-implementation-plan.txt"
# A small 2014 plan: 2013 outcomes (full-width digits and point, a 约 "about" qualifier), a
# revised 2012 figure (a second vintage of plan2013's 近7000 hires), 2014 targets, and a date.
TEXT = """2014年工业“双百”行动实施方案

一、2013年工作回顾
2013年列入工业“双百”行动的项目共１０４项，累计完成投资约４８０．５亿元。全年完成直接融资３２０亿元，其中企业债４５亿元，中期票据８０亿元。经核实，2012年共引进和聘用生产和技术人员７２００名。

二、2014年主要目标
2014年确定工业“双百”项目１００项，年内计划投资５００亿元，争取在３月底前下达第一批专项资金。
"""
SOURCE_ENTRY = """  - id: plan2014
    title_zh: 2014年工业“双百”行动实施方案（测试）
    title_en: Implementation plan of the 2014 industrial "Double Hundred" action (test document)
    issuer: test
    plan_year: 2014
    language: zh-Hans
    file: {file}
    original_file_name: {file}
    sha256: {sha256}
"""
# The curator's decisions: written figure -> (fact_id, year, kind, indicator).
CURATION = {
    "１０４": ("plan2014.2013.projects", 2013, "actual", "projects"),
    "４８０．５": ("plan2014.2013.project_investment", 2013, "actual", "project_investment"),
    "３２０": ("plan2014.2013.direct_financing", 2013, "actual", "direct_financing"),
    "４５": ("plan2014.2013.direct_financing_enterprise_bonds", 2013, "actual",
            "direct_financing_enterprise_bonds"),
    "８０": ("plan2014.2013.direct_financing_medium_notes", 2013, "actual",
            "direct_financing_medium_notes"),
    "７２００": ("plan2014.2012.hires", 2012, "actual", "hires"),
    "１００": ("plan2014.2014.projects", 2014, "target", "projects"),
    "５００": ("plan2014.2014.project_investment", 2014, "plan", "project_investment"),
}
IGNORED = """  - source: plan2014
    pattern: '\\d{4}年'
    reason: a calendar year (date), not a figure
  - source: plan2014
    context: 争取在３月底前下达第一批专项资金
    number: 3
    reason: a date (end of March), not a figure
"""


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "EVALUATION_ROOT": str(root), "MPLBACKEND": "Agg"}
    done = subprocess.run([CLI, *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, f"evaluation {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def project(tmp_path_factory, published_edition):
    """A copy of the shared published project: data/, notebooks/ and edition 2013 published
    (every notebook, small draws), as a user has it before next year's document arrives."""
    root = tmp_path_factory.mktemp("yearly") / "project"
    shutil.copytree(published_edition.root, root,
                    ignore=shutil.ignore_patterns(CACHE_FOLDER, ".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="module")
def walked(project):
    """Every step of the walk-through, in order; returns the outputs of check and diff."""
    root = project
    # 1. add the document and register it with its checksum
    document = root / "data" / "raw" / DOCUMENT
    document.write_text(TEXT, encoding="utf-8")
    digest = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    with open(root / "data" / "sources.yaml", "a", encoding="utf-8") as handle:
        handle.write(SOURCE_ENTRY.format(file=DOCUMENT, sha256=digest))
    # 2. extract
    cli(root, "extract", f"data/raw/{DOCUMENT}", "--source-id", "plan2014", "-o",
        "candidates.csv")
    candidates = pd.read_csv(root / "candidates.csv", dtype={"value_text": str})
    # 3. curate: keep the curator's rows, fill in fact_id, kind, indicator; ignore the rest
    kept = candidates[candidates["value_text"].isin(CURATION)].copy()
    decided = kept["value_text"].map(CURATION)
    kept["fact_id"], kept["year"], kept["kind"], kept["indicator"] = (decided.str[i]
                                                                      for i in range(4))
    rows = io.StringIO()
    kept[list(COLUMNS)].to_csv(rows, index=False, header=False, lineterminator="\n",
                               quoting=csv.QUOTE_MINIMAL)
    facts_file = root / "data" / "facts.csv"
    text = facts_file.read_text(encoding="utf-8")
    facts_file.write_text(text + ("" if text.endswith("\n") else "\n") + rows.getvalue(),
                          encoding="utf-8")
    with open(root / "data" / "ignored_numbers.yaml", "a", encoding="utf-8") as handle:
        handle.write(IGNORED)
    check = cli(root, "check").stdout
    # 4. the next edition: scaffold, review (the new base and target years), run
    cli(root, "new-edition", "2014", "--from", "2013")
    edition = root / "data" / "editions" / "2014.yaml"
    reviewed = (edition.read_text(encoding="utf-8")
                .replace("base_year: 2012", "base_year: 2013")
                .replace("target_years: [2013, 2015]", "target_years: [2014, 2015]"))
    edition.write_text(reviewed, encoding="utf-8")
    cli(root, "run", "--edition", "2014", "--only", "00", "--only", "01")
    # 5. diff
    diff = cli(root, "diff", "2013", "2014", "--csv", "diff.csv").stdout
    return {"candidates": candidates, "check": check, "diff": diff,
            "figures": pd.read_csv(root / "diff.csv")}


def test_extract_reads_full_width_digits_units_and_qualifiers(walked):
    table = walked["candidates"].set_index("value_text")
    assert set(CURATION) <= set(table.index)
    assert table.loc["４８０．５", "value"] == 480.5
    assert table.loc["４８０．５", "unit"] == "yi_yuan"
    assert table.loc["４８０．５", "qualifier"] == "about"
    assert table.loc["１０４", "unit"] == "count" and table.loc["１０４", "year"] == 2013
    assert table.loc["７２００", "value"] == 7200 and table.loc["７２００", "year"] == 2012
    # nothing of plan2014 is curated yet; 100项 has the value, unit and cue of plan2015's 2015
    # target (确定“双百”项目100项) but is written for 2014: not the same figure, no match
    assert pd.isna(table.loc["１００", "match"]) and table.loc["１００", "year"] == 2014
    assert table.loc["１００", "indicator"] == "projects"
    assert not table.loc[list(CURATION), "curated"].any()


def test_check_passes_and_reports_the_second_vintage(walked):
    out = walked["check"]
    # 8 curated figures; 6 calendar years (2014年 x3, 2013年 x2, 2012年) and the date ３月
    assert "plan2014: 15 numbers, 8 facts, 7 ignored with a reason, 0 uncovered" in out
    assert "vintages: 1 indicator-years stated by more than one document" in out
    # plan2013 writes 近7000 (just under 7000), plan2014 writes exactly 7200 (a count): the
    # smallest revision consistent with both is 7200 - 7000 = 200
    assert ("hires 2012 (actual): plan2013 7000 vs plan2014 7200 count, difference 200, "
            "smallest revision consistent with both texts 200") in out
    assert "plan2014 (2014) 7200 count (actual, final, exact) [used]" in out
    assert "resolution rule (evaluation.data.resolve)" in out


def test_new_edition_copies_the_file_with_its_comments(project, walked):
    text = (project / "data" / "editions" / "2014.yaml").read_text(encoding="utf-8")
    original = (project / "data" / "editions" / "2013.yaml").read_text(encoding="utf-8")
    assert 'edition: "2014"  # this edition\'s name' in text
    assert "seed: 20130101  # random seed" in text  # other values and comments kept
    assert text.count("\n") == original.count("\n") + 1  # plus the "scaffolded from" line


def test_new_edition_is_published_with_its_edition_files(project, walked):
    edition = project / "reports" / "2014"
    for name in ("00-audit.html", "01-outcomes-vs-targets.html", "tables/attainment.csv",
                 "tables.xlsx", "README.md", "manifest.json"):
        assert (edition / name).is_file(), name
    assert not (evaluation_project.current().reports_dir / "2014").exists()  # the real reports/ is untouched


def test_diff_names_the_changed_figures_and_their_causes(walked):
    out, figures = walked["diff"], walked["figures"]
    assert "edition 2013 -> 2014" in out
    assert "data changed: " in out and f"data/raw/{DOCUMENT} (added)" in out
    assert "data/facts.csv (modified)" in out and "data/sources.yaml (modified)" in out
    assert "parameters changed: " in out and "base_year: 2012 -> 2013" in out
    assert "code changed: no" in out
    attainment = figures[(figures["table"] == "attainment") & (figures["status"] == "added")
                         & (figures["column"] == "attainment_pct")]
    projects = attainment[attainment["key"] == "indicator=projects"]
    investment = attainment[attainment["key"] == "indicator=project_investment"]
    assert projects["new"].tolist() == [100.0]  # 104 of 104 projects: 100 * 104 / 104
    # about 480.5 against the 472.8 target: 100 * 480.5 / 472.8
    assert investment["new"].tolist() == [pytest.approx(100 * 480.5 / 472.8)]
    assert set(attainment["causes"]) == {"data, parameters"}
    # the 2012-based comparisons of edition 2013 are gone, the 2013-based ones are new
    comparisons = figures[(figures["table"] == "outcomes_vs_targets")
                          & (figures["column"] == "change_pct")].set_index("key")
    assert comparisons.loc["indicator=projects; target_year=2013", "status"] == "removed"
    added = comparisons.loc["indicator=projects; target_year=2014"]
    assert added["status"] == "added"
    assert added["new"] == pytest.approx(100 * (100 / 104 - 1))  # 104 projects -> 100
    # the 2015 investment plan now compared with 2013's 480.5 instead of 2012's 465
    changed = comparisons.loc["indicator=project_investment; target_year=2015"]
    assert changed["status"] == "changed"
    assert changed["old"] == pytest.approx(100 * (246.53 / 465 - 1))
    assert changed["new"] == pytest.approx(100 * (246.53 / 480.5 - 1))
    assert changed["difference"] == pytest.approx(100 * (246.53 / 480.5 - 246.53 / 465))
    assert changed["causes"] == "data, parameters"
    assert "indicator=project_investment; target_year=2015" in out  # in the printed table
