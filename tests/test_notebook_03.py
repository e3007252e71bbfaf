"""Notebook 03 (firm panel) runs with papermill: on the SYNTHETIC panel, on a user CSV, and
stops with a clear message on a malformed CSV."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
import pytest

from evaluation import project
from evaluation.panel.compare import TWFE
from evaluation.panel.designs import DESIGNS, simulate_design
from evaluation.panel.estimators import fit_twfe
from evaluation.panel.register import synthetic_register, write_register
from evaluation.panel.register_loader import load_register
from evaluation.panel.schema import load_panel, synthetic_panel_file

NOTEBOOK = project.current().notebooks_dir / "03-firm-panel.ipynb"
BAD_PANELS = Path(__file__).parent / "fixtures" / "bad_panels"
WARNING_TEXT = re.compile(r"\w*Warning\b|warnings\.warn|findfont|Traceback", re.IGNORECASE)


def execute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **parameters: object
            ) -> nbformat.NotebookNode:
    monkeypatch.setenv("EVALUATION_OUTPUT_DIR", str(tmp_path))
    out = tmp_path / "03-firm-panel.ipynb"
    pm.execute_notebook(str(NOTEBOOK), str(out),
                        parameters={"recovery_panels": 2, "workers": 1, **parameters},
                        kernel_name="python3", progress_bar=False, cwd=str(project.current().root))
    return nbformat.read(out, as_version=4)


def output_texts(nb: nbformat.NotebookNode) -> list[str]:
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output
            assert not (output["output_type"] == "stream" and output["name"] == "stderr"), output
            if output["output_type"] == "stream":
                texts.append(output["text"])
            for mime in ("text/html", "text/markdown", "text/plain"):
                texts.append(output.get("data", {}).get(mime, ""))
    return texts


def test_notebook_is_committed_clean_with_documented_parameters():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = tagged[0].source.splitlines()
    assert lines[0].startswith('edition: str = "2013"')
    names = [line.split(":")[0] for line in lines]
    assert {"panel_path", "outcome", "treatment", "cluster"} <= set(names)
    assert all(re.match(r"^\w+: \w+ = .+  # \S", line) for line in lines)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    inferred = pm.inspect_notebook(str(NOTEBOOK))  # what `papermill --help-notebook` shows
    assert list(inferred) == names
    assert all(p["help"] for p in inferred.values())


def test_runs_on_the_synthetic_panel(published_edition):
    """As the shared published edition ran it (two recovery panels per design, in the kernel)."""
    tmp_path = published_edition.folder
    nb = nbformat.read(tmp_path / NOTEBOOK.name, as_version=4)
    texts = output_texts(nb)
    joined = "\n".join(texts)
    assert not WARNING_TEXT.search(joined)
    assert "SYNTHETIC DATA" in joined
    assert "Every estimator fails here" in joined  # selection on a shock, said plainly
    estimates = pd.read_csv(tmp_path / "tables" / "panel_estimates_synthetic.csv",
                            encoding="utf-8-sig").set_index("estimator")
    assert (estimates["data"] == "SYNTHETIC").all()
    expected = fit_twfe(load_panel(synthetic_panel_file())).params["subsidy_received"]
    assert estimates.loc[TWFE, "estimate"] == pytest.approx(expected)
    robust = estimates[estimates["kind"] == "robust"]
    assert robust["estimate"].notna().all() and len(robust) == 5
    assert (tmp_path / "figures" / "panel_event_study_synthetic.png").stat().st_size > 10_000
    recovery = pd.read_csv(tmp_path / "tables" / "panel_recovery_synthetic.csv",
                           encoding="utf-8-sig")
    assert set(recovery["design"]) == set(DESIGNS)
    bounds = pd.read_csv(tmp_path / "tables" / "panel_sensitivity_synthetic.csv",
                         encoding="utf-8-sig")
    assert {"restriction", "m", "robust_low", "robust_high"} <= set(bounds.columns)
    assert set(bounds["restriction"]) == {"relative_magnitudes", "smoothness"}


def test_runs_end_to_end_on_a_filled_register_template(tmp_path, monkeypatch):
    """The template filled with SYNTHETIC rows: load, validate, build the panel, run."""
    register = write_register(synthetic_register(simulate_design("dynamic", seed=5)),
                              tmp_path / "register", workbook=True)
    nb = execute(tmp_path, monkeypatch, register_path=str(register), treatment="listed")
    joined = "\n".join(output_texts(nb))
    assert not WARNING_TEXT.search(joined)
    assert "SYNTHETIC DATA" in joined and "register_template.xlsx" in joined
    estimates = pd.read_csv(tmp_path / "tables" / "panel_estimates_synthetic.csv",
                            encoding="utf-8-sig").set_index("estimator")
    expected = fit_twfe(load_register(register), treatment="listed").params["listed"]
    assert estimates.loc[TWFE, "estimate"] == pytest.approx(expected)
    assert estimates["refused"].isna().all()


def test_runs_unchanged_on_a_user_csv(tmp_path, monkeypatch):
    user = pd.read_csv(synthetic_panel_file(), dtype=str)
    user = user.assign(synthetic="false", firm_id=user["firm_id"].str.replace("SYN", "FIRM"))
    user = user[user["year"] != "2015"].sample(frac=0.9, random_state=1)  # unbalanced
    path = tmp_path / "user_panel.csv"
    user.to_csv(path, index=False)
    nb = execute(tmp_path, monkeypatch, panel_path=str(path), treatment="loan_received",
                 outcome="log_sales", cluster="firm_id")
    joined = "\n".join(output_texts(nb))
    assert not WARNING_TEXT.search(joined)
    first_note = next(c.outputs[0]["data"]["text/html"] for c in nb.cells
                      if c.cell_type == "code" and c.get("outputs")
                      and "text/html" in c.outputs[0].get("data", {}))
    assert "SYNTHETIC" not in first_note and "user_panel.csv" in first_note
    estimates = pd.read_csv(tmp_path / "tables" / "panel_estimates.csv", encoding="utf-8-sig")
    assert "data" not in estimates.columns
    refused = estimates.set_index("estimator")["refused"].dropna()
    assert any("adoption='first_receipt'" in why for why in refused)  # loans switch off
    # the page words the refusal in each language, without the estimator's option names
    assert "后又停止" in joined and "firms stop after starting (Loan received)" in joined
    assert "first_receipt" not in joined
    assert estimates.set_index("estimator")["estimate"].notna()[TWFE]


def test_stops_with_a_clear_error_on_a_malformed_csv(tmp_path, monkeypatch):
    bad = BAD_PANELS / "sales_not_a_number.csv"
    with pytest.raises(pm.PapermillExecutionError) as info:
        execute(tmp_path, monkeypatch, panel_path=str(bad))
    assert info.value.ename == "DataError"
    assert info.value.evalue == (  # a file outside the project is named as given
        f"{bad}: row 3 (line 4), column sales: found 'abc'; expected a positive number in 亿元")
