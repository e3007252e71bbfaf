"""The firm-panel schema and its loader: one row per firm-year, validated with clear errors."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from evaluation import project
from evaluation.errors import DataError, Problem, problem

SYNTHETIC_PANEL_NAME = "firm_panel_synthetic.csv"


def synthetic_panel_file() -> Path:
    """The committed SYNTHETIC panel of the current project."""
    return project.current().panel_dir / SYNTHETIC_PANEL_NAME


OWNERSHIP_TYPES = ("SOE", "private", "foreign")
FIRST_VALID_YEAR, LAST_VALID_YEAR = 1978, 2100
TRUE_TEXT, FALSE_TEXT = ("true", "1", "yes"), ("false", "0", "no")
KEY = ("firm_id", "year")
MIN_FIRMS = 2
"""Fewest firms a panel may hold: every estimator compares firms."""


@dataclass(frozen=True)
class PanelColumn:
    """One column of the panel schema: name, kind, unit and what a valid value looks like."""

    name: str
    kind: str  # "text", "integer", "number", "category" or "boolean"
    unit: str
    description: str
    expected: str


PANEL_COLUMNS: tuple[PanelColumn, ...] = (
    PanelColumn("firm_id", "text", "", "firm identifier (one firm, many years)",
                "a non-empty firm identifier"),
    PanelColumn("year", "integer", "year", "calendar year of the observation",
                f"a whole year between {FIRST_VALID_YEAR} and {LAST_VALID_YEAR}"),
    PanelColumn("sales", "number", "亿元", "sales revenue (销售收入) in the year",
                "a positive number in 亿元"),
    PanelColumn("investment", "number", "亿元", "fixed-asset investment completed in the year",
                "a number >= 0 in 亿元"),
    PanelColumn("loans", "number", "亿元", "new bank loans received in the year",
                "a number >= 0 in 亿元"),
    PanelColumn("subsidy", "number", "亿元",
                "subsidy received in the year (special funds, interest subsidies 贴息, rewards)",
                "a number >= 0 in 亿元"),
    PanelColumn("tax_relief", "number", "亿元", "corporate income tax relief granted in the year",
                "a number >= 0 in 亿元"),
    PanelColumn("sector", "text", "", "industry (e.g. non-ferrous metals, salt-lake chemicals)",
                "a non-empty sector name"),
    PanelColumn("ownership", "category", "", "ownership type",
                "one of " + ", ".join(OWNERSHIP_TYPES)),
    PanelColumn("synthetic", "boolean", "", "true when the row is simulated, not observed",
                "true or false"),
)
COLUMN_NAMES = tuple(c.name for c in PANEL_COLUMNS)
_EXPECTED = {c.name: c.expected for c in PANEL_COLUMNS}
_NON_NEGATIVE = ("investment", "loans", "subsidy", "tax_relief")

# Checks on values that parsed; unparsable cells are NaN here and reported by the parser, so every
# column is nullable and each cell is reported once. ``year`` is checked as a float, then cast.
PANEL_SCHEMA = pa.DataFrameSchema(
    {
        "firm_id": pa.Column(str, pa.Check.str_length(min_value=1), nullable=True),
        "year": pa.Column(float, pa.Check.in_range(FIRST_VALID_YEAR, LAST_VALID_YEAR),
                          nullable=True),
        "sales": pa.Column(float, pa.Check.gt(0), nullable=True),
        **{name: pa.Column(float, pa.Check.ge(0), nullable=True) for name in _NON_NEGATIVE},
        "sector": pa.Column(str, pa.Check.str_length(min_value=1), nullable=True),
        "ownership": pa.Column(str, pa.Check.isin(OWNERSHIP_TYPES), nullable=True),
        "synthetic": pa.Column(bool),
    },
    unique=list(KEY),
    strict=False,
)


def project_file(path: str | Path) -> Path:
    """``path`` as given when absolute, else relative to the project root (never to the
    working folder, which is notebooks/ in a run): panel and register paths alike."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else project.current().root / path


