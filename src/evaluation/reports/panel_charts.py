"""Charts of the firm panel's estimates (notebook 03), in the house style."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evaluation.reports.figures import (
    PALETTE,
    bilingual,
    registry_label,
    use_house_style,
    worded,
)

if TYPE_CHECKING:  # for annotations only
    from matplotlib.figure import Figure

    from evaluation.panel.staggered import StaggeredResults


def event_paths_figure(paths: dict[str, StaggeredResults], *, title: str | None = None,
                       lang: str | None = None) -> Figure:
    """Event-time paths of several estimators side by side: thick bars the pointwise 95%
    interval, thin bars the uniform band. ``paths`` maps an estimator's name to a
    :class:`evaluation.panel.staggered.StaggeredResults`.

    With ``lang`` every label is the registry's in that language (estimators, outcome, the
    SYNTHETIC flag); without it, English with Chinese where a CJK font can draw it.
    """
    import matplotlib.pyplot as plt

    use_house_style()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.axhline(0, color=PALETTE[6], linewidth=1)
    ax.axvline(-0.5, color=PALETTE[6], linewidth=1, linestyle="--")
    width = 0.7 / max(len(paths), 1)
    synthetic = False
    for k, (name, result) in enumerate(paths.items()):
        path = result.path
        x = path["event_time"].astype(float).to_numpy() - 0.35 + width * (k + 0.5)
        colour = PALETTE[k % len(PALETTE)]
        ax.vlines(x, path["band_low"], path["band_high"], color=colour, linewidth=0.8)
        ax.vlines(x, path["ci_low"], path["ci_high"], color=colour, linewidth=2.5)
        shown = registry_label("estimators", name, lang) if lang else name
        ax.plot(x, path["estimate"], "o", color=colour, markersize=4, label=shown)
        synthetic = synthetic or result.synthetic
    first = next(iter(paths.values()), None)
    if lang is None:
        ax.set_xlabel(bilingual("Years relative to first treatment", "相对首次受惠的年份"))
        ax.set_ylabel(bilingual(f"Effect on {first.outcome}" if first else "Effect", None))
        ax.set_title((title or "Event-study paths with uniform 95% bands")
                     + (" [SYNTHETIC DATA]" if synthetic else ""))
    else:
        from evaluation.reports.labels import default_labels

        labels = default_labels()
        outcome = registry_label("quantities", first.outcome, lang) if first else ""
        unit = labels.entry("quantities", first.outcome).get("unit") if first else None
        unit_name = labels.unit(unit, lang) if unit else ""
        ax.set_xlabel(worded("Years relative to first treatment (dashed line: entry)",
                             "相对首次受惠的年份（虚线：列入名单）", lang))
        ax.set_ylabel(worded(f"Effect on {outcome.lower()}" + (f" ({unit_name})" if unit else ""),
                             f"对{outcome}的效应" + (f"（{unit_name}）" if unit else ""), lang))
        ax.set_title((title or worded(
            "Event-study paths: 95% intervals (thick) and uniform bands (thin)",
            "事件研究路径：95%置信区间（粗线）与一致置信带（细线）", lang))
                     + (worded(" [SYNTHETIC DATA]", "［模拟数据 SYNTHETIC］", lang) if synthetic
                        else ""), fontsize=10)
    if lang is None:
        ax.legend(fontsize=8, loc="upper left")
    else:  # below the axes: inside, the legend hid the first years' estimates
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
                  frameon=False)
    fig.tight_layout()
    return fig
