"""evaluation.workflow.diff: figures changed, added, removed; each attributed to data, parameters, code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evaluation.errors import DataError
from evaluation.workflow.diff import attribute, compare_tables, diff_editions, key_columns

CLI = str(Path(sys.executable).parent / "evaluation")
INPUTS = {"data/facts.csv": ("data", "f1"), "data/model/parameters.yaml": ("data", "p1"),
          "notebooks/01-outcomes.ipynb": ("notebook", "n1"),
          "notebooks/02-model.ipynb": ("notebook", "m1"),
          "src/evaluation/targets.py": ("library", "t1")}


def manifest(edition: str, *, inputs: dict[str, tuple[str, str]] | None = None,
             base_year: int = 2012, packages: dict[str, str] | None = None) -> dict:
    inputs = {**INPUTS, **(inputs or {})}
    return {
        "edition": edition,
        "parameters": {"edition": edition, "base_year": base_year},
        "inputs": [{"path": p, "role": r, "sha256": h} for p, (r, h) in inputs.items()]
        + [{"path": f"data/editions/{edition}.yaml", "role": "edition", "sha256": edition}],
        "packages": packages or {"pandas": "3.1.1"},
        "notebooks": [
            {"name": "01-outcomes", "parameters": {"edition": edition, "base_year": base_year},
             "outputs": ["tables/outcomes.csv"]},
            {"name": "02-model", "parameters": {"edition": edition},
             "outputs": ["tables/model.csv"]},
        ],
    }


def publish(reports: Path, edition: str, tables: dict[str, pd.DataFrame], **kwargs) -> None:
    folder = reports / edition
    (folder / "tables").mkdir(parents=True)
    for name, table in tables.items():
        table.to_csv(folder / "tables" / f"{name}.csv", index=False, encoding="utf-8-sig")
    (folder / "manifest.json").write_text(json.dumps(manifest(edition, **kwargs)),
                                          encoding="utf-8")


OUTCOMES_A = pd.DataFrame({"indicator": ["projects", "project_investment", "sales_revenue"],
                           "name_en": ["Projects", "Investment", "Sales"],
                           "target_year": [2013, 2013, 2013],
                           "base_value": [101.0, 465.0, 1571.6],
                           "target_value": [104.0, 472.8, 1800.0]})
OUTCOMES_B = pd.DataFrame({"indicator": ["projects", "project_investment", "firms"],
                           "name_en": ["Projects", "Investment", "Firms"],
                           "target_year": [2013, 2013, 2013],
                           "base_value": [101.0, 468.0, 100.0],
                           "target_value": [104.0, 472.8, 100.0]})


def test_changed_added_and_removed_figures():
    figures, unchanged = compare_tables(OUTCOMES_A, OUTCOMES_B)
    rows = {(r.key, r.column): r for r in figures.itertuples()}
    changed = rows[("indicator=project_investment", "base_value")]
    assert (changed.status, changed.old, changed.new, changed.difference) == (
        "changed", 465.0, 468.0, 468.0 - 465.0)
    assert rows[("indicator=firms", "base_value")].status == "added"
    assert rows[("indicator=firms", "target_value")].new == 100.0
    removed = rows[("indicator=sales_revenue", "target_value")]
    assert (removed.status, removed.old) == ("removed", 1800.0) and pd.isna(removed.new)
    # 1 changed + 2 added + 2 removed; equal: projects' two values, investment's target
    assert len(figures) == 5 and unchanged == 3


def test_key_skips_labels_that_tell_no_rows_apart():
    two_years = pd.DataFrame({"indicator": ["a", "a", "b"], "name_en": ["A", "A", "B"],
                              "base_year": [2012, 2012, 2012], "target_year": [2013, 2015, 2013],
                              "quote": ["x", "y", "z"], "value": [1.0, 2.0, 3.0]})
    assert key_columns(two_years, two_years) == ["indicator", "target_year"]


def test_float_noise_and_infinity_are_not_changes():
    old = pd.DataFrame({"check": ["a", "b"], "high": [0.1 + 0.2, float("inf")]})
    new = pd.DataFrame({"check": ["a", "b"], "high": [0.3, float("inf")]})
    figures, unchanged = compare_tables(old, new)
    assert figures.empty and unchanged == 2


def test_repeated_keys_are_matched_in_order():
    old = pd.DataFrame({"label": ["x", "x"], "value": [1.0, 2.0]})
    new = pd.DataFrame({"label": ["x", "x"], "value": [1.0, 5.0]})
    figures, _ = compare_tables(old, new)
    assert figures[["key", "old", "new"]].values.tolist() == [["label=x; #=2", 2.0, 5.0]]


@pytest.mark.parametrize("change, expected", [
    ({"inputs": {"data/facts.csv": ("data", "f2")}}, ("data",)),
    ({"inputs": {"data/model/parameters.yaml": ("data", "p2")}}, ("parameters",)),
    ({"base_year": 2013}, ("parameters",)),
    ({"inputs": {"src/evaluation/targets.py": ("library", "t2")}}, ("code",)),
    ({"inputs": {"notebooks/01-outcomes.ipynb": ("notebook", "n2")}}, ("code",)),
    ({"packages": {"pandas": "3.2.0"}}, ("code",)),
    ({}, ()),
])
def test_attribution(change, expected):
    a, b = manifest("x"), manifest("x", **change)
    found = attribute(a, b, notebooks=["01-outcomes", "01-outcomes"])
    assert tuple(c for c in ("data", "parameters", "code") if getattr(found, c)) == expected


def test_attribution_per_notebook():
    a = manifest("x")
    b = manifest("x", base_year=2013,
                 inputs={"notebooks/01-outcomes.ipynb": ("notebook", "n2")})
    # 02-model is given neither base_year nor the changed notebook 01
    assert attribute(a, b, notebooks=["02-model", "02-model"]).causes() == "none recorded"
    assert attribute(a, b, notebooks=["01-outcomes", "01-outcomes"]).causes() == \
        "parameters, code"
    assert attribute(a, b).parameters == ("base_year: 2012 -> 2013",)


def test_diff_editions_reads_published_tables_and_attributes(tmp_path):
    reports = tmp_path / "reports"
    model = pd.DataFrame({"quantity": ["share"], "mean": [0.18]})
    publish(reports, "2013", {"outcomes": OUTCOMES_A, "model": model})
    publish(reports, "2014", {"outcomes": OUTCOMES_B, "model": model},
            inputs={"data/facts.csv": ("data", "f2")}, base_year=2013)
    result = diff_editions("2013", "2014", reports_dir=reports)
    assert set(result.figures["table"]) == {"outcomes"}
    assert set(result.figures["causes"]) == {"data, parameters"}  # base_year goes to 01 only
    assert result.overall.data == ("data/facts.csv (modified)",)
    assert "base_year: 2012 -> 2013" in result.overall.parameters
    text = "\n".join(result.lines())
    assert "figures: 1 changed, 2 added, 2 removed, 4 unchanged" in text  # model: 1 equal


def test_unpublished_edition_is_a_clear_error(tmp_path):
    reports = tmp_path / "reports"
    publish(reports, "2013", {"outcomes": OUTCOMES_A})
    with pytest.raises(DataError) as err:
        diff_editions("2013", "2099", reports_dir=reports)
    assert "2099/manifest.json" in str(err.value) and "['2013']" in str(err.value)


def test_cli_diff_prints_table_and_writes_csv(tmp_path):
    reports = tmp_path / "reports"
    publish(reports, "2013", {"outcomes": OUTCOMES_A})
    publish(reports, "2014", {"outcomes": OUTCOMES_B})
    (tmp_path / "data").mkdir()
    env = {"EVALUATION_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([CLI, "diff", "2013", "2014", "--csv", str(tmp_path / "d.csv")],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "indicator=project_investment" in done.stdout and "465" in done.stdout
    assert len(pd.read_csv(tmp_path / "d.csv")) == 5
    missing = subprocess.run([CLI, "diff", "2013", "2015"], capture_output=True, text=True,
                             env=env, timeout=60, check=False)
    assert missing.returncode == 2 and missing.stderr.startswith("error: ")
    assert "Traceback" not in missing.stderr


def test_a_changed_source_is_reported_even_within_the_written_precision(tmp_path):
    # the release's 1572 replaced the plan's 1571.6: 0.4 apart, within no interval of either
    # value, yet the same row now rests on another document
    reports = tmp_path / "reports"
    old = pd.DataFrame({"indicator": ["sales_revenue", "projects"], "target_year": [2013, 2013],
                        "base_value": [1571.6, 101.0],
                        "base_fact_id": ["plan2013.2012.sales_revenue", "plan2013.2012.projects"]})
    new = old.assign(base_fact_id=["news2013.2012.sales_revenue", "plan2013.2012.projects"])
    publish(reports, "2013", {"outcomes": old})
    publish(reports, "2014", {"outcomes": new})
    result = diff_editions("2013", "2014", reports_dir=reports)
    assert result.figures.empty  # no value changed
    assert result.choices[["key", "column", "old", "new"]].values.tolist() == [
        ["indicator=sales_revenue", "base_fact_id", "plan2013.2012.sales_revenue",
         "news2013.2012.sales_revenue"]]
    text = "\n".join(result.lines())
    assert "sources: 1 changed choices of the figure used" in text
    assert "plan2013.2012.sales_revenue -> news2013.2012.sales_revenue" in text
