"""A news release and a progress report registered the README's way: the plan's final figures win.

The two real documents issue 23 describes, from the labelled corpus (``tests/fixtures/corpus/``,
addresses in its ``corpus.yaml``): a traditional-character news release of 2013-01-07 on 2012,
with readings such as 預(yù)計 left by a web copy, and the January-November 2011 progress of the
action with shares of the year's targets, are added to a copy of the project,
extracted, and every row extract does not flag is accepted as it stands (``suggested_fact_id``,
``suggested_kind``); every other number is ignored with a reason. ``evaluation check`` must then
choose the 2013 plan's final figures (registered with ``published: "2013"``, a year only) over the
release's (dated 2013-01-07), show the release's as preliminary or estimates, and give the
report's figures its months.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evaluation.data.vocabulary import COLUMNS

CLI = str(Path(sys.executable).parent / "evaluation")
FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
# id -> (file, doc_type, plan_year, published, language)
DOCUMENTS = {
    "release2012": ("release-2013-01-07.txt", "news_release", 2012, "2013-01-07", "zh-Hant"),
    "progress2011": ("progress-2012-01-07.txt", "progress_report", 2011, "2012-01-07",
                     "zh-Hant"),
}
DATES = """  - source: progress2011
    pattern: '1-11月'
    reason: the months a figure covers (January to November), not a figure
  - source: progress2011
    context: 11月底
    number: 11
    reason: the end of November (a date), not a figure
  - source: release2012
    pattern: '\\d+億元至\\d+億元的企業|1億元以上的企業'
    reason: a tier threshold (sales of 50亿元 to 100亿元, ...), not a figure
"""


def cli(root: Path, *args: str) -> str:
    env = {**os.environ, "EVALUATION_ROOT": str(root), "MPLBACKEND": "Agg"}
    done = subprocess.run([CLI, *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, f"evaluation {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def registered(tmp_path_factory, project_copy):
    """The project with both documents registered and extract's unflagged rows accepted."""
    root = project_copy(tmp_path_factory.mktemp("vintages") / "project")
    raw = root / "data" / "raw"
    accepted, ignored = [], []
    for sid, (name, doc_type, plan_year, published, language) in DOCUMENTS.items():
        data = (FIXTURES / name).read_bytes()
        (raw / name).write_bytes(data)
        with open(root / "data" / "sources.yaml", "a", encoding="utf-8") as registry:
            registry.write(
                f"  - id: {sid}\n    title_zh: 测试 {sid}\n    title_en: Test {sid}\n"
                f"    issuer: test\n    plan_year: {plan_year}\n    doc_type: {doc_type}\n"
                f"    published: \"{published}\"\n    language: {language}\n    file: {name}\n"
                f"    original_file_name: {name}\n"
                f"    sha256: {hashlib.sha256(data).hexdigest()}\n")
        cli(root, "extract", f"data/raw/{name}", "--source-id", sid, "-o", f"{sid}.csv")
        rows = pd.read_csv(root / f"{sid}.csv", dtype=str, keep_default_na=False)
        keep = (rows["review"] == "") & (rows["curated"] == "False")
        taken = rows[keep].assign(fact_id=rows["suggested_fact_id"], kind=rows["suggested_kind"])
        accepted.append(taken)
        digits = rows[~keep & rows["value_text"].str.match(r"\d")]
        ignored += [f"  - source: {sid}\n    context: '{q}'\n    number: '{n}'\n"
                    "    reason: flagged by extract for review, not curated\n"
                    for q, n in sorted(set(zip(digits["quote"], digits["value_text"],
                                               strict=True)))]
        ignored.append(f"  - source: {sid}\n    pattern: '\\d{{4}}年'\n"
                       "    reason: a calendar year (date), not a figure\n")
    table = pd.concat(accepted)
    lines = io.StringIO()
    table[list(COLUMNS)].to_csv(lines, index=False, header=False, lineterminator="\n",
                                quoting=csv.QUOTE_MINIMAL)
    with open(root / "data" / "facts.csv", "a", encoding="utf-8") as handle:
        handle.write(lines.getvalue())
    with open(root / "data" / "ignored_numbers.yaml", "a", encoding="utf-8") as handle:
        handle.write("".join(ignored) + DATES)
    return {"root": root, "accepted": table, "check": cli(root, "check")}


def _stated(check: str, key: str) -> dict[str, str]:
    """The documents' statements of one vintages line of check: source -> its text."""
    line = next(x for x in check.splitlines() if x.strip().startswith(key + ":"))
    parts = line.split(":", 1)[1].split(" | ")
    return {part.split()[0]: part.strip() for part in parts}


