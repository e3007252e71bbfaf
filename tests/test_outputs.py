"""The one way notebooks write tables and figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from IPython import display as ipython_display

from evaluation.errors import ConfigError
from evaluation.reports.outputs import save_table, show_figure


def test_synthetic_table_is_labelled_in_name_and_column(tmp_path):
    path = save_table(pd.DataFrame({"x": [1]}), "panel_estimates", synthetic=True, out=tmp_path)
    assert path.name == "panel_estimates_synthetic.csv"
    table = pd.read_csv(path, encoding="utf-8-sig")
    assert list(table.columns) == ["data", "x"] and table["data"].tolist() == ["SYNTHETIC"]


@pytest.mark.parametrize("name", ["Has Space", "../escape", "", "UPPER"])
def test_output_names_are_checked(tmp_path, name):
    with pytest.raises(ConfigError, match="output name"):
        save_table(pd.DataFrame({"x": [1]}), name, out=tmp_path)


def test_show_figure_displays_exactly_the_published_png(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(ipython_display, "display", lambda obj: shown.append(obj))
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    assert show_figure(fig, "line", out=tmp_path) is None  # no stray output in the report
    path = tmp_path / "figures" / "line.png"
    assert shown[0].data == path.read_bytes()  # rendered once, the same bytes
    assert shown[0].width == 400  # on-screen size of a 4-inch figure at 100 dpi
    assert not plt.fignum_exists(fig.number)  # closed, so it is not rendered a second time
