"""Tables for readers: headers in words with units, no index, precision by meaning, "—" for
missing values, long text wrapped; one HTML table per language through pandas' Styler.

A column is described by a :class:`Column`: the registry label of its header (``label``, a key
of the ``columns`` section), how its values read (``kind``) and, for ``kind="label"``, which
registry section turns its ids into words (checks, scenarios, instruments ...).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import pandas as pd

from evaluation.reports.labels import HTML_LANG, LANGUAGES, Labels, default_labels

KINDS = ("text", "caveats", "label", "yi_yuan", "percent", "share", "count", "year", "number",
         "bool", "indicator")
DECIMALS = {"yi_yuan": 2, "percent": 1, "share": 1, "count": 0, "year": 0, "number": 2}
TABLE_CSS = ("border-collapse:collapse;font-size:0.9rem;"
             "font-variant-numeric:tabular-nums;"
             # the page breaks long words anywhere; a table breaks between words only (Chinese
             # between characters) and scrolls in its box instead
             "overflow-wrap:normal;table-layout:auto;")


@dataclass(frozen=True)
class Column:
    """How one column reads: header label, kind of value, registry section for ids.

    ``header_section`` is the registry section of the header's label (default ``columns``, then
    indicator names); ``missing`` a key of the registry's ``text`` section saying why a value is
    missing (shown after "—"); without it a missing value reads 未报告 / —.
    """

    name: str
    kind: str = "text"
    label: str | None = None
    section: str | None = None
    unit: str | None = None
    decimals: int | None = None
    missing: str | None = None
    """Key of the registry's ``text`` section said for a missing value (default ``missing``:
    未报告 / —); e.g. ``not_applicable`` where a value cannot exist."""
    header_section: str | None = None
    """Registry section of the header's label (default ``columns``, then indicator names)."""


def _missing(lang: str) -> str:
    return "未报告" if lang == "zh" else "—"


def _cell(value: Any, col: Column, lang: str, labels: Labels) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return labels.text(col.missing, lang) if col.missing else _missing(lang)
    if col.kind == "label" and col.section:
        return labels.find(col.section, str(value), lang) or str(value)
    if col.kind == "indicator":
        return labels.find("indicators", str(value), lang) or str(value)
    if col.kind == "bool":
        return labels.text("answer_yes" if bool(value) else "answer_no", lang)
    if col.kind == "caveats":
        return caveats_in(str(value), lang)
    if col.kind in ("text",):
        return str(value)
    decimals = col.decimals if col.decimals is not None else DECIMALS.get(col.kind, 2)
    number = float(value) * (100 if col.kind == "share" else 1)
    if col.kind == "year":
        return f"{int(number)}"
    if col.kind == "number" and col.decimals is None and number.is_integer():
        decimals = 0  # a count among amounts (101, not 101.00)
    text = f"{number:,.{decimals}f}"
    return text.replace(",", "") if lang == "zh" else text  # 1571.60亿元: no separator


# The comparisons' caveats (evaluation.analysis.comparisons) in Chinese, clause by clause.
_CAVEATS_ZH = (
    (re.compile(r"^(\d{4}) figure is an? (\w+) figure \((\w+)\)$"),
     lambda m: f"{m[1]}年数据为{ {'estimate': '估计', 'preliminary': '初步'}.get(m[2], m[2])}数"),
    (re.compile(r"^(\d{4}) outcome is implied by later figures, not stated$"),
     lambda m: f"{m[1]}年实际数由以后的数据推算，文件未直接载明"),
    (re.compile(r"^(\d{4}) figure is a plan \(planned amount\), not an outcome target$"),
     lambda m: f"{m[1]}年数据为计划投资额，不是完成目标"),
    (re.compile(r"^(projects|firms) not stated for ([\d, ]+)$"),
     lambda m: f"{'、'.join(y.strip() + '年' for y in m[2].split(','))}未载明"
               f"{'项目' if m[1] == 'projects' else '企业'}数"),
    (re.compile(r"^different lists: (\d+) (projects|firms) \((\d{4})\) vs (\d+) \((\d{4})\)$"),
     lambda m: f"名单不同：{m[3]}年{m[1]}个，{m[5]}年{m[4]}个"),
)