@pytest.mark.parametrize(("key", "plan", "release"), [
    ("sales_revenue 2012 outcome", "1571.6", "1572"),
    ("firms_sales_50_100 2012 outcome", "7", "6"),
    ("projects 2012 outcome", "101", "100"),
    ("firms 2012 outcome", "100", "100"),
    ("project_investment 2012 outcome", "465", "465"),
])
def test_the_plans_final_figure_is_used_over_the_release(registered, key, plan, release):
    stated = _stated(registered["check"], key)
    assert stated["plan2013"].startswith(f"plan2013 (2013) {plan} ")
    assert "(actual, final," in stated["plan2013"] and stated["plan2013"].endswith("[used]")
    assert stated["release2012"].startswith(f"release2012 (2013-01-07) {release} ")
    assert "(actual, preliminary," in stated["release2012"]
    assert "[used]" not in stated["release2012"]


def test_release_figures_are_preliminary_and_yuji_clauses_estimates(registered):
    release = registered["accepted"].query("source_id == 'release2012'")
    assert set(release["status"]) <= {"preliminary", "estimate"}
    rows = pd.read_csv(registered["root"] / "release2012.csv", dtype=str, keep_default_na=False)
    # 預(yù)計 read through the reading: every figure of its sentence after it is an estimate
    estimates = rows[rows["sentence"].str.contains("預計", regex=False)]  # readings left out
    assert set(estimates["value_text"]) == {"830", "30", "44"}
    assert (estimates["status"] == "estimate").all()
    assert "warnings: 0" in registered["check"]


def test_the_progress_reports_figures_carry_its_months(registered):
    report = registered["accepted"].query("source_id == 'progress2011'").set_index("value_text")
    # its figures carry its months, but for the year's plan (计划新开工项目55项)
    assert set(report.drop(index="55")["period"]) == {"months:1-11"}
    assert report.loc["55", "period"] == "year"
    assert report.loc["1155", "indicator"] == "sales_revenue"
    assert report.loc["98.29", "indicator"] == "sales_revenue_target_share"
    assert report.loc["92.1", "indicator"] == "project_investment_target_share"
    assert report.loc["92.1", "kind"] == "actual"  # a share of the target: an outcome
    assert report.loc["176.5", "indicator"] == "project_investment_continuing"
    assert report.loc["111.3", "indicator"] == "project_investment_continuing_plan_share"


def test_nothing_flagged_is_accepted(registered):
    rows = pd.read_csv(registered["root"] / "release2012.csv", dtype=str, keep_default_na=False)
    flagged = rows[rows["review"] != ""].set_index("value_text")
    # 同比增长30%以上 of industrial investment is not the sales growth; the 一百 of a slogan,
    # the 1亿元以上 tier and the 5亿 fund of the technology projects are no curated figure
    for value in ("30", "一百", "42", "5"):
        assert value in flagged.index, value
    assert "does not name the action" in flagged.loc["30", "review"]
    assert "special_fund" not in set(registered["accepted"]["indicator"])
    report = pd.read_csv(registered["root"] / "progress2011.csv", dtype=str,
                         keep_default_na=False).set_index("value_text")
    assert "新增" in report.loc["131", "review"]  # expected new sales, not the sales level


def test_part_year_attainment_and_the_full_year_the_documents_imply(registered):
    from evaluation.analysis.attainment import attainment
    from evaluation.data.edition import edition_context
    from evaluation.project import Project
    from evaluation.reports.vintages import status_note

    context = edition_context(base_year=2011, target_years=[2012],
                              project=Project(registered["root"]))
    rows = attainment(context).query("indicator == 'sales_revenue' and year == 2011")
    by_period = rows.set_index("actual_period")
    implied_target = 1155 / 0.9829  # the January-November sales over the stated share
    part, full = by_period.loc["months:1-11"], by_period.loc["year"]
    assert part["attainment_pct"] == pytest.approx(100 * 1155 / implied_target)
    # the full year: 2012 sales over their growth (1571.6 / 1.256), against the same target
    assert full["attainment_pct"] == pytest.approx(100 * 1571.6 / 1.256 / implied_target)
    assert round(full["attainment_pct"], 1) == 106.5
    assert "outcome implied by later figures" in full["caveats"]
    assert status_note(part["actual_status"], "months:1-11", "zh") == "（1–11月）"
    assert status_note(part["actual_status"], "months:1-11", "en") == " (Jan–Nov)"
