"""Where notebooks write tables and figures: one helper, files named by content."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation import project
from evaluation.errors import ConfigError, problem
from evaluation.project import OUTPUT_DIR_ENV

if TYPE_CHECKING:  # for annotations only: matplotlib is imported when a figure is shown, and
    # the pipeline reads this module's names without importing pandas
    import pandas as pd
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
    ``SYNTHETIC``. A text cell that a spreadsheet would read as a formula gets a leading
    apostrophe (:func:`evaluation.reports.cells.neutral_table`).
    """
    from evaluation.reports.cells import neutral_table

    name = _checked_name(name, synthetic)
    if synthetic and "data" not in df.columns:
        df = df.assign(data=SYNTHETIC_LABEL)[["data", *df.columns]]
    path = output_dir(out) / "tables" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    neutral_table(df).to_csv(path, index=False, encoding="utf-8-sig")  # no formula from data
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


def show_figures(make: Callable[[str], Figure], name: str, *, alt: Mapping[str, str],
                 synthetic: bool = False, out: str | Path | None = None) -> list[Path]:
    """Draw the figure once per report language, save each and display them as one output.

    ``make(lang)`` returns the figure labelled in ``lang``; the default language's file is
    ``figures/<name>.png``, the others ``figures/<name>.<lang>.png``. Each page shows its own
    language's image (responsive width, ``alt`` text saying what the figure shows).
    """
    import base64

    import matplotlib.pyplot as plt
    from IPython.display import HTML, display

    from evaluation.reports.i18n import LANG_ATTR
    from evaluation.reports.labels import HTML_LANG, LANGUAGES

    name = _checked_name(name, synthetic)
    folder = output_dir(out) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    paths, blocks = [], []
    for lang in LANGUAGES:
        fig = make(lang)
        path = folder / (f"{name}.png" if lang == LANGUAGES[0] else f"{name}.{lang}.png")
        fig.savefig(path, dpi=150, bbox_inches="tight", metadata={"Software": None})
        width = int(fig.get_figwidth() * 100)
        plt.close(fig)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        blocks.append(f'<figure {LANG_ATTR}="{lang}" lang="{HTML_LANG[lang]}" '
                      f'class="evaluation-figure" style="margin:0">'
                      f'<img src="data:image/png;base64,{data}" alt="{escape(alt[lang])}" '
                      f'width="{width}" style="max-width:100%;height:auto"></figure>')
        paths.append(path)
    display(HTML("".join(blocks)))
    return paths
