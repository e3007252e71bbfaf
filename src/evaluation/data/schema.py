"""Validation of the facts table: a pandera schema, then every quote against its document."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from evaluation.core.numbers import (
    ID_EXPECTED,
    INTEGER_EXPECTED,
    NUMBER_EXPECTED,
    id_problem,
    normalise,
    parse_written_number,
    plain_number,
)
from evaluation.data.sources import Source
from evaluation.data.vocabulary import (
    KINDS,
    OPTIONAL_COLUMNS,
    PERIOD_FORMAT,
    QUALIFIERS,
    STATUSES,
    UNITS,
    valid_period,
    written_scale,
)
from evaluation.errors import DataError, Problem, problem
from evaluation.io import read_text

YEAR_RANGE = (2000, 2030)
# Allowed values are listed in a message only when there are this few of them.
MAX_LISTED = 10
UNIT_CHECK = "the unit of the indicator in data/indicators.yaml"
RANGE_CHECK = "value_high filled exactly when qualifier is 'range'"


def validate_facts(path: Path, *, sources: dict[str, Source], indicators: pd.DataFrame
                   ) -> pd.DataFrame:
    """Read ``path``, check it against the schema and the documents, return the typed table.

    Parameters
    ----------
    path
        The facts CSV.
    sources
        Registered documents by id (their texts hold the quotes).
    indicators
        Indicator table indexed by id, with a ``unit`` column.

    Returns
    -------
    pandas.DataFrame
        One row per fact; ``year`` int, ``value``/``value_high`` float, other columns str.

    Raises
    ------
    DataError
        With one problem per failing cell or row, all at once (pandera ``lazy=True``).
    """

    path = Path(path)
    table, lines = read_facts_csv(path)
    for column, default in OPTIONAL_COLUMNS.items():
        if column not in table:
            table[column] = default
        table[column] = table[column].fillna("").str.strip().replace("", default)
    schema = facts_schema(sources=sources, indicators=indicators, kinds=KINDS, units=UNITS,
                          qualifiers=QUALIFIERS)
    cells = table.copy()
    if "value_high" in cells:
        cells["value_high"] = cells["value_high"].replace("", None)  # empty: not a range
    problems = written_form_problems(table, lines=lines, path=path)
    try:
        typed = schema.validate(cells, lazy=True)
    except pa.errors.SchemaErrors as exc:
        written = {p.location for p in problems}  # one problem per cell
        problems += [p for p in schema_problems(exc.failure_cases, table=table, lines=lines,
                                                path=path, unit_of=indicators["unit"].to_dict())
                     if p.location not in written]
        typed = None
    if not any(p.location == "header" for p in problems):
        reported = {p.location for p in problems}  # one problem per cell
        problems += [p for p in document_problems(table, lines=lines, path=path, sources=sources)
                     if p.location not in reported]
    if problems:
        raise DataError(problems=sorted(problems, key=_problem_order))
    return typed.reset_index(drop=True)


WRITTEN_FORMS = {"year": INTEGER_EXPECTED, "value": NUMBER_EXPECTED,
                 "value_high": NUMBER_EXPECTED}
"""Columns whose cells must be plain numbers (:func:`evaluation.core.numbers.plain_number`)."""


def written_form_problems(table: pd.DataFrame, *, lines: list[int], path: Path
                          ) -> list[Problem]:
    """Cells the schema's types would accept but the toolkit does not: a ``fact_id`` outside
    ASCII ``[a-z0-9_.-]`` (a zero-width space, a bidi override, a Cyrillic look-alike, markup,
    a leading ``=``: the character is named), and a year or value not written as a plain
    finite number (``١٥٧١.٦``, ``1_571.6``, ``٢٠١٢``, ``1e309``)."""
    found = []
    for row in range(len(table)):
        if "fact_id" in table:
            wrong = id_problem(str(table.at[row, "fact_id"]).strip())
            if wrong is not None and str(table.at[row, "fact_id"]).strip():
                found.append(problem(path, row_location(row, table=table, lines=lines,
                                                        column="fact_id"), wrong, ID_EXPECTED))
        for column, expected in WRITTEN_FORMS.items():
            cell = str(table.at[row, column]).strip() if column in table else ""
            if cell and plain_number(cell, integer=column == "year") is None:
                found.append(problem(path, row_location(row, table=table, lines=lines,
                                                        column=column), repr(cell), expected))
    return found


def duplicate_columns(header: list[str]) -> list[str]:
    """Column names that occur more than once in a CSV header (stripped), in order."""
    names = [name.strip() for name in header]
    return list(dict.fromkeys(n for i, n in enumerate(names) if n in names[:i]))


def read_facts_csv(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """Read the CSV as text cells and the line number each row starts on.

    Raises
    ------
    DataError
        For a missing, empty, non-UTF-8 or malformed file (rows with the wrong number of fields).
    """
    text = read_text(path, expected="an existing CSV file").removeprefix("\ufeff")
    if not text.strip():
        raise DataError(problems=[problem(path, "", "an empty file",
                                          "a CSV table with a header row and one fact per row")])
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines, problems = [], [], []
    try:
        header = next(reader)
        repeated = duplicate_columns(header)
        if repeated:
            raise DataError(problems=[problem(path, "line 1 (header)", f"the column {name!r} "
                                              "more than once", "each column once")
                                      for name in repeated])
        for row in reader:
            start = reader.line_num - sum(field.count("\n") for field in row)
            if not any(field.strip() for field in row):
                continue
            if len(row) != len(header):
                problems.append(problem(path, f"line {start}", f"{len(row)} fields",
                                        f"{len(header)} fields as in the header"))
                continue
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:
        problems.append(problem(path, f"line {reader.line_num}", f"malformed CSV ({exc})",
                                "valid CSV (quote fields that contain commas)"))
    if problems:
        raise DataError(problems=problems)
    if not rows:
        raise DataError(problems=[problem(path, "", "a header but no rows", "one fact per row")])
    return pd.DataFrame(rows, columns=header, dtype=str), lines


def facts_schema(*, sources: dict[str, Source], indicators: pd.DataFrame, kinds: tuple[str, ...],
                 units: tuple[str, ...], qualifiers: tuple[str, ...]) -> pa.DataFrameSchema:
    """The pandera schema of ``facts.csv`` (cell types, keys, enums, cross-column rules).

    A check's ``error`` text is what the cell should be: it becomes the "expected" of a problem.
    """
    unit_of = indicators["unit"].to_dict()
    text = pa.Check.str_length(min_value=1, error="a non-empty text")
    period = pa.Check(lambda s: s.map(valid_period), element_wise=False,
                      error=f"a period: {PERIOD_FORMAT}")

    def one_of(values: Iterable[str], what: str) -> pa.Check:
        names = sorted(values)
        listed = f" (one of {', '.join(names)})" if len(names) <= MAX_LISTED else ""
        return pa.Check.isin(names, error=f"{what}{listed}")

    def unit_matches(df: pd.DataFrame) -> pd.Series | bool:
        if not {"indicator", "unit"} <= set(df.columns):
            return True  # the missing column is reported on its own
        expected = df["indicator"].map(unit_of)
        return expected.isna() | ~df["unit"].isin(units) | df["unit"].eq(expected)

    def value_high_only_for_range(df: pd.DataFrame) -> pd.Series | bool:
        if not {"qualifier", "value_high"} <= set(df.columns):
            return True  # the missing column is reported on its own
        return df["qualifier"].eq("range") == df["value_high"].notna()

    columns = {
        "fact_id": pa.Column(str, text, unique=True, report_duplicates="exclude_first"),
        "source_id": pa.Column(str, one_of(sources, "a source id from data/sources.yaml")),
        "year": pa.Column("int64", pa.Check.in_range(*YEAR_RANGE, error=(
            f"a plausible year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}")), coerce=True),
        "kind": pa.Column(str, one_of(kinds, "a kind")),
        "indicator": pa.Column(str, one_of(unit_of, "an indicator id from data/indicators.yaml")),
        "value": pa.Column("float64", coerce=True),
        "value_high": pa.Column("float64", nullable=True, coerce=True),
        "unit": pa.Column(str, one_of(units, "a unit")),
        "qualifier": pa.Column(str, one_of(qualifiers, "a qualifier")),
        "value_text": pa.Column(str, text),
        "quote": pa.Column(str, text),
        "note": pa.Column(str, required=False),
        "period": pa.Column(str, period),
        "status": pa.Column(str, one_of(STATUSES, "a status")),
        "scope": pa.Column(str),
    }
    checks = [
        pa.Check(unit_matches, name="unit", error=UNIT_CHECK),
        pa.Check(value_high_only_for_range, name="value_high", error=RANGE_CHECK),
    ]
    return pa.DataFrameSchema(columns, checks=checks, strict=False)


def schema_problems(failures: pd.DataFrame, *, table: pd.DataFrame, lines: list[int],
                    path: Path, unit_of: dict[str, str]) -> list[Problem]:
    """Turn pandera's ``failure_cases`` into one :class:`Problem` per cell (or per row)."""
    problems, seen = [], set()
    uncoerced = {str(c.column) for c in failures.itertuples()
                 if str(c.check).startswith("coerce_dtype(")}
    for case in failures.itertuples():
        check = str(case.check)
        if check.startswith("dtype("):
            continue  # the matching coerce_dtype failure says it better
        if check == "column_in_dataframe":
            problems.append(problem(path, "header", f"no column {case.failure_case!r}",
                                    f"a column named {case.failure_case!r}"))
            continue
        if case.index is None or pd.isna(case.index):
            if str(case.column) in uncoerced:
                continue  # a check that could not run on text cells, already reported per cell
            problems.append(problem(path, "table", f"{case.failure_case!r}", check))
            continue
        row = int(case.index)
        if case.schema_context == "DataFrameSchema":
            column = _CROSS_CHECK_COLUMN.get(check, str(case.column))
        else:
            column = str(case.column)
        if (row, column, check) in seen:
            continue
        seen.add((row, column, check))
        found = repr(table.at[row, column]) if column in table else repr(case.failure_case)
        problems.append(problem(path, row_location(row, table=table, lines=lines, column=column),
                                _found(check, found, column, table.loc[row]),
                                _expected(check, column, table.loc[row], unit_of)))
    return problems


_CROSS_CHECK_COLUMN = {UNIT_CHECK: "unit", RANGE_CHECK: "value_high"}


def _found(check: str, cell: str, column: str, row: pd.Series) -> str:
    if check == "field_uniqueness":
        return f"duplicate {column} {cell}"
    if check == UNIT_CHECK:
        return f"{cell} for indicator {row.get('indicator')!r}"
    if check == RANGE_CHECK:
        shown = "an empty value_high" if cell == "''" else f"value_high {cell}"
        return f"{shown} with qualifier {row.get('qualifier')!r}"
    if cell == "''" or (check == "not_nullable" and not cell.strip("'").strip()):
        return "an empty cell"
    if check == "not_nullable":
        return f"{cell} (not a number)"
    return cell


def _expected(check: str, column: str, row: pd.Series, unit_of: dict[str, str]) -> str:
    if check == UNIT_CHECK:
        return f"{unit_of.get(row.get('indicator'))!r}, {check}"
    if check.startswith("coerce_dtype('int"):
        return "a whole number"
    if check.startswith("coerce_dtype("):
        return "a number"
    if check == "field_uniqueness":
        return f"a unique {column}"
    if check == "not_nullable":
        return "a value"
    return check


def row_location(row: int, *, table: pd.DataFrame, lines: list[int], column: str) -> str:
    """``line N (fact_id X), column C``: the CSV line number and the row's key."""
    fact_id = table.at[row, "fact_id"] if "fact_id" in table else ""
    key = f" (fact_id {fact_id})" if fact_id else ""
    return f"line {lines[row]}{key}, column {column}"


def _problem_order(p: Problem) -> tuple[int, str]:
    match = re.match(r"line (\d+)", p.location)
    return (int(match.group(1)) if match else 0, p.location)


def locate_value_text(quote: str, value_text: str) -> int:
    """Offset of ``value_text`` in ``quote`` as a whole number (not inside 2500 for 50); -1 if
    absent. Full-width and ASCII forms match each other."""
    pattern = rf"(?<![\d.]){re.escape(normalise(value_text))}(?![\d.])"
    match = re.search(pattern, normalise(quote))
    return match.start() if match else -1


WRITTEN_UNITS: tuple[tuple[str, str], ...] = (
    ("亿元", "yi_yuan"), ("万元", "yi_yuan"), ("亿", "yi_yuan"), ("%", "percent"),
    ("个百分点", "percent"), ("项", "count"), ("户", "count"), ("名", "count"), ("家", "count"),
    ("个", "count"), ("人", "count"), ("件", "count"), ("次", "count"),
)
"""Units written right after a number (after 余/多), and the fact unit each implies."""
UNIT_NAMES = frozenset(unit for _, unit in WRITTEN_UNITS)


def written_unit(quote: str, value_text: str) -> tuple[str, str] | None:
    """The unit written after ``value_text`` in ``quote`` and the fact unit it implies.

    ``None`` when the text after the number is not a unit in :data:`WRITTEN_UNITS` (万吨,
    千瓦时/吨 ...), so nothing can be said.
    """
    text, number = normalise(quote), normalise(value_text)
    start = locate_value_text(quote, value_text)
    if start < 0:
        return None
    after = text[start + len(number):].lstrip("余多近约 ")
    for written, unit in WRITTEN_UNITS:
        if after.startswith(written):
            return written, unit
    return None


