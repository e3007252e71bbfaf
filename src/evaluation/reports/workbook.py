"""An edition's tables as one Excel workbook (``tables.xlsx``) for officials who work in Excel."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from evaluation.errors import DataError, problem
from evaluation.reports.cells import text_cells_as_strings
from evaluation.reports.labels import LANGUAGES, Labels, check_language
from evaluation.reports.outputs import SYNTHETIC_LABEL

WORKBOOK_NAME = "tables.xlsx"
CONTENTS_SHEET = "contents"
MAX_SHEET_NAME = 31
# Column-name endings that state a unit (a unit code of the labels registry), in this order.
SUFFIX_UNITS = (("_yi_yuan", "yi_yuan"), ("_wan_yuan", "wan_yuan"), ("_yuan", "yuan"),
                ("_pct", "percent"), ("_percent", "percent"), ("_pp", "percentage_points"),
                ("_kwh_per_t", "kwh_per_t"), ("_count", "count"), ("_seconds", "seconds"),
                ("_s", "seconds"))
# Endings of a bound or variant of a measured column (attainment_pct_low is in %).
_BOUND = re.compile(r"_(?:low|high|lower|upper|mid|central)$")
# A column <stem>_<statistic> without its own label reads "<stem> (<statistic>)".
_STATISTIC = re.compile(r"^(?P<stem>.+)_(?P<stat>mean|p5|p25|p50|p75|p95|low|high|conf)$")
# Columns that take the unit of a table's single-valued ``unit`` column.
VALUE_ENDINGS = ("value", "low", "high", "point", "mid", "abs")
MIN_WIDTH, MAX_WIDTH = 8, 60
TITLE_ROW, DESCRIPTION_ROW, HEADER_ROW = 1, 2, 3
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
NUMBER_FORMATS = {"yi_yuan": "#,##0.00", "wan_yuan": "#,##0.00", "yuan": "#,##0.00",
                  "percent": "0.0", "percentage_points": "0.0", "count": "#,##0",
                  "yuan_per_yuan": "0.00", "log_points": "0.000", "seconds": "0.0",
                  "kwh_per_t": "#,##0.0"}
# Columns holding ids a reader should see as words: column -> registry section. The sheet shows
# the label in each edition language ("基准情景… / Baseline …"); the CSV keeps the id.
WORDED_COLUMNS = {"indicator": "indicators", "tier": "indicators", "target": "indicators",
                  "estimator": "estimators", "design": "designs", "check_id": "checks",
                  "scenario": "scenarios", "instrument": "instruments",
                  "parameter": "parameters", "kind": "kinds", "target_kind": "kinds",
                  "status": "statuses", "verdict": "statuses", "quantity": "quantities",
                  "output": "quantities", "unit": "units", "gap_unit": "units"}
FLOAT_FORMAT = "#,##0.00"
FRACTION_FORMAT = "0.0%"
SMALL_FORMAT = "0.000"
"""Numbers all below 1 in size (p-values, shares as fractions): three decimals."""
INTEGER_FORMAT = "0"


def write_workbook(edition_dir: str | Path, *, languages: Sequence[str] = LANGUAGES) -> Path:
    """Write every ``tables/*.csv`` of an edition into ``<edition_dir>/tables.xlsx``.

    The first sheet, ``contents``, lists each table: its sheet, full title and one-line
    description (from the labels registry's ``tables`` section, in each of ``languages``), CSV
    file, size and ``SYNTHETIC`` where the table is synthetic; empty tables and tables identical
    to an earlier one get no sheet and say so. Each table's sheet shows its full title and
    description above the header; the header gives each column in words with its unit (one
    line per language), bold, frozen, with an auto-filter; numbers carry a format by unit;
    ids of the registry in the columns of :data:`WORDED_COLUMNS` (indicator, scenario,
    estimator ...) are shown in words (the CSV keeps them).

    Returns
    -------
    pathlib.Path
        The workbook, written atomically (a temporary file, then renamed).

    Raises
    ------
    DataError
        When the edition has no tables or a CSV cannot be read.

    Notes
    -----
    A header is the registry's label of the column (``columns`` section); a column
    ``<stem>_<statistic>`` (``net_p50``, ``share_mean``) without one reads ``<stem label>
    (<statistic label>)``; any other column is its id in words. Its unit (:func:`column_unit`):
    the registry's ``unit`` of the column (or of its stem); else a name ending that states one,
    before any bound ending ``_low``/``_high``/``_lower``/``_upper``/``_mid``/``_central``
    (``_yi_yuan``, ``_pct``/``_percent``, ``_pp``, ``_wan_yuan``, ``_yuan``, ``_kwh_per_t``,
    ``_count``, ``_s``); else, when the table has a ``unit`` column holding one unit in every
    row, that unit for each numeric column ending in ``value``, ``low``, ``high``, ``point``,
    ``mid`` or ``abs``. Sheet names are the CSV names cut to 31 characters, keeping a
    ``_synthetic`` ending, made unique with ``~2``, ``~3``; the full title is in the sheet.
    """
    from evaluation.reports.labels import default_labels

    labels = default_labels()
    languages = tuple(check_language(lang) for lang in languages)
    edition_dir = Path(edition_dir)
    files = sorted((edition_dir / "tables").glob("*.csv"))
    if not files:
        raise DataError(problems=[problem(edition_dir / "tables", "", "no *.csv tables",
                                          "at least one table written by save_table")])

    def words(key: str, **fields: str) -> str:
        return "\n".join(labels.text(key, lang, **fields) for lang in languages)

    workbook = Workbook()
    contents = workbook.active
    contents.title = CONTENTS_SHEET
    contents.append([words("workbook_contents")])
    contents.append([words("workbook_contents_note")])
    contents.append([words(f"workbook_{k}") for k in ("sheet", "table", "description",
                                                      "file", "rows", "columns", "data")])
    used = {CONTENTS_SHEET}
    seen: dict[str, str] = {}
    for path in files:
        table = _read(path)
        synthetic = SYNTHETIC_LABEL.lower() in path.stem.lower()
        title, description = table_title(path.stem, languages, labels)
        data = words("synthetic_short") if synthetic else words("workbook_from_documents")
        file = f"tables/{path.name}"
        if table.empty:
            contents.append(["—", title, words("workbook_empty"), file, 0, len(table.columns),
                             data])
            continue
        digest = pd.util.hash_pandas_object(table, index=False).sum().item()
        key = f"{list(table.columns)}:{digest}"
        if key in seen:
            contents.append(["—", title, words("workbook_same_as", sheet=seen[key]), file,
                             len(table), len(table.columns), data])
            continue
        name = sheet_name(path.stem, used)
        used.add(name)
        seen[key] = name
        sheet = workbook.create_sheet(name)
        sheet.append([title])
        sheet.append([description])
        _write_sheet(sheet, table, languages, labels)
        contents.append([name, title, description, file, len(table), len(table.columns), data])
    _finish(contents)
    out = edition_dir / WORKBOOK_NAME
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    workbook.save(tmp)
    os.replace(tmp, out)
    return out


def table_title(stem: str, languages: Sequence[str], labels: Labels) -> tuple[str, str]:
    """A table's full title and description, one line per language (registry ``tables``;
    a table without an entry is titled by its file name in words, with no description)."""
    entry = labels.entry("tables", stem)
    if not entry:
        return stem.replace("_", " "), ""
    return ("\n".join(str(entry[lang]) for lang in languages),
            "\n".join(str(entry.get(f"description_{lang}", "")) for lang in languages).strip())


def column_unit(column: str, table: pd.DataFrame, labels: Labels) -> str | None:
    """The unit code of ``column`` (see :func:`write_workbook`), ``None`` when it has none."""
    entry = labels.entry("columns", column)
    match = _STATISTIC.match(column)
    stem_entry = labels.entry("columns", match["stem"]) if match else {}
    if entry.get("unit") or stem_entry.get("unit"):
        return str(entry.get("unit") or stem_entry.get("unit"))
    stem = _BOUND.sub("", column)
    for ending, unit in SUFFIX_UNITS:
        if stem.endswith(ending):
            return unit
    units = table["unit"].dropna().unique() if "unit" in table.columns else []
    values = table[column]
    measured = (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
                and column.endswith(VALUE_ENDINGS))
    if measured and len(units) == 1 and str(units[0]) in labels.entries.get("units", {}):
        return str(units[0])
    return None


def is_fraction(column: str, labels: Labels) -> bool:
    """Whether the registry says ``column`` (or its stem) holds 0–1 values read in % (Excel
    then shows them with a percent format, ``0.375`` as ``37.5%``)."""
    match = _STATISTIC.match(column)
    entries = [labels.entry("columns", column),
               labels.entry("columns", match["stem"]) if match else {}]
    return any(str(e.get("fraction", "")).lower() == "true" for e in entries)


def column_header(column: str, table: pd.DataFrame, lang: str, labels: Labels) -> str:
    """``column`` in words in ``lang`` with its unit (``目标值（亿元）``)."""
    label = _column_label(column, lang, labels) or _words(column)
    unit = column_unit(column, table, labels)
    if not unit or unit == "count" or unit not in labels.entries.get("units", {}):
        return label
    name = labels.unit(unit, lang)
    if name in label:
        return label
    return f"{label}（{name}）" if lang == "zh" else f"{label} ({name})"


def _column_label(column: str, lang: str, labels: Labels) -> str | None:
    """The registry's words for ``column``: its own label; else ``<stem> (<statistic>)``; else
    the label of the name without its unit ending; ``None`` when none of these exists."""
    label = labels.find("columns", column, lang) or labels.find("indicators", column, lang)
    if label:
        return label
    match = _STATISTIC.match(column)
    if match and (stem := _column_label(match["stem"], lang, labels)):
        stat = labels.find("columns", match["stat"], lang) or match["stat"]
        return f"{stem}（{stat}）" if lang == "zh" else f"{stem} ({stat})"
    for ending, _ in SUFFIX_UNITS:
        if column.endswith(ending) and column != ending:
            return _column_label(column[:-len(ending)], lang, labels)
    return None


def _words(column: str) -> str:
    """An id as words: unit endings dropped, underscores as spaces, first letter capital."""
    stem = column
    for ending, _ in SUFFIX_UNITS:
        if stem.endswith(ending) and stem != ending:
            stem = stem[:-len(ending)]
            break
    text = stem.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def sheet_name(stem: str, used: set[str]) -> str:
    """A valid, unused sheet name for a table file stem (≤ 31 characters)."""
    name = _BAD_SHEET_CHARS.sub("_", stem)
    ending = f"_{SYNTHETIC_LABEL.lower()}"
    keep = ending if name.lower().endswith(ending) else ""
    candidate, n = _cut(name, keep, ""), 1
    while candidate.lower() in {u.lower() for u in used}:
        n += 1
        candidate = _cut(name, keep, f"~{n}")
    return candidate


def _cut(name: str, keep: str, tag: str) -> str:
    if len(name) + len(tag) <= MAX_SHEET_NAME:
        return name + tag
    head = name[:len(name) - len(keep)] if keep else name
    return head[:MAX_SHEET_NAME - len(keep) - len(tag)] + tag + keep


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, encoding="utf-8-sig")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(problems=[problem(path, "", f"an unreadable CSV ({reason})",
                                          "a UTF-8 CSV table with a header row")]) from None


def number_format(unit: str | None, values: pd.Series, *, fraction: bool = False) -> str | None:
    """Excel number format of a column: a fraction read in % as ``0.0%``; else by its unit
    (:data:`NUMBER_FORMATS`); else by its values (whole numbers, years among them, without
    separators; numbers all below 1 in size with three decimals; others with two); ``None`` for
    text and booleans."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    if fraction:
        return FRACTION_FORMAT
    if unit in NUMBER_FORMATS:
        return NUMBER_FORMATS[unit]
    present = values.dropna()
    if present.apply(lambda v: float(v).is_integer()).all():
        return INTEGER_FORMAT
    return SMALL_FORMAT if (present.abs() < 1).all() else FLOAT_FORMAT


def _write_sheet(sheet, table: pd.DataFrame, languages: Sequence[str],  # noqa: ANN001
                 labels: Labels) -> None:
    """Header (one line per language) in row :data:`HEADER_ROW`, then the rows."""
    sheet.append(["\n".join(column_header(str(c), table, lang, labels) for lang in languages)
                  for c in table.columns])
    shown = table.astype(object).where(table.notna(), None)
    for column, section in WORDED_COLUMNS.items():
        if column in shown.columns:
            shown[column] = [worded(v, section, languages, labels) for v in shown[column]]
    for row in shown.itertuples(index=False):
        sheet.append(list(row))
    for index, column in enumerate(table.columns, start=1):
        fmt = number_format(column_unit(str(column), table, labels), table[column],
                            fraction=is_fraction(str(column), labels))
        if fmt is None:
            continue
        for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=index, max_col=index):
            cell.number_format = fmt
    _finish(sheet)


def worded(value: object, section: str, languages: Sequence[str], labels: Labels) -> object:
    """An id as the registry's words in each language (``label zh / label en``); the value
    itself when it is not an id of ``section`` (a number, empty, or not labelled)."""
    if not isinstance(value, str):
        return value
    names = [labels.find(section, value, lang) for lang in languages]
    if not all(names):
        return value
    return " / ".join(dict.fromkeys(str(n) for n in names))


def _finish(sheet) -> None:  # noqa: ANN001 (openpyxl Worksheet)
    """Title in bold, description in italics, bold wrapped frozen header with an auto-filter,
    widths fitted to the longest line of each column's header and cells (CJK counts double);
    every text cell a string, never a formula (:mod:`evaluation.reports.cells`)."""
    text_cells_as_strings(sheet)
    sheet.cell(TITLE_ROW, 1).font = Font(bold=True, size=13)
    sheet.cell(DESCRIPTION_ROW, 1).font = Font(italic=True)
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    last = get_column_letter(max(sheet.max_column, 1))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(sheet.max_row, HEADER_ROW)}"
    for index, column in enumerate(sheet.iter_cols(min_row=HEADER_ROW, values_only=True),
                                   start=1):
        width = max((_display_width(v) for v in column if v is not None), default=0) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, MIN_WIDTH),
                                                                       MAX_WIDTH)
    sheet.row_dimensions[HEADER_ROW].height = 15 * max(
        (str(c.value).count("\n") + 1 for c in sheet[HEADER_ROW] if c.value is not None),
        default=1)


def _display_width(value: object) -> int:
    text = f"{value:,.6g}" if isinstance(value, float) else str(value)
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
               for line in text.split("\n"))
