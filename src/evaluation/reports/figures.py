"""One house style for every chart (seaborn on matplotlib), in Chinese or English, and the
charts of the documents' figures (outcomes against targets, firm tiers, financing, the audit).
The effects model's charts are in :mod:`evaluation.reports.model_charts`, the firm panel's in
:mod:`evaluation.reports.panel_charts`.

Every chart takes ``lang`` (``"zh"`` or ``"en"``) and labels itself from the bilingual registry
(:mod:`evaluation.reports.labels`). Chinese is drawn with Noto Sans CJK SC from the
``noto-cjk-sans-otc`` package, registered with matplotlib by :func:`use_house_style`, so no
system font is needed and no glyph is missing.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.font_manager as fm
import seaborn as sns

if TYPE_CHECKING:  # for annotations only: the figures import their modules lazily
    import pandas as pd
    from matplotlib.figure import Figure


CJK_FONT_CANDIDATES = (
    "Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans SC",
    "Source Han Sans SC", "SimHei", "Microsoft YaHei",
)
PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#5b9bd5", "#a5a5a5"]


@cache
def _register_packaged_font() -> None:
    """Add the packaged Noto Sans CJK collection to matplotlib's fonts (once per process).

    The one-weight static collection (``noto_cjk_sans_otc``): matplotlib draws a variable font
    (the PDF's) at its default instance, the thinnest weight.
    """
    try:
        from pathlib import Path

        import noto_cjk_sans_otc
        fonts = sorted(Path(str(noto_cjk_sans_otc.FONT_PATH)).parent.glob("*.tt[cf]"))
    except ImportError:  # the font package is not installed: fall back to system fonts
        return
    for path in fonts:
        fm.fontManager.addfont(str(path))


@cache
def cjk_font() -> str | None:
    """Name of a font with Chinese glyphs (the packaged Noto Sans CJK SC first), or None."""
    _register_packaged_font()
    installed = {f.name for f in fm.fontManager.ttflist}
    return next((name for name in CJK_FONT_CANDIDATES if name in installed), None)


def _has_bold(font: str | None) -> bool:
    """True when ``font`` (or the default DejaVu Sans when None) has a bold face installed."""
    name = font or "DejaVu Sans"
    return any(f.name == name and f.weight in ("bold", 700) for f in fm.fontManager.ttflist)


def use_house_style() -> None:
    """Apply the house style; Chinese labels are only used when a CJK font exists."""
    font = cjk_font()
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE)
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": families,
        "axes.unicode_minus": False,
        "figure.dpi": 100,
        # matplotlib logs "Failed to find font weight bold" for a CJK font without a bold face
        # (WenQuanYi Micro Hei) and draws it at weight 400 anyway: ask for what it can draw.
        "axes.titleweight": "bold" if _has_bold(font) else "normal",
        "axes.titlesize": 12,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })


def bilingual(name_en: str, name_zh: str | None = None, *, lang: str | None = None) -> str:
    """A label in ``lang`` (``"zh"``: the Chinese name; ``"en"``: the English one).

    Without ``lang``: English with the Chinese name when a CJK font can draw it.
    """
    if lang == "zh" and name_zh:
        return name_zh
    if lang is not None:
        return name_en
    if name_zh and cjk_font():
        return f"{name_en} ({name_zh})"
    return name_en


def worded(en: str, zh: str, lang: str) -> str:
    """``zh`` or ``en`` by ``lang`` (a chart's own words)."""
    return zh if lang == "zh" else en


def registry_label(section: str, key: str, lang: str) -> str:
    from evaluation.reports.labels import default_labels

    return default_labels().find(section, key, lang) or key


# --- outcomes vs targets and the audit (notebooks 00 and 01) -----------------------------------
KIND_COLOURS = {"actual": PALETTE[0], "target": PALETTE[1], "plan": PALETTE[2]}
STATUS_COLOURS = {"consistent": PALETTE[2], "consistent only within the qualifiers": PALETTE[4],
                  "inconsistent": PALETTE[1]}
UNKNOWN_HATCH = "///"


def outcome_target_figure(comparisons: pd.DataFrame, *, lang: str = "en") -> Figure:
    """One panel per indicator: the base-year outcome and each target or plan, as bars.

    ``comparisons`` is :func:`evaluation.analysis.comparisons.comparisons`. A target whose
    definition differs
    from the outcome's (``like_for_like`` False) is hatched. Returns the matplotlib Figure.
    """
    import textwrap

    import matplotlib.pyplot as plt
    import pandas as pd
    from matplotlib.patches import Patch

    use_house_style()
    indicators = list(dict.fromkeys(comparisons["indicator"]))
    ncols = min(4, len(indicators))
    nrows = -(-len(indicators) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 3.1 * nrows), squeeze=False)
    for ax, indicator in zip(axes.flat, indicators, strict=False):
        rows = comparisons[comparisons["indicator"] == indicator]
        first = rows.iloc[0]
        bars = pd.DataFrame(
            [{"year": str(first["base_year"]), "kind": "actual", "value": first["base_value"],
              "like": True}]
            + [{"year": str(r["target_year"]), "kind": r["target_kind"],
                "value": r["target_value"], "like": bool(r["like_for_like"])}
               for _, r in rows.iterrows()])
        sns.barplot(data=bars, x="year", y="value", hue="kind", palette=KIND_COLOURS, ax=ax,
                    dodge=False, legend=False)
        for patch, (_, bar) in zip(ax.patches, bars.iterrows(), strict=False):
            if not bar["like"]:
                patch.set_hatch(UNKNOWN_HATCH)
                patch.set_edgecolor("white")
            ax.annotate(f"{bar['value']:g}", (patch.get_x() + patch.get_width() / 2,
                                              patch.get_height()),
                        ha="center", va="bottom", fontsize=8)
        unit = registry_label("units", str(first["unit"]), lang)
        name = bilingual(first["name_en"], first["name_zh"], lang=lang)
        ax.set_title("\n".join(textwrap.wrap(name, 14 if lang == "zh" else 28)), fontsize=10)
        ax.set_xlabel("")
        ax.set_ylabel(unit, fontsize=9)
        ax.margins(y=0.15)
    for ax in list(axes.flat)[len(indicators):]:
        ax.set_visible(False)
    handles = [Patch(color=c, label=registry_label("kinds", k, lang))
               for k, c in KIND_COLOURS.items()]
    handles.append(Patch(facecolor=PALETTE[6], hatch=UNKNOWN_HATCH, edgecolor="white",
                         label=worded("definition differs from the outcome's (see table)",
                                      "口径与实际值不同（见表）", lang)))
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False, fontsize=9)
    base = int(comparisons["base_year"].min())
    fig.suptitle(worded(f"Outcome ({base}) vs targets and plans",
                        f"{base}年实际完成与目标、计划对比", lang))
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    return fig


