"""Edition contexts for tests: the project's (or a test's own) facts with the years and pins a
test names (:class:`evaluation.data.edition.EditionContext`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from evaluation.data.edition import EditionContext
from evaluation.data.facts import default_facts, default_indicators
from evaluation.data.sources import default_sources
from evaluation.project import Project


def make_edition(facts: pd.DataFrame | None = None, *, base_year: int = 2012,
            target_years: Iterable[int] = (2013, 2015),
            pins: Mapping[str, str] | None = None) -> EditionContext:
    """An edition over ``facts`` (default: the current project's) with these years and pins."""
    return EditionContext(project=Project.find(),
                          facts=default_facts() if facts is None else facts,
                          indicators=default_indicators(), sources=default_sources(),
                          base_year=base_year, target_years=tuple(target_years),
                          pins=dict(pins or {}))
