"""An edition's tables as one Excel workbook (``tables.xlsx``) for officials who work in Excel."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from evaluation.errors import DataError, problem
from evaluation.reports.outputs import SYNTHETIC_LABEL

WORKBOOK_NAME = "tables.xlsx"
CONTENTS_SHEET = "contents"
MAX_SHEET_NAME = 31
UNIT_LABELS = {"yi_yuan": "亿元", "percent": "%", "count": "count", "kwh_per_t": "kWh/t"}
# Column-name endings that state a unit, checked in this order.
SUFFIX_UNITS = (("_yi_yuan", "亿元"), ("_wan_yuan", "万元"), ("_yuan", "元"),
                ("_pct", "%"), ("_percent", "%"), ("_pp", "percentage points"),
                ("_kwh_per_t", "kWh/t"), ("_count", "count"), ("_seconds", "s"), ("_s", "s"))
# Endings of a bound or variant of a measured column (attainment_pct_low is in %).
_BOUND = re.compile(r"_(?:low|high|lower|upper|mid|central)$")
# Columns that take the unit of a table's single-valued ``unit`` column.
VALUE_ENDINGS = ("value", "low", "high", "point", "mid", "abs")
MIN_WIDTH, MAX_WIDTH = 8, 60
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def write_workbook(edition_dir: str | Path) -> Path:
    """Write every ``tables/*.csv`` of an edition into ``<edition_dir>/tables.xlsx``.

    The first sheet, ``contents``, lists each sheet with its CSV file, size and a ``SYNTHETIC``
    label where the table is synthetic; then one sheet per table (in file-name order) with a
    bold, frozen header row, an auto-filter and column widths fitted to the content.

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
    Units in headers, by rule (:func:`header_with_unit`): a column keeps a unit already written
    in parentheses (``value (亿元)``); else a name ending states it, before any bound ending
    ``_low``/``_high``/``_lower``/``_upper``/``_mid``/``_central`` (``_yi_yuan`` -> ``(亿元)``,
    ``_pct``/``_percent`` -> ``(%)`` so ``attainment_pct_low (%)``, ``_pp``, ``_wan_yuan``,
    ``_yuan``, ``_kwh_per_t``, ``_count``, ``_s``); else, when the table has a ``unit`` column
    holding one unit code in every row (a long table of facts), each numeric, non-boolean column
    whose name ends with ``value``, ``low``, ``high``, ``point``, ``mid`` or ``abs`` gets that
    unit. Other columns (``year``, ids, flags) have no unit.
    Sheet names are the CSV names cut to 31 characters, keeping a ``_synthetic`` ending, made
    unique with ``~2``, ``~3``.
    """
    edition_dir = Path(edition_dir)
    files = sorted((edition_dir / "tables").glob("*.csv"))
    if not files:
        raise DataError(problems=[problem(edition_dir / "tables", "", "no *.csv tables",
                                          "at least one table written by save_table")])
    workbook = Workbook()
    contents = workbook.active
    contents.title = CONTENTS_SHEET
    contents.append(["sheet", "file", "rows", "columns", "data", "table (full name)"])
    used = {CONTENTS_SHEET}
    seen: dict[str, str] = {}
    for path in files:
        table = _read(path)
        synthetic = SYNTHETIC_LABEL.lower() in path.stem.lower()
        full = path.stem.replace("_", " ")
        if table.empty:
            contents.append(["—", f"tables/{path.name}", 0, len(table.columns),
                             "empty table, no sheet", full])
            continue
        digest = pd.util.hash_pandas_object(table, index=False).sum().item()
        key = f"{list(table.columns)}:{digest}"
        if key in seen:
            contents.append([seen[key], f"tables/{path.name}", len(table), len(table.columns),
                             f"same table as sheet {seen[key]}", full])
            continue
        name = sheet_name(path.stem, used)
        used.add(name)
        seen[key] = name
        _write_sheet(workbook.create_sheet(name), table)
        contents.append([name, f"tables/{path.name}", len(table), len(table.columns),
                         SYNTHETIC_LABEL if synthetic else "from documents and model", full])
    _finish(contents)
    out = edition_dir / WORKBOOK_NAME
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    workbook.save(tmp)
    os.replace(tmp, out)
    return out


def header_with_unit(column: str, table: pd.DataFrame) -> str:
    """``column`` with its unit in parentheses when the rule (see :func:`write_workbook`) finds
    one, else unchanged."""
    if column.rstrip().endswith(")") and "(" in column:
        return column
    stem = _BOUND.sub("", column)
    for ending, label in SUFFIX_UNITS:
        if stem.endswith(ending):
            return f"{column} ({label})"
    units = table["unit"].dropna().unique() if "unit" in table.columns else []
    values = table[column]
    measured = (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
                and column.endswith(VALUE_ENDINGS))
    if measured and len(units) == 1 and units[0] in UNIT_LABELS:
        return f"{column} ({UNIT_LABELS[units[0]]})"
    return column


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


NUMBER_FORMATS = (("(亿元)", "#,##0.00"), ("(万元)", "#,##0.00"), ("(%)", "0.0"),
                  ("(percentage points)", "0.0"), ("(count)", "0"))
FLOAT_FORMAT = "#,##0.00"
INTEGER_FORMAT = "0"


def number_format(header: str, values: pd.Series) -> str | None:
    """Excel number format of a column: by the unit in its header, else by its dtype (years and
    other whole numbers without separators, other numbers with two decimals); ``None`` for
    text and booleans."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    for unit, fmt in NUMBER_FORMATS:
        if header.endswith(unit):
            return fmt
    whole = values.dropna().apply(lambda v: float(v).is_integer()).all()
    return INTEGER_FORMAT if whole else FLOAT_FORMAT


def _write_sheet(sheet, table: pd.DataFrame) -> None:  # noqa: ANN001 (openpyxl Worksheet)
    headers = [header_with_unit(str(c), table) for c in table.columns]
    sheet.append(headers)
    for row in table.astype(object).where(table.notna(), None).itertuples(index=False):
        sheet.append(list(row))
    for index, (header, column) in enumerate(zip(headers, table.columns, strict=True), start=1):
        fmt = number_format(header, table[column])
        if fmt is None:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            cell.number_format = fmt
    _finish(sheet)


def _finish(sheet) -> None:  # noqa: ANN001 (openpyxl Worksheet)
    """Bold frozen header, auto-filter, widths fitted to the longest cell (CJK counts double)."""
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        width = max((_display_width(v) for v in column if v is not None), default=0) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, MIN_WIDTH),
                                                                       MAX_WIDTH)


def _display_width(value: object) -> int:
    text = f"{value:,.6g}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
