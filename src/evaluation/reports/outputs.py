"""Where notebooks write tables and figures: one helper, files named by content."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from evaluation import project
from evaluation.errors import ConfigError, problem
from evaluation.project import OUTPUT_DIR_ENV

if TYPE_CHECKING:  # for annotations only: matplotlib is imported when a figure is shown
    from matplotlib.figure import Figure

SYNTHETIC_LABEL = "SYNTHETIC"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def output_dir(override: str | Path | None = None) -> Path:
    """Return the folder a notebook writes into.

    The runner sets ``EVALUATION_OUTPUT_DIR`` to the edition's staging folder; a notebook run by
    hand (plain papermill or JupyterLab) writes to ``reports/_scratch`` unless ``override`` is
    given.
    """
    chosen = override or os.environ.get(OUTPUT_DIR_ENV)
    if not chosen:
        chosen = project.current().reports_dir / "_scratch"
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _checked_name(name: str, synthetic: bool) -> str:
    if not _NAME.match(name):
        raise ConfigError(problems=[problem("notebook", f"output name {name!r}", repr(name),
                                            "lower-case letters, digits, '-' or '_'")])
    if synthetic and SYNTHETIC_LABEL.lower() not in name:
        name = f"{name}_{SYNTHETIC_LABEL.lower()}"
    return name


def save_table(df: pd.DataFrame, name: str, *, synthetic: bool = False,
               out: str | Path | None = None) -> Path:
    """Write ``df`` to ``tables/<name>.csv`` (UTF-8 with BOM so Excel shows Chinese).

    Synthetic tables get ``_synthetic`` in the file name and a leading ``data`` column reading
    ``SYNTHETIC``.
    """
    name = _checked_name(name, synthetic)
    if synthetic and "data" not in df.columns:
        df = df.assign(data=SYNTHETIC_LABEL)[["data", *df.columns]]
    path = output_dir(out) / "tables" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def save_figure(fig: Figure, name: str, *, synthetic: bool = False,
                out: str | Path | None = None) -> Path:
    """Write a matplotlib figure to ``figures/<name>.png`` at 150 dpi.

    Synthetic figures get ``_synthetic`` in the file name; the caller labels the plot itself.
    """
    name = _checked_name(name, synthetic)
    path = output_dir(out) / "figures" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, bbox_inches="tight", metadata={"Software": None})
    return path


def show_figure(fig: Figure, name: str, *, synthetic: bool = False,
                out: str | Path | None = None) -> None:
    """Save ``fig`` with :func:`save_figure`, close it and display the saved PNG.

    The figure is rendered once: the report shows exactly the published ``figures/<name>.png``
    (at the on-screen size of the figure), not a second rendering of it. Returns nothing, so a
    call at the end of a cell adds no output of its own.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    path = save_figure(fig, name, synthetic=synthetic, out=out)
    width = int(fig.get_figwidth() * 100)
    plt.close(fig)
    display(Image(data=path.read_bytes(), format="png", width=width))
