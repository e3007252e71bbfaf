"""Charts of the evidence from official statistics (report 05), in the house style: the province
against its peers, against its synthetic control, and among the placebos."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from evaluation.reports.figures import PALETTE, registry_label, use_house_style, worded

if TYPE_CHECKING:  # for annotations only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from evaluation.evidence.study import EvidenceResults


def _province(name: str, lang: str) -> str:
    return registry_label("provinces", name, lang)


def _mark_start(ax: Axes, start: int, lang: str) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.axvline(start - 0.5, color=PALETTE[6], linewidth=1, linestyle="--")
    ax.annotate(worded("action starts", "双百行动开始", lang), (start - 0.5, 1), xytext=(3, -12),
                xycoords=("data", "axes fraction"), textcoords="offset points", fontsize=8,
                color=PALETTE[6])


def peers_figure(index: pd.DataFrame, *, province: str, base: int, start: int,
                 last_published: int, lang: str) -> Figure:
    """Real GFCF of the province and its peers as an index (``base`` = 100), one line each."""
    import matplotlib.pyplot as plt

    use_house_style()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    others = [c for c in index.columns if c not in (province, "peer_mean")]
    for k, name in enumerate(others):
        ax.plot(index.index, index[name], color=PALETTE[(k + 1) % 6], linewidth=1, alpha=0.8,
                label=_province(name, lang))
    ax.plot(index.index, index["peer_mean"], color=PALETTE[6], linewidth=2, linestyle=":",
            label=_province("peer_mean", lang))
    ax.plot(index.index, index[province], color=PALETTE[0], linewidth=2.8,
            label=_province(province, lang))
    _mark_start(ax, start, lang)
    ax.axvspan(last_published + 0.5, index.index.max() + 0.5, color=PALETTE[6], alpha=0.12)
    ax.set_xlabel(worded("Year (shaded: extended by investment growth, not published)",
                         "年份（阴影：按投资增速外推，非公布值）", lang))
    ax.set_ylabel(worded(f"Real gross fixed capital formation, {base} = 100",
                         f"实际固定资本形成总额（{base}年=100）", lang))
    ax.set_title(worded(f"Real capital formation: {_province(province, lang)} and western peers",
                        f"实际固定资本形成：{_province(province, lang)}与西部同类省区", lang))
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def gap_figure(results: EvidenceResults, *, lang: str) -> Figure:
    """The province's growth path against its synthetic control (top) and the gap (bottom)."""
    import matplotlib.pyplot as plt

    use_house_style()
    fit = results.fit
    path = fit.path
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    name = _province(results.province, lang)
    top.plot(path.index, path["actual"], color=PALETTE[0], linewidth=2.5, label=name)
    top.plot(path.index, path["synthetic"], color=PALETTE[1], linewidth=2, linestyle="--",
             label=worded(f"synthetic {name}", f"合成{name}", lang))
    top.set_ylabel(worded("Log real GFCF less pre-period mean (log points)",
                          "实际固定资本形成对数减事前均值（对数点）", lang))
    top.legend(fontsize=9)
    _mark_start(top, fit.start, lang)
    bottom.bar(path.index, path["gap"], color=[PALETTE[0] if y >= fit.start else PALETTE[6]
                                               for y in path.index])
    bottom.axhline(0, color=PALETTE[6], linewidth=1)
    bottom.axvline(fit.start - 0.5, color=PALETTE[6], linewidth=1, linestyle="--")
    bottom.xaxis.set_major_locator(top.xaxis.get_major_locator())
    bottom.set_ylabel(worded("Gap (log points)", "差距（对数点）", lang))
    bottom.set_xlabel(worded("Year", "年份", lang))
    top.set_title(worded(f"{name} against its synthetic control (real capital formation)",
                         f"{name}与合成对照（实际固定资本形成）", lang))
    fig.tight_layout()
    return fig


def placebo_figure(results: EvidenceResults, *, lang: str) -> Figure:
    """Every placebo's gap (grey) and the province's (bold), by year."""
    import matplotlib.pyplot as plt

    use_house_style()
    gaps = results.study.gaps
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for unit in gaps.columns:
        if unit != results.province:
            ax.plot(gaps.index, gaps[unit], color=PALETTE[6], linewidth=0.8, alpha=0.6)
    ax.plot(gaps.index, gaps[results.province], color=PALETTE[0], linewidth=2.8,
            label=_province(results.province, lang))
    ax.plot([], [], color=PALETTE[6], linewidth=0.8,
            label=worded("each other province as if treated (placebo)",
                         "其他各省区市假定为处理省份（安慰剂）", lang))
    ax.axhline(0, color=PALETTE[6], linewidth=1)
    _mark_start(ax, results.start, lang)
    ax.set_xlabel(worded("Year", "年份", lang))
    ax.set_ylabel(worded("Gap to synthetic control (log points)", "与合成对照的差距（对数点）",
                         lang))
    ax.set_title(worded(f"Placebo gaps: is {_province(results.province, lang)}'s gap unusual?",
                        f"安慰剂差距：{_province(results.province, lang)}的差距是否异常？",
                        lang))
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig
