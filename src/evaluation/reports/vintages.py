"""What readers see of vintages: a figure's status and period in words, and the table of
revisions and conflicts (report 00 and the memo's appendix), in each report language."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

import pandas as pd

from evaluation.data.sources import Source
from evaluation.reports.labels import HTML_LANG, LANGUAGES, Labels, default_labels
from evaluation.reports.tables import TABLE_CSS

_COLUMN_KEYS = ("indicator", "year", "period", "document", "doc_type", "published", "status",
                "value", "used", "why")
_WHOLE = {"year", "period", "published", "status", "value", "used"}
_CELL = "text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid #ddd;"
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_label(period: str, lang: str, labels: Labels | None = None) -> str:
    """A period in words: 全年 / full year, 1–11月 / Jan–Nov, 2011年1月以来 / since Jan 2011.

    Examples
    --------
    >>> period_label("months:1-11", "zh"), period_label("months:1-11", "en")
    ('1–11月', 'Jan–Nov')
    """
    labels = labels or default_labels()
    if period.startswith("months:"):
        first, last = (int(x) for x in period.removeprefix("months:").split("-"))
        return labels.get("periods", "months", lang).format(
            first=first, last=last, first_en=MONTHS_EN[first - 1], last_en=MONTHS_EN[last - 1])
    if period.startswith("since:"):
        year, month = (int(x) for x in period.removeprefix("since:").split("-"))
        return labels.get("periods", "since", lang).format(year=year, month=month,
                                                            month_en=MONTHS_EN[month - 1])
    return labels.get("periods", period, lang)


def status_note(status: str, period: str, lang: str, labels: Labels | None = None) -> str:
    """What a reader must know of a figure that is not a final full-year one, in brackets
    (（初步）, （预计，1–11月）, (preliminary), (estimate, Jan–Nov)); "" for a final full-year
    figure."""
    labels = labels or default_labels()
    parts = [labels.get("vintage_statuses", status, lang)] if status != "final" else []
    if period not in ("year", "lifetime"):
        parts.append(period_label(period, lang, labels))
    if not parts:
        return ""
    return f"（{'，'.join(parts)}）" if lang == "zh" else f" ({', '.join(parts)})"


def conflicts_frame(table: pd.DataFrame, sources: Mapping[str, Source], lang: str,
                    labels: Labels | None = None) -> pd.DataFrame:
    """:func:`evaluation.data.vintage_report.conflicts` as a reader reads it in ``lang``: every
    cell in words, headers from the ``conflicts`` labels."""
    labels = labels or default_labels()

    def value(row: pd.Series) -> str:
        number = _number(row["value"])
        if pd.notna(row["value_high"]):
            number += f"–{_number(row['value_high'])}"
        return number + labels.unit_symbol(str(row["unit"]), lang)

    def title(sid: str) -> str:
        source = sources[sid]
        return f"《{source.title_zh}》" if lang == "zh" else source.title_en

    columns = {
        "indicator": [labels.find("indicators", i, lang) or i for i in table["indicator"]],
        "year": [str(int(y)) for y in table["year"]],
        "period": [period_label(str(p), lang, labels) for p in table["period"]],
        "document": [title(str(s)) for s in table["source_id"]],
        "doc_type": [labels.get("doc_types", str(t), lang) for t in table["doc_type"]],
        "published": [str(p) for p in table["published"]],
        "status": [labels.get("vintage_statuses", str(s), lang) for s in table["status"]],
        "value": [value(row) for _, row in table.iterrows()],
        "used": [labels.text("answer_yes" if u else "answer_no", lang) for u in table["used"]],
        "why": [labels.get("resolution_steps", str(w), lang) for w in table["why"]],
    }
    return pd.DataFrame({labels.get("conflicts", key, lang): cells
                         for key, cells in columns.items()})


def conflicts_html(table: pd.DataFrame, sources: Mapping[str, Source], lang: str, *,
                   heading: str = "h2", labels: Labels | None = None) -> str:
    """One language's section: heading, what the table shows, the table (or a sentence saying
    no figure is stated twice)."""
    labels = labels or default_labels()
    out = [f"<{heading}>{escape(labels.get('conflicts', 'heading', lang))}</{heading}>"]
    if table.empty:
        out.append(f"<p>{escape(labels.get('conflicts', 'none', lang))}</p>")
        return f'<section class="vintage-conflicts">{"".join(out)}</section>'
    out.append(f"<p>{escape(labels.get('conflicts', 'intro', lang))}</p>")
    frame = conflicts_frame(table, sources, lang, labels)
    # words wrap between words in a column wide enough to read; figures and dates stay whole;
    # on a phone the table scrolls in its box
    styles = [_CELL + ("white-space:nowrap;" if key in _WHOLE else "min-width:7em;")
              for key in _COLUMN_KEYS]
    head = "".join(f'<th style="{style}">{escape(str(h))}</th>'
                   for h, style in zip(frame.columns, styles, strict=True))
    body = "".join("<tr>" + "".join(f'<td style="{style}">{escape(str(c))}</td>'
                                    for c, style in zip(row, styles, strict=True)) + "</tr>"
                   for row in frame.itertuples(index=False))
    out.append('<div class="table-wrap" style="overflow-x:auto;max-width:100%">'
               f'<table style="{TABLE_CSS}"><thead><tr>{head}</tr></thead><tbody>{body}'
               "</tbody></table></div>")
    return f'<section class="vintage-conflicts">{"".join(out)}</section>'


def conflicts_bilingual(table: pd.DataFrame, sources: Mapping[str, Source]) -> str:
    """:func:`conflicts_html` in every report language, each block marked with its language."""
    from evaluation.reports.i18n import LANG_ATTR

    labels = default_labels()
    return "".join(f'<div {LANG_ATTR}="{lang}" lang="{HTML_LANG[lang]}">'
                   + conflicts_html(table, sources, lang, labels=labels) + "</div>"
                   for lang in LANGUAGES)


def _number(x: float) -> str:
    return f"{x:,.10g}" if abs(x) < 1e15 else str(x)