def caveats_in(caveats: str, lang: str) -> str:
    """The caveats of a comparison in ``lang``: English as written; Chinese clause by clause
    (a clause no pattern knows stays as it is, so a new kind of caveat shows, untranslated)."""
    if lang != "zh" or not caveats:
        return caveats
    out = []
    for clause in caveats.split("; "):
        for pattern, words in _CAVEATS_ZH:
            found = pattern.match(clause)
            if found:
                out.append(words(found))
                break
        else:
            out.append(clause)
    return "；".join(out)


def header(col: Column, lang: str, labels: Labels) -> str:
    """The column's header in words, with its unit."""
    unit = col.unit or {"yi_yuan": "yi_yuan", "percent": "percent", "share": "percent",
                        "count": "count"}.get(col.kind)
    key = col.label or col.name
    label = ((labels.find(col.header_section, key, lang) if col.header_section else None)
             or labels.find("columns", key, lang) or labels.find("indicators", key, lang) or key)
    if not unit or unit == "count":
        return label
    name = labels.unit(unit, lang)
    return f"{label}（{name}）" if lang == "zh" else f"{label} ({name})"


def reader_frame(df: pd.DataFrame, columns: Sequence[Column], *, lang: str,
                 labels: Labels | None = None) -> pd.DataFrame:
    """``df`` as a reader sees it: chosen columns, worded headers, formatted values (strings)."""
    labels = labels or default_labels()
    out = pd.DataFrame({header(c, lang, labels): [_cell(v, c, lang, labels) for v in df[c.name]]
                        for c in columns})
    return out


def reader_table_html(df: pd.DataFrame, columns: Sequence[Column], *, lang: str,
                      caption: str | None = None, labels: Labels | None = None) -> str:
    """One language's table as HTML (Styler, no index), numbers right-aligned, text wrapped."""
    frame = reader_frame(df, columns, lang=lang, labels=labels)
    numeric = [header(c, lang, labels or default_labels()) for c in columns
               if c.kind in ("yi_yuan", "percent", "share", "count", "number")]
    styler = frame.style.hide(axis="index")
    styler = styler.set_table_styles([
        {"selector": "", "props": TABLE_CSS},
        {"selector": "th", "props": "text-align:left;vertical-align:bottom;padding:4px 8px;"
                                    "border-bottom:1px solid #999;white-space:normal;"
                                    "min-width:4.5em;overflow-wrap:normal;"},
        # no white-space or text-align here: "#T_x td" outranks a cell's own "#T_x_rowN_colM"
        # rule, so numbers would wrap mid-figure ("0.10" / "0") and sit left-aligned
        {"selector": "td", "props": "vertical-align:top;padding:3px 8px;"
                                    "border-bottom:1px solid #ddd;max-width:28em;"},
    ])
    text = [h for h in frame.columns if h not in numeric]
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right",
                                                          "white-space": "nowrap"})
    if text:
        # at least a few words a line: on a phone the table scrolls in its box instead
        # (words whole: the page's overflow-wrap:anywhere would split "Estimate" as "Estimat e")
        styler = styler.set_properties(subset=text, **{"text-align": "left",
                                                       "white-space": "normal",
                                                       "min-width": "8em",
                                                       "overflow-wrap": "normal"})
    if caption:
        styler = styler.set_caption(escape(caption))
    html = styler.to_html()
    return f'<div class="table-wrap" style="overflow-x:auto;max-width:100%">{html}</div>'


def bilingual_table(df: pd.DataFrame, columns: Sequence[Column], *,
                    caption: Mapping[str, str] | None = None) -> str:
    """The table in every report language, each block marked with its language."""
    from evaluation.reports.i18n import LANG_ATTR

    labels = default_labels()
    return "".join(
        f'<div {LANG_ATTR}="{lang}" lang="{HTML_LANG[lang]}">'
        + reader_table_html(df, columns, lang=lang, labels=labels,
                            caption=caption[lang] if caption else None) + "</div>"
        for lang in LANGUAGES)


def show_table(df: pd.DataFrame, columns: Sequence[Column], *,
               caption: Mapping[str, str] | None = None) -> None:
    """Display :func:`bilingual_table` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(bilingual_table(df, columns, caption=caption)))
