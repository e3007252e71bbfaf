"""Charts of the effects model (notebook 02), in the house style: each reads a results object
from :mod:`evaluation.model.simulate` or :mod:`evaluation.model.sensitivity`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

from evaluation.reports.figures import PALETTE, registry_label, worded

if TYPE_CHECKING:  # for annotations only
    from matplotlib.figure import Figure

    from evaluation.model.sensitivity import Sensitivity
    from evaluation.model.simulate import EffectsResults

FAN_COLUMNS = 3
"""Fan-chart panels per row: wider rows would shrink the text below legibility on a phone."""


def _title_lines(text: str, lang: str) -> str:
    """A panel title in lines: a bracketed qualifier on its own line, then wrapped by words
    (English) or characters (Chinese) without leaving a lone bracket."""
    import textwrap

    head, bracket, rest = text.partition("（" if lang == "zh" else " (")
    parts = [head] + ([bracket.strip() + rest] if bracket else [])
    width = 14 if lang == "zh" else 26
    return "\n".join(line for part in parts for line in textwrap.wrap(part, width))


def fan_chart(results: EffectsResults, *, scenarios: list[str] | None = None,
              lang: str = "en") -> Figure:
    """Fan charts of aggregate 双百 firm sales, one panel per scenario (at most
    :data:`FAN_COLUMNS` a row): median, 50% and 90% bands."""
    import matplotlib.pyplot as plt

    fan = results.fan()
    names = scenarios or list(dict.fromkeys(fan["scenario"]))
    ncols = min(FAN_COLUMNS, len(names))
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols + 1.0, 3.6 * nrows + 0.6),
                             sharey=True, squeeze=False)
    flat = list(axes.ravel())
    for ax, colour, name in zip(flat, PALETTE * 3, names, strict=False):
        part = fan[fan["scenario"] == name]
        ax.fill_between(part["year"], part["p5"], part["p95"], color=colour, alpha=0.15,
                        label=worded("90% interval", "90%区间", lang))
        ax.fill_between(part["year"], part["p25"], part["p75"], color=colour, alpha=0.35,
                        label=worded("50% interval", "50%区间", lang))
        ax.plot(part["year"], part["p50"], color=colour, marker="o",
                label=worded("median", "中位数", lang))
        ax.set_xticks(sorted(fan["year"].unique()))
        ax.set_title(_title_lines(registry_label("scenarios", name, lang), lang), fontsize=10)
        ax.set_xlabel(worded("Year", "年份", lang))
    for ax in flat[len(names):]:
        ax.set_visible(False)
    for row in axes:
        row[0].set_ylabel(worded("Sales of the key firms (100 m yuan)", "双百企业销售收入（亿元）",
                                 lang))
    axes[0][0].legend(fontsize=8, frameon=False, loc="upper left")
    fig.suptitle(worded("Projected sales by scenario", "各情景销售收入预测", lang),
                 fontweight=matplotlib.rcParams["axes.titleweight"])
    fig.tight_layout()
    return fig


def attribution_chart(results: EffectsResults, *, lang: str = "en") -> Figure:
    """Share of 2012 project investment attributable to each instrument, with 90% intervals."""
    import matplotlib.pyplot as plt

    from evaluation.model.simulate import INTERVAL_LEVEL

    table = results.attribution()
    fig, ax = plt.subplots(figsize=(7, 0.55 * len(table) + 1.2))
    y = range(len(table))[::-1]
    centre = 100 * table["share_p50"]
    err = [centre - 100 * table["share_p5"], 100 * table["share_p95"] - centre]
    colours = [PALETTE[1] if name == "total" else PALETTE[0] for name in table["instrument"]]
    ax.barh(list(y), centre, color=colours, alpha=0.8)
    ax.errorbar(centre, list(y), xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
    ax.set_yticks(list(y), [registry_label("instruments", i, lang) for i in table["instrument"]])
    ax.set_xlabel(worded(f"Share of project investment, % (median, {INTERVAL_LEVEL:.0%} interval)",
                         f"占项目投资比重，%（中位数，{INTERVAL_LEVEL:.0%}区间）", lang))
    ax.set_title(worded("Net additional investment attributable to each measure",
                        "各项措施带动的净新增投资", lang))
    fig.tight_layout()
    return fig


def tornado_chart(sensitivity: Sensitivity, *, top: int = 12, lang: str = "en") -> Figure:
    """Tornado: the headline quantity with each parameter at its p5 and p95, others central."""
    import matplotlib.pyplot as plt

    table = sensitivity.table.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(table) + 1.3))
    y = range(len(table))
    for column, colour, label in (
            ("at_p5", PALETTE[0],
             worded("parameter at its 5th percentile", "参数取第5百分位", lang)),
            ("at_p95", PALETTE[1],
             worded("parameter at its 95th percentile", "参数取第95百分位", lang))):
        ax.barh(list(y), table[column] - sensitivity.central, left=sensitivity.central,
                color=colour, alpha=0.8, label=label)
    ax.axvline(sensitivity.central, color="black", lw=1)
    ax.set_yticks(list(y), [registry_label("parameters", p, lang) for p in table["parameter"]])
    quantity = registry_label("quantities", sensitivity.quantity, lang)
    central = f"{sensitivity.central:.3g}"
    ax.set_xlabel(worded(f"{quantity} (centred on the Monte Carlo median {central})",
                         f"{quantity}（以蒙特卡洛中位数 {central} 为中心）", lang))
    ax.set_title(worded("Sensitivity: which parameters move the result most",
                        "敏感性分析：哪些参数对结果影响最大", lang))
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
