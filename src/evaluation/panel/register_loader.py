"""Read a filled register template, validate every cell, and build the firm-year panel.

Every problem is one line naming the file, sheet, spreadsheet row and column, what was found
and what was expected; all problems are collected before one :class:`DataError` is raised.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.numbers import plain_number
from evaluation.errors import DataError, Problem, problem
from evaluation.io import decode_utf8, read_bytes
from evaluation.panel.register import (
    DESCRIPTION_MARK,
    EXAMPLE,
    KEYS,
    ROW_TYPE,
    SYNTHETIC,
    TABLES,
    RegisterColumn,
    valid_credit_code,
)
from evaluation.panel.schema import (
    FIRST_VALID_YEAR,
    LAST_VALID_YEAR,
    add_derived_columns,
    project_file,
)

HEADER_ROWS = 1  # spreadsheet row of the column names; data rows are numbered after it


def read_register(path: str | Path) -> dict[str, pd.DataFrame]:
    """Read every table as text from a workbook (``.xlsx``) or a folder of CSV files.

    Returns tables with a ``_row`` column: the spreadsheet row each record came from.

    Raises
    ------
    DataError
        One line for a file that cannot be read as the register: a CSV that is not UTF-8 (a
        UTF-16 export) or not CSV, a ``.xlsx`` that is not a zip, is cut short or is a zip
        without a workbook, a missing sheet; one line per formula cell (its cached result is
        not a value typed in the register).
    """
    path = project_file(path)
    if path.is_dir():
        raw = {}
        for table in TABLES:
            file = path / f"{table}.csv"
            if not file.is_file():
                raise DataError(problems=[problem(file, "", "no such file",
                                                  f"the {table} table of the register")])
            raw[table] = _read_csv(file)
    elif path.suffix.lower() == ".xlsx" and path.is_file():
        sheets = _read_workbook(path)
        missing = [t for t in TABLES if t not in sheets]
        if missing:
            raise DataError(problems=[problem(path, f"sheet {t}", "no such sheet",
                                              "one sheet per register table") for t in missing])
        raw = {t: sheets[t] for t in TABLES}
    else:
        raise DataError(problems=[problem(path, "", "neither a folder nor an .xlsx workbook",
                                          "the filled register template")])
    out = {}
    for table, frame in raw.items():
        frame = frame.astype(str).apply(lambda col: col.str.strip())
        frame.insert(0, "_row", np.arange(len(frame)) + HEADER_ROWS + 1)
        first = frame.columns[1] if len(frame.columns) > 1 else None
        keep = pd.Series(True, index=frame.index)
        if first is not None:
            keep &= ~frame[first].str.startswith(DESCRIPTION_MARK)
        if ROW_TYPE in frame.columns:
            keep &= frame[ROW_TYPE].str.lower() != EXAMPLE
        keep &= frame.drop(columns=["_row"]).ne("").any(axis=1)
        out[table] = frame[keep].reset_index(drop=True)
    return out


def _read_csv(file: Path) -> pd.DataFrame:
    """One register table from a UTF-8 CSV file, every cell as text."""
    text = decode_utf8(read_bytes(file, expected="a register table in CSV"), file)
    try:
        return pd.read_csv(io.StringIO(text.removeprefix("\ufeff")), dtype=str,
                           keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "no columns"
        raise DataError(problems=[problem(file, "", f"unreadable CSV ({reason})",
                                          "comma-separated values with a header row")]) from None


def _read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a register workbook as text; a formula cell is an error."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    expected = "an Excel workbook (.xlsx) saved from the register template"
    if not zipfile.is_zipfile(path):
        raise DataError(problems=[problem(path, "", "a file that is not an .xlsx workbook (not "
                                          "a zip archive)", expected)])
    try:
        book = load_workbook(path, read_only=True, data_only=False)
        sheets = {}
        formulas = []
        for sheet in book.worksheets:
            rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
            header = [str(v).strip() if v is not None else "" for v in rows[0]] if rows else []
            for r, row in enumerate(rows[1:], start=HEADER_ROWS + 1):
                for c, value in enumerate(row):
                    if isinstance(value, str) and value.startswith("="):
                        column = header[c] if c < len(header) and header[c] else f"#{c + 1}"
                        formulas.append(problem(path, f"sheet {sheet.title}, row {r}, column "
                                                f"{column}", f"a formula ({value[:40]})",
                                                "a value typed in the cell (formulas are not "
                                                "read: copy and paste the values)"))
            width = len(header)
            body = [[_as_text(v) for v in (row + [None] * width)[:width]] for row in rows[1:]]
            sheets[sheet.title] = pd.DataFrame(body, columns=header, dtype=str)
        book.close()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError,
            TypeError, IndexError) as exc:
        reason = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise DataError(problems=[problem(path, "", f"an unreadable workbook ({reason})",
                                          expected)]) from None
    if formulas:
        raise DataError(problems=formulas)
    return sheets


def _as_text(value: object) -> str:
    """A workbook cell as the text a CSV would hold (a whole float without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    return str(value)


def _parse(column: RegisterColumn, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Typed values and a mask of bad cells (empty optional cells are fine)."""
    empty = text.eq("")
    if column.kind in ("year", "amount", "count", "flag"):
        whole = column.kind != "amount"  # one rule with the other loaders: ASCII, finite
        values = pd.to_numeric(text.map(lambda t: plain_number(t, integer=whole)),
                               errors="coerce")
        bad = values.isna()
        if column.kind == "year":
            bad |= (values % 1 != 0) | ~values.between(FIRST_VALID_YEAR, LAST_VALID_YEAR)
        elif column.kind == "count":
            bad |= (values % 1 != 0) | (values < 0)
        elif column.kind == "flag":
            bad |= ~values.isin([0, 1])
        else:
            bad |= values < 0
    elif column.kind == "date":
        values = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        bad = values.isna()
    elif column.kind == "code":
        values = text.str.upper()
        bad = ~values.map(valid_credit_code).astype(bool)
    elif column.kind == "choice":
        values = text
        bad = ~text.isin(column.choices)
    else:
        values = text
        bad = empty
    if not column.required:
        bad &= ~empty
    return values, bad


def validate_register(raw: dict[str, pd.DataFrame], *, file: str | Path
                      ) -> dict[str, pd.DataFrame]:
    """Check every table's columns, cells, keys and cross-references; return typed tables."""
    problems: list[Problem] = []
    typed: dict[str, pd.DataFrame] = {}
    for table, columns in TABLES.items():
        frame = raw[table]
        absent = [c.name for c in columns if c.name not in frame.columns]
        problems += [problem(file, f"sheet {table}, header, column {name}", "no such column",
                             "the template's columns") for name in absent]
        if absent:
            continue
        out = pd.DataFrame({"_row": frame["_row"],
                            ROW_TYPE: frame.get(ROW_TYPE, pd.Series("", index=frame.index))})
        bad_type = ~out[ROW_TYPE].str.lower().isin(["", SYNTHETIC])
        problems += [problem(file, f"sheet {table}, row {row}, column {ROW_TYPE}", repr(value),
                             f"empty (real data), {SYNTHETIC!r} or {EXAMPLE!r}")
                     for row, value in zip(out.loc[bad_type, "_row"], out.loc[bad_type, ROW_TYPE],
                                           strict=True)]
        for column in columns:
            values, bad = _parse(column, frame[column.name])
            out[column.name] = values
            for k in np.flatnonzero(bad.to_numpy()):
                cell = frame[column.name].iloc[k]
                problems.append(problem(
                    file, f"sheet {table}, row {frame['_row'].iloc[k]}, column {column.name}",
                    repr(cell) if cell else "an empty cell", column.expected))
        key = KEYS.get(table)
        if key:
            duplicated = out.duplicated(list(key), keep="first")
            for k in np.flatnonzero(duplicated.to_numpy()):
                found = ", ".join(f"{c}={frame[c].iloc[k]!r}" for c in key)
                problems.append(problem(
                    file, f"sheet {table}, row {frame['_row'].iloc[k]}, columns "
                    + "+".join(key), f"a duplicate key ({found})", "one row per "
                    + " and ".join(key)))
        typed[table] = out
    if not problems:
        problems += _cross_references(typed, file)
    if problems:
        raise DataError(problems=problems)
    return typed


def _cross_references(t: dict[str, pd.DataFrame], file: str | Path) -> list[Problem]:
    """Every firm and project referred to is registered; a firm-year exists for every firm."""
    firms = set(t["firms"]["firm_id"])
    projects = set(t["projects"]["project_id"])
    found = []
    refs = [(name, "firm_id", firms, "firms") for name in
            ("projects", "firm_years", "loans", "direct_financing", "subsidies")]
    refs.append(("project_investment", "project_id", projects, "projects"))
    for table, column, known, where in refs:
        frame = t[table]
        for row, value in zip(frame["_row"], frame[column], strict=True):
            if value not in known:
                found.append(problem(file, f"sheet {table}, row {row}, column {column}",
                                     repr(value), f"an id listed in the {where} sheet"))
    projects_frame = t["projects"]
    bad_exit = projects_frame["list_year_exit"].notna() & (
        projects_frame["list_year_exit"] < projects_frame["list_year_entry"])
    for row in projects_frame.loc[bad_exit, "_row"]:
        found.append(problem(file, f"sheet projects, row {row}, column list_year_exit",
                             "a year before list_year_entry", "the entry year or later"))
    return found


def build_panel(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The firm-year panel of :mod:`evaluation.panel.schema` plus register detail.

    ``loans`` sums new loans by firm and year (also split ``loans_<source>`` and
    ``loans_<maturity>``), ``subsidy`` sums grants by the year of their date (also
    ``subsidy_<type>``), ``direct_financing`` sums amounts raised; ``listed`` comes from the
    firm register; ``synthetic`` is True on rows marked ``synthetic`` in ``row_type``.
    """
    fy = tables["firm_years"].drop(columns="_row")
    synthetic = fy.pop(ROW_TYPE).str.lower().eq(SYNTHETIC).to_numpy()
    firms = tables["firms"].drop(columns=["_row", ROW_TYPE]).set_index("firm_id")
    panel = fy.join(firms[["sector", "ownership"]], on="firm_id")
    key = ["firm_id", "year"]
    loans = tables["loans"]
    sums: list[pd.Series | pd.DataFrame] = [loans.groupby(key)["amount"].sum().rename("loans")]
    for by in ("source", "maturity"):
        wide = loans.pivot_table(index=key, columns=by, values="amount", aggfunc="sum")
        sums.append(wide.add_prefix("loans_"))
    subsidies = tables["subsidies"].assign(year=tables["subsidies"]["date"].dt.year)
    sums.append(subsidies.groupby(key)["amount"].sum().rename("subsidy"))
    sums.append(subsidies.pivot_table(index=key, columns="type", values="amount",
                                      aggfunc="sum").add_prefix("subsidy_"))
    sums.append(tables["direct_financing"].groupby(key)["amount"].sum()
                .rename("direct_financing"))
    for extra in sums:
        if len(extra):
            panel = panel.join(extra, on=key)
    for column in ("loans", "subsidy", "direct_financing"):
        if column not in panel:
            panel[column] = 0.0
    amounts = [c for c in panel.columns if c.startswith(("loans", "subsidy", "direct_"))]
    panel[amounts] = panel[amounts].fillna(0.0)
    panel["year"] = panel["year"].astype("int64")
    panel["listed"] = panel["listed"].astype("int64")
    panel["synthetic"] = synthetic
    panel = panel.sort_values(key).reset_index(drop=True)
    return add_derived_columns(panel)


def load_register(path: str | Path) -> pd.DataFrame:
    """Read, validate and build the panel from a filled register (workbook or CSV folder);
    a relative ``path`` is relative to the project root."""
    path = project_file(path)
    tables = validate_register(read_register(path), file=path)
    return build_panel(tables)