def firm_tiers_figure(tiers: pd.DataFrame, *, lang: str = "en") -> Figure:
    """Firms per sales tier and year; a tier a document does not report is drawn as unknown.

    ``tiers`` is :func:`evaluation.analysis.comparisons.firm_tiers`. Unknown tiers appear as
    hatched,
    unfilled full-height placeholders labelled "not reported", never as zero bars.
    """
    import matplotlib.pyplot as plt
    from matplotlib.container import BarContainer
    from matplotlib.patches import Patch, Rectangle

    use_house_style()
    label = "tier_label" if lang == "zh" else "tier_label_en"
    order = list(dict.fromkeys(tiers[label]))
    years = sorted(tiers["year"].unique())
    data = tiers.assign(year=tiers["year"].astype(str), count=tiers["count"].astype(float))
    fig, ax = plt.subplots(figsize=(8, 4.2))
    sns.barplot(data=data.dropna(subset=["count"]), x=label, y="count", hue="year",
                order=order, hue_order=[str(y) for y in years], palette=PALETTE[:len(years)],
                ax=ax)
    top = float(data["count"].max()) * 1.15
    width = 0.8 / len(years)
    for _, row in data[data["count"].isna()].iterrows():
        x = order.index(row[label]) - 0.4 + years.index(int(row["year"])) * width
        ax.add_patch(Rectangle((x, 0), width, top * 0.9, fill=False, hatch=UNKNOWN_HATCH,
                               edgecolor=PALETTE[6], linewidth=0.8))
        ax.text(x + width / 2, top * 0.45,
                f"{row['year']}: " + worded("not reported", "未报告", lang), rotation=90,
                ha="center", va="center", fontsize=8, color="#404040")
    for container in ax.containers:
        if isinstance(container, BarContainer):
            ax.bar_label(container, fmt="%g", fontsize=8)
    ax.set_ylim(0, top)
    ax.set_xlabel(worded("Annual sales tier", "年销售收入档次", lang))
    ax.set_ylabel(worded("Number of firms", "企业户数", lang))
    ax.set_title(worded("Key firms by sales tier: outcome and targets",
                        "双百企业按销售收入档次：实际与目标", lang))
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(fill=False, hatch=UNKNOWN_HATCH, edgecolor=PALETTE[6]))
    labels.append(worded("not reported (unknown)", "未报告（未知）", lang))
    ax.legend(handles, labels, title=worded("year", "年份", lang), fontsize=9, title_fontsize=9)
    fig.tight_layout()
    return fig


def financing_mix_figure(mix: pd.DataFrame, *, lang: str = "en") -> Figure:
    """Horizontal bars of direct financing by instrument, with the unexplained part hatched.

    ``mix`` is :func:`evaluation.analysis.comparisons.financing_mix`.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    use_house_style()
    names = [bilingual(en, zh, lang=lang)
             for en, zh in zip(mix["name_en"], mix["name_zh"], strict=True)]
    data = mix.assign(name=names)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    colours = [PALETTE[6] if d else PALETTE[0] for d in data["derived"]]
    sns.barplot(data=data, y="name", x="value", hue="name", palette=colours, legend=False, ax=ax)
    for patch, derived in zip(ax.patches, data["derived"], strict=False):
        if derived:
            patch.set_hatch(UNKNOWN_HATCH)
            patch.set_edgecolor("white")
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    for patch, (_, row) in zip(bars, data.iterrows(), strict=False):
        ax.annotate(f"{row['value']:g} ({row['share_of_stated_total_pct']:.1f}%)",
                    (patch.get_width(), patch.get_y() + patch.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.margins(x=0.2)
    ax.set_xlabel(registry_label("units", "yi_yuan", lang))
    ax.set_ylabel("")
    ax.set_title(worded("Direct financing by instrument (share of the stated total)",
                        "直接融资按方式分列（占所述总额比重）", lang))
    fig.tight_layout()
    return fig


def audit_figure(results: pd.DataFrame, *, lang: str = "en") -> Figure:
    """Each audit check: its gap at the written values (% of the right side), coloured by status.

    ``results`` is :func:`evaluation.analysis.audit.run_audit`.
    """
    import matplotlib.pyplot as plt

    use_house_style()
    import textwrap

    names = ["\n".join(textwrap.wrap(registry_label("checks", c, lang),
                                   22 if lang == "zh" else 44))
             for c in results["check_id"]]
    statuses = {k: registry_label("statuses", k, lang) for k in STATUS_COLOURS}
    data = results.assign(gap_pct=results["gap_point_pct"].where(results["gap_point"] != 0, 0.0),
                          check=names, result=results["status"].map(statuses))
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(data) + 1.6))
    sns.scatterplot(data=data, x="gap_pct", y="check", hue="result",
                    palette={statuses[k]: c for k, c in STATUS_COLOURS.items()},
                    hue_order=list(statuses.values()), s=60, ax=ax)
    ax.axvline(0, color=PALETTE[6], linewidth=1)
    for _, row in data[data["status"] != "consistent"].iterrows():
        ax.annotate(f"{row['gap_point']:+.4g} ({row['gap_pct']:+.1f}%)",
                    (row["gap_pct"], row["check"]), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.margins(x=0.25)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel(worded("Gap at the written figures, % of the stated figure (0 = holds)",
                         "按原文数值计算的差额，占所述数值的百分比（0 = 一致）", lang))
    ax.set_ylabel("")
    ax.set_title(worded("Audit of the documents' arithmetic", "文件数据自洽性核查", lang))
    ax.legend(title=worded("Result", "结论", lang), fontsize=8, title_fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig
