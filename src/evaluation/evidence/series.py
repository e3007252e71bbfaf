"""Official provincial statistics: the registered table of gross fixed capital formation (GFCF)
by province and year, read, checked and put in real terms.

The table is a source of type ``statistical_table`` in ``data/sources.yaml`` (its sha256 checked
on load like any document's); it is found by what it holds (its columns), never by its id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.data.sources import Source
from evaluation.errors import DataError, problem

__all__ = ["COLUMNS", "ProvincialSeries", "find_table", "load_series", "real_gfcf"]

PROVINCE, YEAR = "province", "year"
CURRENT, PRICE_INDEX = "gfcf_current_yi_yuan", "investment_price_index_1952"
COLUMNS = (PROVINCE, YEAR, CURRENT, PRICE_INDEX)
"""Columns the table must hold: province, year, GFCF at current prices (亿元) and the price index
of investment in fixed assets (1952 = 1)."""


@dataclass(frozen=True)
class ProvincialSeries:
    """GFCF by province (columns) and year (index), at current and at constant prices.

    ``real`` is ``current / price_index``: 亿元 at 1952 prices of investment goods.
    """

    current: pd.DataFrame
    price_index: pd.DataFrame
    source: Source

    @property
    def real(self) -> pd.DataFrame:
        """GFCF at 1952 prices (亿元): current prices deflated by the investment price index."""
        return self.current / self.price_index

    @property
    def provinces(self) -> list[str]:
        """The provinces in the table (their pinyin names, as the table writes them)."""
        return list(self.current.columns)

    @property
    def years(self) -> tuple[int, int]:
        """First and last year in the table."""
        return int(self.current.index.min()), int(self.current.index.max())


def find_table(sources: Mapping[str, Source]) -> Source | None:
    """The registered statistical table that holds provincial GFCF (``None`` when there is none).

    A table qualifies when it is of a table type and its header names every column of
    :data:`COLUMNS`; when several do, the latest published wins.
    """
    found = []
    for source in sources.values():
        if not source.is_table:
            continue
        header = source.path.read_text(encoding="utf-8").split("\n", 1)[0].strip()
        if set(COLUMNS) <= set(header.split(",")):
            found.append(source)
    return max(found, key=lambda s: s.published_key) if found else None


def load_series(source: Source) -> ProvincialSeries:
    """Read and check the table of ``source`` (one row per province and year).

    Raises
    ------
    DataError
        A missing column, a row whose year is not a whole number, whose GFCF is not a number
        (it can be negative: Fujian 1967-1968) or whose price index is not a positive number,
        or a province-year given twice: one problem per row (at most 20), naming the file,
        row, what was found and what was expected.
    """
    path = Path(source.path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(problems=[problem(path, "", f"unreadable CSV ({exc})",
                                          "a CSV table with a header row")]) from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DataError(problems=[problem(path, "header", f"no column {missing}",
                                          f"columns {list(COLUMNS)}")])
    problems = []
    years = pd.to_numeric(table[YEAR], errors="coerce")
    numbers = {c: pd.to_numeric(table[c], errors="coerce") for c in (CURRENT, PRICE_INDEX)}
    for i in range(len(table)):
        row = f"row {i + 2}"
        if not table[PROVINCE].iat[i].strip():
            problems.append(problem(path, f"{row}, {PROVINCE}", "''", "a province name"))
        year = years.iat[i]
        if not (np.isfinite(year) and float(year).is_integer()):
            problems.append(problem(path, f"{row}, {YEAR}", repr(table[YEAR].iat[i]),
                                    "a year as a whole number"))
        for column, values in numbers.items():
            value = values.iat[i]
            positive = column == PRICE_INDEX
            if not (np.isfinite(value) and (value > 0 or not positive)):
                problems.append(problem(path, f"{row}, {column}", repr(table[column].iat[i]),
                                        "a positive number" if positive else "a number"))
    duplicated = table.duplicated([PROVINCE, YEAR], keep="first")
    problems += [problem(path, f"row {i + 2}", f"{table[PROVINCE].iat[i]} "
                         f"{table[YEAR].iat[i]} again", "one row per province and year")
                 for i in np.flatnonzero(duplicated.to_numpy())]
    if problems:
        raise DataError(problems=problems[:20])
    tidy = pd.DataFrame({PROVINCE: table[PROVINCE].str.strip(), YEAR: years.astype(int),
                         CURRENT: numbers[CURRENT], PRICE_INDEX: numbers[PRICE_INDEX]})
    wide = {c: tidy.pivot(index=YEAR, columns=PROVINCE, values=c).sort_index()
            for c in (CURRENT, PRICE_INDEX)}
    return ProvincialSeries(current=wide[CURRENT], price_index=wide[PRICE_INDEX], source=source)


def real_gfcf(series: ProvincialSeries, *, first: int, last: int) -> pd.DataFrame:
    """Real GFCF (亿元 at 1952 prices) of ``first``..``last`` for the provinces with a positive
    figure in every one of those years (a province missing a year, such as Chongqing before its
    creation in 1997, is left out)."""
    real = series.real.loc[first:last]
    return real.loc[:, (real > 0).all()]
