"""End to end with documents of a real year: register, extract, curate, check, publish.

Three made-up documents (``tests/e2e_documents.py``): a January-November progress report with
shares of targets, a preliminary news release in traditional characters (an estimate, a 至
range, a tier threshold) and the next year's plan with the year's final outcomes. They are added
to a copy of the project as the README's "Rerunning next year" says, then editions with base
years 2011, 2012 and 2013 are published through all five notebooks (small draws), and a base year
with no outcome is refused before any notebook runs. Attainment, the vintage choice and the
derived targets are checked against values computed by hand here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from e2e_documents import CHECKS, DOCUMENTS, FACTS, IGNORED, IGNORED_EXTRA  # noqa: E402

# Fifteen notebook runs (about 2 minutes on an idle 2-core machine, 7 under load): run by
# `make test-all`, not `make test`.
pytestmark = pytest.mark.slow
CLI = str(Path(sys.executable).parent / "evaluation")
NOTEBOOKS = ("00-audit", "01-outcomes-vs-targets", "02-financing-and-subsidies",
             "03-firm-panel", "04-policy-memo")
SMALL = "draws: 2000\ntier_draws: 500\nrecovery_panels: 2\nsobol_n: 64\n"
EDITIONS = {"e2011": (2011, [2013, 2015]), "e2012": (2012, [2013, 2015]),
            "e2013": (2013, [2014, 2015])}


def cli(root: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "EVALUATION_ROOT": str(root), "MPLBACKEND": "Agg"}
    done = subprocess.run([CLI, *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    if ok:
        assert done.returncode == 0, f"evaluation {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


def _register(root: Path) -> None:
    """Add the documents, register them, append the curated facts and the ignored numbers."""
    with open(root / "data" / "sources.yaml", "a", encoding="utf-8") as registry:
        for sid, (name, text, doc_type, published, language) in DOCUMENTS.items():
            (root / "data" / "raw" / name).write_text(text, encoding="utf-8")
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            registry.write(
                f"  - id: {sid}\n    title_zh: 测试文件 {sid}\n    title_en: Test document {sid}\n"
                f"    issuer: test\n    plan_year: {published[:4]}\n    doc_type: {doc_type}\n"
                f"    published: \"{published}\"\n    language: {language}\n"
                f"    file: {name}\n    original_file_name: {name}\n    sha256: {digest}\n")
    header = (root / "data" / "facts.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    for fact in FACTS:
        record = dict(zip(("fact_id", "source_id", "year", "kind", "indicator", "value",
                           "value_high", "unit", "qualifier", "value_text", "quote", "period",
                           "status"), fact))
        writer.writerow([record.get(column, "") for column in header])
    with open(root / "data" / "facts.csv", "a", encoding="utf-8") as handle:
        handle.write(rows.getvalue())
    with open(root / "data" / "ignored_numbers.yaml", "a", encoding="utf-8") as handle:
        handle.write("".join(IGNORED.format(sid=sid) for sid in DOCUMENTS) + IGNORED_EXTRA)
    with open(root / "data" / "checks.yaml", "a", encoding="utf-8") as handle:
        handle.write(CHECKS)


@pytest.fixture(scope="module")
def project(tmp_path_factory, project_copy):
    """A copy of the project with the three documents curated and three editions published."""
    root = project_copy(tmp_path_factory.mktemp("e2e") / "project")
    extracted = {}
    for sid, (name, text, *_rest) in DOCUMENTS.items():
        (root / name).write_text(text, encoding="utf-8")
        cli(root, "extract", name, "-o", f"candidates-{sid}.csv")
        extracted[sid] = pd.read_csv(root / f"candidates-{sid}.csv",
                                     dtype={"value_text": str}, keep_default_na=False)
        (root / name).unlink()
    _register(root)
    check = cli(root, "check").stdout
    base = (root / "data" / "editions" / "2013.yaml").read_text(encoding="utf-8")
    runs = {}
    for name, (base_year, targets) in EDITIONS.items():
        text = (base.replace('edition: "2013"', f'edition: "{name}"')
                .replace("base_year: 2012", f"base_year: {base_year}")
                .replace("target_years: [2013, 2015]", f"target_years: {targets}"))
        (root / "data" / "editions" / f"{name}.yaml").write_text(
            "\n".join(line for line in text.splitlines()
                      if not line.startswith(("draws:", "tier_draws:", "sobol_n:")))
            + "\n" + SMALL, encoding="utf-8")
        cli(root, "run", "--edition", name, "--only", "00", "--only", "01")
        runs[name] = cli(root, "run", "--edition", name, ok=False)
    return {"root": root, "check": check, "extracted": extracted, "runs": runs}


def _table(project, edition: str, name: str) -> pd.DataFrame:
    return pd.read_csv(project["root"] / "reports" / edition / "tables" / f"{name}.csv",
                       keep_default_na=False, na_values=[""])


def _pages(folder: Path, stem: str) -> str:
    """Every language's page of a report, one after the other."""
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob(f"{stem}*.html")))


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_every_notebook_publishes_for_each_base_year(project, edition):
    run = project["runs"][edition]
    assert run.returncode == 0, run.stderr
    folder = project["root"] / "reports" / edition
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert json.dumps(manifest).count(f'"base_year": {EDITIONS[edition][0]}')
    for stem in NOTEBOOKS:
        assert (folder / f"{stem}.html").is_file(), stem


