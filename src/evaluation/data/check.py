"""Validate every data file at once (``evaluation check``) and list facts (``evaluation facts``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation import project
from evaluation.data.completeness import Coverage, completeness_problems, coverage, load_ignored
from evaluation.data.facts import load_facts, load_indicators
from evaluation.data.sanity import quote_warnings, status_warnings
from evaluation.data.sources import Source, load_sources
from evaluation.errors import DataError, problem

FACT_COLUMNS = ("fact_id", "year", "kind", "indicator", "value", "unit", "qualifier", "interval",
                "quote")


@dataclass(frozen=True)
class DataSummary:
    """What ``evaluation check`` validated."""

    sources: dict[str, Source]
    indicators: pd.DataFrame
    facts: pd.DataFrame
    coverages: list[Coverage]
    warnings: list[str] = field(default_factory=list)
    """Figures that are valid but may be misread (:mod:`evaluation.data.sanity`)."""

    def counts(self, by: str) -> pd.Series:
        """Facts counted by ``source_id``, ``kind`` or ``category`` (the indicator's)."""
        if by == "category":
            column = self.facts["indicator"].map(self.indicators["category"])
        else:
            column = self.facts[by]
        return column.value_counts().sort_index()

    def lines(self) -> list[str]:
        """The summary as printable lines."""
        out = [f"sources: {len(self.sources)} documents, sha256 checksums verified",
               f"indicators: {len(self.indicators)} defined",
               f"facts: {len(self.facts)} valid (schema, quotes and written numbers checked)"]
        for label, by in (("source", "source_id"), ("kind", "kind"), ("category", "category")):
            counts = self.counts(by)
            out.append(f"  by {label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        out.append("numbers written with digits in the documents:")
        for cov in self.coverages:
            out.append(f"  {cov.source.id}: {len(cov.mentions)} numbers, {len(cov.by_fact)} facts,"
                       f" {len(cov.by_entry)} ignored with a reason,"
                       f" {len(cov.uncovered)} uncovered")
        out.append(f"warnings: {len(self.warnings)}")
        out += [f"  warning: {line}" for line in self.warnings]
        return out


def check_data(*, sources_file: str | Path | None = None, indicators_file: str | Path | None = None,
               facts_file: str | Path | None = None, ignored_file: str | Path | None = None
               ) -> DataSummary:
    """Validate sources (checksums), indicators, facts and completeness.

    Raises
    ------
    DataError
        Listing every problem of the first stage that fails (later stages need earlier ones).
    """
    sources = load_sources(sources_file)
    indicators = load_indicators(indicators_file)
    facts = load_facts(facts_file, sources=sources, indicators=indicators)
    ignored = load_ignored(ignored_file, sources=sources)
    coverages = [coverage(source, facts=facts, ignored=ignored) for source in sources.values()
                 if not source.is_table]
    problems = completeness_problems(coverages, ignored_path=ignored_file)
    if problems:
        raise DataError(problems=problems)
    return DataSummary(sources, indicators, facts, coverages,
                       warnings=data_warnings(facts, indicators, sources))


def data_warnings(facts: pd.DataFrame, indicators: pd.DataFrame, sources: dict[str, Source]
                  ) -> list[str]:
    """The warnings of :mod:`evaluation.data.sanity` the data alone give: statuses and quotes
    (the plausibility of figures needs the analysis: ``evaluation check`` adds it)."""
    return status_warnings(facts, sources) + quote_warnings(facts, indicators)


def select_facts(facts: pd.DataFrame, *, indicators: pd.DataFrame, year: int | None = None,
                 kind: str | None = None, indicator: str | None = None,
                 source: str | None = None) -> pd.DataFrame:
    """The facts matching every given filter, as a display table (``FACT_COLUMNS``).

    Raises
    ------
    DataError
        When ``indicator`` or ``source`` names nothing known.
    """
    if indicator is not None and indicator not in indicators.index:
        raise DataError(problems=[problem(project.current().indicators_file, "--indicator",
                                          repr(indicator),
                                          "an indicator id from data/indicators.yaml")])
    known_sources = set(facts["source_id"])
    if source is not None and source not in known_sources:
        raise DataError(problems=[problem(project.current().sources_file, "--source", repr(source),
                                          f"one of {', '.join(sorted(known_sources))}")])
    mask = pd.Series(True, index=facts.index)
    for column, wanted in (("year", year), ("kind", kind), ("indicator", indicator),
                           ("source_id", source)):
        if wanted is not None:
            mask &= facts[column] == wanted
    chosen = facts[mask]
    return chosen.assign(interval=[format_interval(lo, hi)
                                   for lo, hi in zip(chosen["low"], chosen["high"], strict=True)],
                         value=chosen["value"].map(_number))[list(FACT_COLUMNS)]


def format_interval(low: float, high: float) -> str:
    """``[1571.55, 1571.65]``; an open upper end is shown as ``[7, ∞)``."""
    if math.isinf(high):
        return f"[{_number(low)}, ∞)"
    return f"[{_number(low)}, {_number(high)}]"


def _number(x: float) -> str:
    return f"{x:.10g}"
