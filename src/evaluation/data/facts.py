"""Curated facts: loading, validation, intervals from precision and qualifiers, look-ups."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation import project
from evaluation.cache import reloaded_on_change
from evaluation.core.intervals import Interval
from evaluation.core.numbers import ID_EXPECTED, id_problem, parse_written_number
from evaluation.data.schema import validate_facts
from evaluation.data.sources import Source, default_sources
from evaluation.data.vocabulary import (
    ABOUT_TOLERANCE,
    NEARLY_TOLERANCE,
    QUALIFIERS,
    UNIT_UPPER_BOUND,
    UNITS,
    written_scale,
)
from evaluation.errors import DataError, Problem, problem
from evaluation.io import describe, read_yaml_list

INDICATOR_KEYS = ("id", "name_zh", "name_en", "unit", "category")


def load_indicators(path: str | Path | None = None) -> pd.DataFrame:
    """Load ``data/indicators.yaml`` as a table indexed by indicator id."""
    path = Path(path or project.current().indicators_file)
    entries = read_yaml_list(path, "indicators", items="indicators")
    problems = indicator_problems(entries, path)
    if problems:
        raise DataError(problems=problems)
    table = pd.DataFrame(entries)
    dupes = table["id"][table["id"].duplicated()].tolist()
    if dupes:
        raise DataError(problems=[problem(path, f"id {d!r}", "a duplicate id", "unique ids")
                                  for d in dupes])
    return table.set_index("id")


def indicator_problems(entries: list[Any], path: Path) -> list[Problem]:
    """What is wrong with the entries of ``data/indicators.yaml`` (empty when nothing).

    Each entry must be a mapping with text ``id``, ``name_zh``, ``name_en``, ``category`` and a
    ``unit`` from :data:`UNITS`; no key may be left without a value (in a one-line
    ``{...}`` entry, an unquoted comma inside a text silently starts a new key).
    """
    if not entries:
        return [problem(path, "indicators", "an empty list", "at least one indicator")]
    found = []
    for i, entry in enumerate(entries):
        where = f"indicators[{i}]"
        if not isinstance(entry, dict):
            found.append(problem(path, where, describe(entry), "a mapping with the keys "
                                 f"{', '.join(INDICATOR_KEYS)}"))
            continue
        where = f"{where} (id {entry.get('id')!r})" if "id" in entry else where
        for key in INDICATOR_KEYS:
            value = entry.get(key)
            units = f"one of {', '.join(UNITS)}"
            if not isinstance(value, str) or not value.strip():
                found.append(problem(path, f"{where}.{key}", describe(value),
                                     units if key == "unit" else "non-empty text"))
            elif key == "unit" and value not in UNITS:
                found.append(problem(path, f"{where}.unit", repr(value), units))
            elif key == "id" and id_problem(value) is not None:
                found.append(problem(path, f"{where}.id", id_problem(value), ID_EXPECTED))
        for key, value in entry.items():
            if value is None and key not in INDICATOR_KEYS:
                found.append(problem(path, f"{where}, key {str(key)[:40]!r}",
                                     "a key without a value",
                                     "no stray keys (quote a text that contains a comma)"))
    return found


@reloaded_on_change(lambda p: [p.indicators_file])
def default_indicators() -> pd.DataFrame:
    """The project's indicators (``data/indicators.yaml``), loaded again when it changes."""
    return load_indicators()


