"""One house style for every chart (seaborn on matplotlib), CJK-aware."""

from __future__ import annotations

from functools import cache

import matplotlib
import matplotlib.font_manager as fm
import seaborn as sns

CJK_FONT_CANDIDATES = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
    "Source Han Sans SC", "SimHei", "Microsoft YaHei",
)
PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#5b9bd5", "#a5a5a5"]


@cache
def cjk_font() -> str | None:
    """Name of an installed font that has Chinese glyphs, or None."""
    installed = {f.name for f in fm.fontManager.ttflist}
    return next((name for name in CJK_FONT_CANDIDATES if name in installed), None)


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
        "axes.titleweight": "bold",
        "axes.titlesize": 12,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })


def bilingual(name_en: str, name_zh: str | None = None) -> str:
    """A label: English with the Chinese name when a CJK font can draw it, else English only."""
    if name_zh and cjk_font():
        return f"{name_en} ({name_zh})"
    return name_en
