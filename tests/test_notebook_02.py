"""Notebook 02 runs with a small number of draws, without errors or warnings (as the shared
published edition ran it), and refuses an unknown scenario."""

from __future__ import annotations

import json
import re

import nbformat
import papermill as pm
import pytest

from evaluation import project

NOTEBOOK = project.current().notebooks_dir / "02-financing-and-subsidies.ipynb"
WARNING_TEXT = re.compile(r"warning|glyph|traceback|error", re.IGNORECASE)


def test_notebook_is_committed_clean_with_one_documented_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = [line for line in tagged[0].source.splitlines() if line.strip()]
    names = [line.split(":")[0] for line in lines]
    assert names == ["edition", "scenarios", "draws", "tier_draws", "seed", "base_year",
                     "target_years", "sobol_n", "pins"]
    assert all(" # " in line for line in lines)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_notebook_executes_without_error_or_warning(published_edition):
    """As the shared published edition executed it (small draws; outputs kept in its .ipynb)."""
    tmp_path = published_edition.folder
    nb = nbformat.read(tmp_path / NOTEBOOK.name, as_version=4)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    used = next(n["parameters"] for n in manifest["notebooks"] if n["name"] == NOTEBOOK.stem)
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error"
            if output.output_type == "stream":
                texts.append(output.text)
                assert output.name != "stderr", output.text
            else:
                texts.append(output.get("data", {}).get("text/plain", ""))
    offending = [t for t in texts if WARNING_TEXT.search(t)]
    assert not offending, offending[:2]
    for name in ("model_attribution", "model_probabilities", "model_assumptions", "model_sobol",
                 "model_break_even", "model_value_for_money", "model_feasibility"):
        assert (tmp_path / "tables" / f"{name}.csv").exists()
    assert (tmp_path / "model_results.json").exists()
    for name in (f"model_attribution_{used['base_year']}", "model_fan_sales_credit",
                 "model_fan_sales_fiscal", "model_tornado_investment_share"):
        assert (tmp_path / "figures" / f"{name}.png").exists()
    prose = " ".join(o["data"].get("text/markdown", "") + o["data"].get("text/html", "")
                     for c in nb.cells for o in c.get("outputs", []) if "data" in o)
    assert (f"{used['draws']:,} Monte Carlo draws ({used['tier_draws']:,} of them for the firm "
            f"simulation), seed {used['seed']}") in prose
    assert " interval " in prose and "区间" in prose
    assert "Illustrative attribution under assumed additionality" in prose
    assert "在假定额外性下的示意性测算" in prose


@pytest.mark.parametrize("bad", [["baseline", "no_such_scenario"]])
def test_unknown_scenario_fails_with_clear_message(tmp_path, monkeypatch, bad):
    monkeypatch.setenv("EVALUATION_OUTPUT_DIR", str(tmp_path))
    with pytest.raises(pm.PapermillExecutionError, match="no_such_scenario"):
        pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "bad.ipynb"), kernel_name="python3",
                            progress_bar=False, parameters={"draws": 500, "scenarios": bad})
