"""The edition context: one edition's data, handed down to every consumer, never looked up.

The pipeline, or a notebook from its parameters, builds it once with :func:`edition_context`:
the project, its facts, the edition's pins (checked against the facts), the resolution rule bound
to them, base and target years and the report languages. Analyses, model inputs, narratives, the
memo, the workbook and the figures receive it and ask it for figures by meaning
(:meth:`EditionContext.resolve`), so a pin, a new document or a new year reaches every page the
same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import pandas as pd

from evaluation.data import resolve as rule
from evaluation.data.sources import Source
from evaluation.project import Project

DEFAULT_LANGUAGES = ("zh", "en")
"""Report languages when an edition names none (Chinese first; as ``reports.labels``)."""


@dataclass(frozen=True, eq=False)
class EditionContext:
    """One edition's data: what every analysis, narrative and output of the edition reads.

    Build it with :func:`edition_context`; a test may build one directly from a small facts
    table of its own.

    Parameters
    ----------
    project
        The project whose documents the facts quote (paths for messages and provenance).
    facts
        Every fact (:func:`evaluation.data.facts.load_facts`), indexed by ``fact_id``.
    indicators
        The indicator registry (:func:`evaluation.data.facts.load_indicators`).
    sources
        The document registry (:func:`evaluation.data.sources.load_sources`).
    base_year
        The year of the outcomes compared with the targets.
    target_years
        The years whose targets or plans are compared.
    pins
        Role or indicator -> fact id: figures the analyst chooses over the resolution rule.
    languages
        The report languages, Chinese first by default.
    """

    project: Project
    facts: pd.DataFrame = field(repr=False)
    indicators: pd.DataFrame = field(repr=False)
    sources: Mapping[str, Source] = field(repr=False)
    base_year: int
    target_years: tuple[int, ...]
    pins: Mapping[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = DEFAULT_LANGUAGES

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_year", int(self.base_year))
        object.__setattr__(self, "target_years", tuple(int(y) for y in self.target_years))
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(self, "pins", MappingProxyType(dict(self.pins or {})))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        rule.choose_all(self.facts, pins=self.pins)  # a pin naming no fact is refused here

    @property
    def years(self) -> tuple[int, ...]:
        """The base year, then the target years."""
        return (self.base_year, *self.target_years)

    @cached_property
    def chosen(self) -> pd.DataFrame:
        """One fact per indicator, year, measure, period and scope: the rule with the pins."""
        return rule.choose_all(self.facts, pins=self.pins)

    def resolve(self, *, indicator: str, year: int, kind: str = "actual",
                period: str | None = "year", scope: str | None = None,
                role: str | None = None) -> pd.Series:
        """The one fact answering the question, the edition's pins applied
        (:func:`evaluation.data.resolve.resolve`)."""
        return rule.resolve(self.facts, indicator=indicator, year=year, kind=kind,
                            period=period, scope=scope, pins=self.pins, role=role)

    def resolve_or_none(self, *, indicator: str, year: int, kind: str = "actual",
                        period: str | None = "year", scope: str | None = None,
                        role: str | None = None) -> pd.Series | None:
        """Like :meth:`resolve`, but ``None`` when no fact answers the question."""
        return rule.resolve_or_none(self.facts, indicator=indicator, year=year, kind=kind,
                                    period=period, scope=scope, pins=self.pins, role=role)

    def ranked(self, *, indicator: str, year: int, kind: str = "actual",
               period: str | None = "year", scope: str | None = None,
               role: str | None = None) -> pd.DataFrame:
        """Every fact answering the question, best first, the edition's pins applied."""
        return rule.ranked(self.facts, indicator=indicator, year=year, kind=kind, period=period,
                           scope=scope, pins=self.pins, role=role)

    def with_facts(self, facts: pd.DataFrame) -> EditionContext:
        """The same edition over another facts table (e.g. with derived figures added)."""
        return EditionContext(project=self.project, facts=facts, indicators=self.indicators,
                              sources=self.sources, base_year=self.base_year,
                              target_years=self.target_years, pins=self.pins,
                              languages=self.languages)


def edition_context(*, base_year: int, target_years: Iterable[int],
                    pins: Mapping[str, str] | None = None,
                    languages: Iterable[str] | None = None,
                    project: Project | None = None) -> EditionContext:
    """Build the edition context from an edition's parameters: the one place that loads it.

    Parameters
    ----------
    base_year, target_years, pins, languages
        The edition's parameters (``data/editions/<name>.yaml``, a notebook's parameters cell).
    project
        The project; by default the one this process is in (:meth:`Project.find`).

    Raises
    ------
    DataError
        When a data file is invalid or a pin names no fact.
    """
    from evaluation.data.facts import default_facts, default_indicators
    from evaluation.data.sources import default_sources

    found = project or Project.find()
    with found.activated():
        facts, indicators, sources = default_facts(), default_indicators(), default_sources()
    return EditionContext(project=found, facts=facts, indicators=indicators, sources=sources,
                          base_year=base_year, target_years=tuple(target_years),
                          pins=dict(pins or {}),
                          languages=tuple(languages or DEFAULT_LANGUAGES))