def test_vintage_choice_final_before_estimate_and_part_year(project):
    table = _table(project, "e2013", "outcomes_vs_targets").set_index(
        ["indicator", "target_year"])
    row = table.loc[("project_investment", 2014)]
    # plan2014's final 478.5 beats the news release's estimate 480 and the Jan-Nov 430.2
    assert row["base_fact_id"] == "plan2014.2013.project_investment"
    assert row["base_value"] == 478.5
    assert row["target_value"] == 520
    assert row["change_pct"] == pytest.approx(100 * (520 / 478.5 - 1))
    assert "vintages:" in project["check"] and "[used]" in project["check"]
    assert ("news2014 (2014-01-15) 480 yi_yuan (actual, estimate, exact) | plan2014 (2014-03-01) "
            "478.5 yi_yuan (actual, final, exact) [used]") in project["check"]


def test_derived_targets_from_shares_of_targets(project):
    implied = _table(project, "e2013", "implied_values").set_index("derived_id")
    invest = implied.loc["project_investment_target_implied_2013"]
    assert invest["value"] == pytest.approx(430.2 / 0.91)
    assert invest["low"] == pytest.approx(430.15 / 0.915)
    assert invest["high"] == pytest.approx(430.25 / 0.905)
    sales = implied.loc["sales_revenue_target_implied_2013"]
    assert sales["value"] == pytest.approx(1650 / 0.90)
    assert sales["low"] == pytest.approx(1649.5 / 0.905)
    assert sales["high"] == pytest.approx(1650.5 / 0.895)


def test_attainment_against_stated_and_implied_targets(project):
    table = _table(project, "e2013", "attainment").set_index(["indicator", "year"])
    invest = table.loc[("project_investment", 2013)]
    assert invest["attainment_pct"] == pytest.approx(100 * 478.5 / 472.8)
    assert invest["attainment_pct_low"] == pytest.approx(100 * 478.45 / 472.85)
    assert invest["actual_fact_id"] == "plan2014.2013.project_investment"
    assert invest["target_source"] == "stated target"
    sales = table.loc[("sales_revenue", 2013)]
    assert sales["attainment_pct"] == pytest.approx(100 * 1790.6 / (1650 / 0.90))
    assert sales["target_source"] == "implied by a stated share of the target"
    assert str(sales["met"]) == "False"
    tier = table.loc[("firms_sales_over_100", 2013)]
    assert tier["attainment_pct"] == pytest.approx(100 * 4 / 5)
    assert "preliminary" in tier["caveats"]


def test_audit_by_meaning_across_periods_and_against_a_derived_target(project):
    audit = _table(project, "e2013", "audit_results").set_index("check_id")
    share = audit.loc["investment_share_of_the_2013_target"]
    assert share["left_point"] == pytest.approx(100 * 430.2 / 472.8)  # 90.99% vs stated 91%
    assert share["right_point"] == 91 and share["status"] == "consistent"
    implied = audit.loc["implied_investment_target_2013"]
    assert implied["left_point"] == pytest.approx(430.2 / 0.91)  # 472.75 vs the stated 472.8
    assert implied["right_point"] == 472.8 and implied["status"] == "consistent"
    part = audit.loc["investment_2013_part_year_within_year"]
    assert (part["left_point"], part["right_point"]) == (430.2, 478.5)  # final, full year
    assert part["status"] == "consistent"
    sales = audit.loc["sales_2013_part_year_within_year"]
    assert (sales["left_point"], sales["right_point"]) == (1650, 1790.6)


def test_base_year_2011_publishes_what_the_documents_support(project):
    table = _table(project, "e2011", "outcomes_vs_targets").set_index(
        ["indicator", "target_year"])
    row = table.loc[("firms_sales_50_100", 2013)]
    assert row["base_value"] == 6  # 7 firms in 2012, one more than in 2011
    assert row["change_pct"] == pytest.approx(100 * (7 / 6 - 1))
    html = _pages(project["root"] / "reports" / "e2011", "01-outcomes-vs-targets")
    assert "cannot be computed" in html


@pytest.mark.parametrize("edition", ["e2011", "e2013"])
def test_the_model_says_what_it_cannot_compute_for_the_base_year(project, edition):
    """No special fund, loans or financing stated for 2011 (shipped plans) or 2013 (fixture)."""
    base_year = EDITIONS[edition][0]
    folder = project["root"] / "reports" / edition
    inputs = _table(project, edition, "model_inputs")
    missing = set(inputs.loc[~inputs["found"].astype(bool), "indicator"])
    assert {"special_fund", "loan_balance", "direct_financing"} <= missing
    found = set(inputs.loc[inputs["found"].astype(bool), "fact_id"])
    if base_year == 2013:  # stated in the fixture: investment (final plan figure), sales
        assert {"plan2014.2013.project_investment", "plan2014.2013.sales_revenue"} <= found
    assert not (folder / "tables" / "model_headline.csv").exists()
    for stem in ("02-financing-and-subsidies", "04-policy-memo"):
        html = _pages(folder, stem)
        assert f"What the documents support for {base_year}" in html, stem
        assert "The effects model cannot compute" in html and "效应模型无法计算" in html, stem
        assert "Special fund" in html or "special fund" in html, stem
    panel = _pages(folder, "03-firm-panel")
    assert f"It cannot be calibrated to {base_year}" in panel
    assert f"无法按本版本的基准年{base_year}年校准" in panel


def test_the_base_year_2012_runs_the_whole_model(project):
    folder = project["root"] / "reports" / "e2012"
    inputs = _table(project, "e2012", "model_inputs")
    assert inputs["found"].astype(bool).all()
    assert (folder / "tables" / "model_headline.csv").is_file()
    assert "The effects model cannot compute" not in _pages(folder, "02-financing-and-subsidies")
    panel = _pages(folder, "03-firm-panel")
    assert "calibrated to the published aggregates of 2012, the edition's base year" in panel


def test_a_base_year_without_outcomes_is_refused_before_any_notebook(project):
    root = project["root"]
    text = (root / "data" / "editions" / "e2013.yaml").read_text(encoding="utf-8")
    (root / "data" / "editions" / "e2010.yaml").write_text(
        text.replace('edition: "e2013"', 'edition: "e2010"').replace("base_year: 2013",
                                                                      "base_year: 2010"),
        encoding="utf-8")
    done = cli(root, "run", "--edition", "e2010", ok=False)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "base_year" in lines[0] and "2010" in lines[0]
    assert not (root / "reports" / "e2010").exists()


def test_extract_reads_the_new_documents(project):
    """Figures found, indicator guessed, period and status right, before any curation."""
    found = guessed = period_status = 0
    for fact in FACTS:
        table = project["extracted"][fact[1]]
        rows = table[table["value_text"] == fact[9]]
        if rows.empty:
            continue
        found += 1
        row = rows.iloc[0]
        guessed += row["indicator"] == fact[4]
        period_status += (row["period"], row["status"]) == (fact[11], fact[12])
    assert found == len(FACTS)
    assert period_status == len(FACTS)
    assert guessed >= len(FACTS) - 2
    news = project["extracted"]["news2014"]
    assert "100" not in set(news["value_text"])  # the tier threshold 超過100億元
    money = news[news["value_text"] == "500億元至550"].iloc[0]
    assert (float(money["value"]), float(money["value_high"])) == (500, 550)