def load_panel(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate a firm-panel CSV; add the derived analysis columns.

    Parameters
    ----------
    path
        A CSV with the columns of :data:`PANEL_COLUMNS` (extra columns are kept). Default: the
        committed SYNTHETIC panel ``data/panel/firm_panel_synthetic.csv``.

    Returns
    -------
    pandas.DataFrame
        Typed columns sorted by firm and year, plus ``log_sales``, ``subsidy_received``,
        ``loan_received`` and ``tax_relief_received`` (see :func:`add_derived_columns`).

    Raises
    ------
    DataError
        One line per problem, naming the file, row (and CSV line), column, value found and
        value expected.
    """
    path = project_file(path) if path else synthetic_panel_file()
    raw = _read_csv(path)
    return add_derived_columns(validate_panel(raw, file=path))


def _read_csv(path: Path) -> pd.DataFrame:
    from evaluation.data.schema import duplicate_columns
    from evaluation.io import read_bytes

    read_bytes(path, expected="a firm-panel CSV file")  # a folder, a link loop: one clear line
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(problems=[problem(path, f"byte {err.start}", "text that is not UTF-8",
                                          "a UTF-8 encoded CSV")]) from None
    except pd.errors.EmptyDataError:
        raise DataError(problems=[problem(path, "", "an empty file",
                                          "comma-separated values with a header row")]) from None
    except pd.errors.ParserError as err:
        raise DataError(problems=[problem(path, "", f"unreadable CSV ({err})".strip(),
                                          "comma-separated values with a header row")]) from None
    if table.empty:
        raise DataError(problems=[problem(path, "", "a header but no data rows",
                                          "one row per firm-year")])
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    repeated = duplicate_columns(header)
    if repeated:
        raise DataError(problems=[problem(path, "line 1 (header)", f"the column {name!r} more "
                                          "than once", "each column once") for name in repeated])
    return table


def _where(row: int, column: str) -> str:
    """Location text: data row number (1-based) and the CSV line it sits on (header = line 1)."""
    return f"row {row + 1} (line {row + 2}), column {column}"


def validate_panel(raw: pd.DataFrame, *, file: str | Path) -> pd.DataFrame:
    """Check a panel read as text against :data:`PANEL_SCHEMA` and return it typed.

    Every problem is collected (pandera ``lazy=True``) before one :class:`DataError` is raised.
    """
    missing = [c for c in COLUMN_NAMES if c not in raw.columns]
    if missing:
        raise DataError(problems=[problem(file, f"header, column {c}", "no such column",
                                          f"a column {c!r}: {_EXPECTED[c]}") for c in missing])
    table = raw.reset_index(drop=True).copy()
    problems: dict[tuple[int, str], Problem] = {}
    for col in PANEL_COLUMNS:
        text = table[col.name].astype(str).str.strip()
        if col.kind in ("integer", "number"):
            values = pd.to_numeric(text, errors="coerce")
            if col.kind == "integer":
                fractional = values.notna() & (values % 1 != 0)
                values = values.where(~fractional)
            bad = values.isna() | ~np.isfinite(values.astype("float64"))
            table[col.name] = values.astype("float64")
        elif col.kind == "boolean":
            lowered = text.str.lower()
            bad = ~lowered.isin(TRUE_TEXT + FALSE_TEXT)
            table[col.name] = lowered.isin(TRUE_TEXT)
        else:
            bad = text.eq("")
            table[col.name] = text.where(~bad, None)
        for row in (int(r) for r in np.flatnonzero(bad.to_numpy())):
            cell = raw[col.name].iloc[row]
            text_found = repr(cell) if cell.strip() else "an empty cell"
            if cell.strip().lower().lstrip("+-") in ("inf", "infinity", "nan"):
                text_found = f"{cell!r} (not a finite number)"
            problems[(row, col.name)] = problem(file, _where(row, col.name), text_found,
                                                col.expected)
    for key, found in _schema_problems(table, raw=raw, file=file):
        problems.setdefault(key, found)
    if problems:
        order = {name: i for i, name in enumerate(COLUMN_NAMES)}
        raise DataError(problems=[problems[k] for k in
                                  sorted(problems, key=lambda k: (k[0], order.get(k[1], -1)))])
    firms = table["firm_id"].nunique()
    if firms < MIN_FIRMS:
        raise DataError(problems=[problem(file, "column firm_id",
                                          f"{firms} firm{'s' if firms != 1 else ''}",
                                          f"at least {MIN_FIRMS} firms (effects are estimated by "
                                          "comparing firms)")])
    table["year"] = table["year"].astype("int64")
    return table.sort_values(list(KEY)).reset_index(drop=True)


def _schema_problems(table: pd.DataFrame, *, raw: pd.DataFrame, file: str | Path
                     ) -> list[tuple[tuple[int, str], Problem]]:
    """Value checks and the unique firm-year key, via pandera (lazy: all failures at once)."""
    try:
        PANEL_SCHEMA.validate(table, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases.dropna(subset=["index"])
    else:
        return []
    found: list[tuple[tuple[int, str], Problem]] = []
    duplicated = cases["check"].astype(str).str.contains("uniqueness")
    for row in sorted(set(cases.loc[duplicated, "index"].astype(int))):
        key = ", ".join(f"{k}={raw[k].iloc[row]!r}" for k in KEY)
        found.append(((row, "firm_id+year"),
                      problem(file, f"row {row + 1} (line {row + 2}), columns firm_id+year",
                              f"a duplicate firm-year key ({key})",
                              "one row per firm and year (unique firm_id, year)")))
    for case in cases[~duplicated].itertuples():
        row = int(case.index)
        found.append(((row, case.column),
                      problem(file, _where(row, case.column), repr(raw[case.column].iloc[row]),
                              _EXPECTED[case.column])))
    return found


def add_derived_columns(panel: pd.DataFrame) -> pd.DataFrame:
    """Add the analysis variables derived from the schema columns.

    Notes
    -----
    ``log_sales = ln(sales)``; ``subsidy_received = 1[subsidy > 0]``;
    ``loan_received = 1[loans > 0]``; ``tax_relief_received = 1[tax_relief > 0]``.
    """
    return panel.assign(
        log_sales=np.log(panel["sales"]),
        subsidy_received=(panel["subsidy"] > 0).astype("int64"),
        loan_received=(panel["loans"] > 0).astype("int64"),
        tax_relief_received=(panel["tax_relief"] > 0).astype("int64"),
    )