def written_interval(value: float, decimals: int, *, unit: str, qualifier: str,
                     value_high: float | None = None, scale: float = 1.0) -> Interval:
    """The interval a written figure stands for.

    Parameters
    ----------
    value
        The figure in the fact's unit.
    decimals
        Decimals it was written with (``1571．6`` -> 1).
    unit, qualifier
        The fact's unit and qualifier.
    value_high
        Upper end of a range.
    scale
        Factor from the written unit to the fact's unit (1e-4 for 万元 stored as 亿元).

    Notes
    -----
    With ``u = 10**-decimals * scale`` (one unit of the last written digit):
    exact ``[v - u/2, v + u/2]`` (counts: ``[v, v]``); more_than (超过) and at_least (以上)
    ``[v, +inf)`` (percent capped at 100); odd (余/多, "3000-odd") ``[v, v + 10**k * scale]``
    where ``10**k`` is the place of the last non-zero digit; nearly (近)
    ``[v (1 - 0.10), v]``; about (约) ``v (1 ± 0.05)``; range ``[v, value_high]``.
    """
    half = 0.5 * 10.0 ** -decimals * scale
    upper = UNIT_UPPER_BOUND.get(unit, math.inf)
    if qualifier == "exact":
        if unit == "count":
            return Interval.point(value)
        return Interval(value - half, value + half)
    if qualifier in ("more_than", "at_least"):
        return Interval(value, upper)
    if qualifier == "odd":
        return Interval(value, value + _last_digit_place(value / scale) * scale)
    if qualifier == "nearly":
        return Interval(value * (1 - NEARLY_TOLERANCE), value)
    if qualifier == "about":
        return Interval(value * (1 - ABOUT_TOLERANCE), value * (1 + ABOUT_TOLERANCE))
    if qualifier == "range":
        if value_high is None:
            raise ValueError(f"qualifier 'range' from {value:g}: value_high is None, expected "
                             "the upper end of the range")
        return Interval(value, value_high)
    raise ValueError(f"unknown qualifier {qualifier!r}; expected one of {QUALIFIERS}")


def _last_digit_place(written: float) -> float:
    """10**k for the last non-zero integer digit of ``written`` (3000 -> 1000, 12500 -> 100)."""
    n = int(round(abs(written)))
    place = 1
    while n and n % 10 == 0:
        n //= 10
        place *= 10
    return float(place)


def load_facts(path: str | Path | None = None, *, sources: dict[str, Source] | None = None,
               indicators: pd.DataFrame | None = None) -> pd.DataFrame:
    """Load and validate ``data/facts.csv``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``fact_id`` with the CSV's columns (the optional ones, :data:`OPTIONAL_COLUMNS`,
        filled with their defaults) plus ``low``, ``high`` (the interval in the fact's unit),
        ``decimals``, ``point`` (the written value; a range's midpoint), and the source's
        ``published`` date and ``doc_type``.

    Raises
    ------
    DataError
        Listing every problem found, one line each.
    """

    path = Path(path or project.current().facts_file)
    sources = default_sources() if sources is None else sources
    indicators = default_indicators() if indicators is None else indicators
    table = validate_facts(path, sources=sources, indicators=indicators)
    return with_documents(_with_intervals(table), sources)


def _with_intervals(table: pd.DataFrame) -> pd.DataFrame:
    lows, highs, decimals = [], [], []
    for row in table.itertuples():
        written = parse_written_number(row.value_text)
        scale = written_scale(row.quote, row.value_text, row.unit)
        high = None if pd.isna(row.value_high) else float(row.value_high)
        iv = written_interval(float(row.value), written.decimals, unit=row.unit,
                              qualifier=row.qualifier, value_high=high, scale=scale)
        lows.append(iv.low)
        highs.append(iv.high)
        decimals.append(written.decimals)
    out = table.assign(low=lows, high=highs, decimals=decimals)
    out["point"] = out["value"].where(out["value_high"].isna(),
                                      (out["value"] + out["value_high"]) / 2)
    return out.set_index("fact_id", drop=False)


def with_documents(facts: pd.DataFrame, sources: dict[str, Source]) -> pd.DataFrame:
    """``facts`` plus each source's ``published`` date and ``doc_type`` (what resolution reads)."""
    return facts.assign(
        published=facts["source_id"].map({k: s.published for k, s in sources.items()}),
        doc_type=facts["source_id"].map({k: s.doc_type for k, s in sources.items()}))


@reloaded_on_change(lambda p: [p.facts_file, p.indicators_file, p.sources_file, p.raw_dir])
def default_facts() -> pd.DataFrame:
    """The project's facts, validated; loaded again when a data file changes."""
    return load_facts()


def interval(fact_id: str, facts: pd.DataFrame | None = None) -> Interval:
    """The interval of one fact."""
    row = lookup(fact_id, facts)
    return Interval(float(row["low"]), float(row["high"]))


def lookup(fact_id: str, facts: pd.DataFrame | None = None) -> pd.Series:
    """One fact's row; a clear :class:`DataError` when the id is unknown."""
    facts = default_facts() if facts is None else facts
    if fact_id not in facts.index:
        raise DataError(problems=[problem(project.current().facts_file, f"fact_id {fact_id!r}",
                                          "no such fact", "an id present in facts.csv")])
    return facts.loc[fact_id]
