"""Notebooks 00-audit and 01-outcomes-vs-targets execute on the real data, cleanly (as the
shared published edition ran them)."""

from __future__ import annotations

import nbformat
import pytest

NOTEBOOKS = {
    "00-audit.ipynb": {"tables": ["audit_results"], "figures": ["audit_results"],
                       "text": ["inconsistent", "consistent only within the qualifiers",
                                "-50亿元"]},
    "01-outcomes-vs-targets.ipynb": {
        "tables": ["outcomes_vs_targets", "implied_values", "firm_tiers", "financing_mix",
                   "attainment"],
        "figures": ["outcome_vs_target", "firm_tiers", "financing_mix"],
        "text": ["+1.7%", "not reported", "cannot be read as a fall in investment",
                 "-50亿元"]},
}


def _outputs(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_clean(name, published_edition):
    """The notebook as the shared published edition executed it (outputs kept in its .ipynb)."""
    folder = published_edition.folder
    outputs = _outputs(nbformat.read(folder / name, as_version=4))
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    texts = [o.get("text", "") for o in outputs] + [
        str(o.get("data", {}).get(kind, "")) for o in outputs
        for kind in ("text/plain", "text/markdown", "text/html")]
    assert not [t for t in texts if "Warning" in t or "Glyph" in t]
    for table in NOTEBOOKS[name]["tables"]:
        assert (folder / "tables" / f"{table}.csv").stat().st_size > 0
    for figure in NOTEBOOKS[name]["figures"]:
        assert (folder / "figures" / f"{figure}.png").stat().st_size > 0
    prose = "\n".join(texts)
    for expected in NOTEBOOKS[name]["text"]:
        assert expected in prose, expected