def document_problems(table: pd.DataFrame, *, lines: list[int], path: Path,
                      sources: dict[str, Source]) -> list[Problem]:
    """Check each row against its document.

    The quote occurs exactly once in the source text, ``value_text`` occurs in the quote, and the
    written number equals ``value`` (and ``value_high`` for a range).

    Notes
    -----
    ``value = parse_written_number(value_text) * scale``, where ``scale`` is 1e-4 when 万元 is
    written and the fact is stored in 亿元
    (:func:`evaluation.data.vocabulary.written_scale`); compared with a relative tolerance of
    1e-9.
    """

    texts = {sid: source.text() for sid, source in sources.items()}
    problems = []
    for row in table.itertuples():
        i = row.Index
        where = dict(table=table, lines=lines)
        text = texts.get(row.source_id)
        if text is None or not row.quote or not row.value_text:
            continue  # unknown source, empty quote or value_text: reported by the schema
        count = text.count(row.quote)
        source_file = sources[row.source_id].path
        if count != 1:
            found = ("a quote that is not in the source text" if count == 0
                     else f"a quote that occurs {count} times in the source text")
            problems.append(problem(path, row_location(i, column="quote", **where),
                                    f"{found}: {row.quote!r}",
                                    f"a verbatim substring of {source_file.name} occurring once"))
            continue
        if locate_value_text(row.quote, row.value_text) < 0:
            problems.append(problem(path, row_location(i, column="value_text", **where),
                                    f"{row.value_text!r} not in the quote {row.quote!r}",
                                    "the number as written in the quote"))
            continue
        try:
            written = parse_written_number(row.value_text)
        except ValueError:
            problems.append(problem(path, row_location(i, column="value_text", **where),
                                    repr(row.value_text), "a number, range or Chinese numeral"))
            continue
        unit = written_unit(row.quote, row.value_text)
        if unit is not None and row.unit in UNIT_NAMES and unit[1] != row.unit:
            problems.append(problem(path, row_location(i, column="unit", **where),
                                    f"{row.unit!r} for a figure written {row.value_text}"
                                    f"{unit[0]} in the quote",
                                    f"{unit[1]!r}, the unit written in the quote"))
            continue
        scale = written_scale(row.quote, row.value_text, row.unit)
        pairs = [("value", written.value)]
        if row.qualifier == "range" and written.high is not None:
            pairs.append(("value_high", written.high))
        for column, written_value in pairs:
            stored = pd.to_numeric(getattr(row, column), errors="coerce")
            expected = written_value * scale
            if pd.isna(stored) or math.isclose(float(stored), expected, rel_tol=1e-9):
                continue  # a non-numeric cell is reported by the schema
            unit_note = f" ({row.value_text} 万元 = {expected:g} 亿元)" if scale != 1 else ""
            problems.append(problem(path, row_location(i, column=column, **where),
                                    f"{getattr(row, column)!r}",
                                    f"{expected:g} as written in the quote{unit_note}"))
    return problems
