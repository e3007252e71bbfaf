"""Which years an edition can evaluate: outcomes stated or implied, and targets to compare.

An edition names a ``base_year`` (the year whose outcomes are compared) and ``target_years``.
Before any notebook runs, :func:`check_edition_years` refuses a base year for which the documents
give no outcome at all, stated or implied, and a target year equal to the base year (a change
over zero years), each with one line naming the edition file, the key, what was found and what
would do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.data.edition import EditionContext
from evaluation.data.resolve import MEASURE
from evaluation.errors import ConfigError, Problem, problem


@dataclass(frozen=True)
class YearCoverage:
    """What the documents give for one year."""

    year: int
    stated_outcomes: tuple[str, ...]
    implied_outcomes: tuple[str, ...]
    targets: tuple[str, ...]

    @property
    def has_outcomes(self) -> bool:
        """Whether any outcome, stated or implied, exists for the year."""
        return bool(self.stated_outcomes or self.implied_outcomes)


def coverage(year: int, facts: pd.DataFrame, implied: pd.DataFrame) -> YearCoverage:
    """Indicators with a full-year outcome (stated, implied) and a target or plan in ``year``."""
    full_year = facts["period"] == "year" if "period" in facts else True
    in_year = facts[(facts["year"] == year) & full_year]
    measure = in_year["kind"].map(MEASURE)
    stated = tuple(sorted(set(in_year.loc[measure == "outcome", "indicator"])))
    targets = tuple(sorted(set(in_year.loc[measure != "outcome", "indicator"])))
    derived = implied[(implied["year"] == year) & implied["kind"].isin(["actual", "estimate"])]
    return YearCoverage(year, stated, tuple(sorted(derived["derived_id"])), targets)


def outcome_years(facts: pd.DataFrame, implied: pd.DataFrame) -> dict[int, str]:
    """Years with outcomes: ``{2011: "implied only", 2012: "stated"}``."""
    outcome = facts["kind"].map(MEASURE) == "outcome"
    if "period" in facts:
        outcome &= facts["period"] == "year"
    years = {int(y): "stated" for y in facts.loc[outcome, "year"]}
    for y in implied.loc[implied["kind"].isin(["actual", "estimate"]), "year"]:
        years.setdefault(int(y), "implied only")
    return dict(sorted(years.items()))


def year_problems(parameters: Mapping[str, Any], *, path: str | Path, facts: pd.DataFrame,
                  implied: pd.DataFrame) -> list[Problem]:
    """The problems of an edition's ``base_year`` and ``target_years`` (empty when fine)."""
    if "base_year" not in parameters:
        return []
    base = parameters["base_year"]
    targets = list(parameters.get("target_years") or [])
    problems = []
    if base in targets:
        problems.append(problem(path, "parameter 'target_years'",
                                f"{targets}, which includes the base year {base}",
                                f"years other than the base year {base}"))
    years = outcome_years(facts, implied)
    if isinstance(base, int) and base not in years:
        held = ", ".join(f"{y}" + (" (implied only)" if how != "stated" else "")
                         for y, how in years.items())
        problems.append(problem(
            path, "parameter 'base_year'",
            f"{base}, a year with no outcome in the documents (no actual or estimate stated in "
            "data/facts.csv or implied by data/derivations.yaml)",
            f"a year with outcomes: {held or 'none registered'}"))
    return problems


def check_edition_years(parameters: Mapping[str, Any], *, path: str | Path,
                        edition: EditionContext) -> None:
    """Refuse an edition whose years cannot be evaluated (see :func:`year_problems`), on the
    edition's facts and the values they imply.

    Raises
    ------
    ConfigError
        One line per problem, naming the edition file and key.
    """
    from evaluation.analysis.derivations import implied_values

    if "base_year" not in parameters:
        return  # an edition without years (notebooks that do not compare years)
    problems = year_problems(parameters, path=path, facts=edition.facts,
                             implied=implied_values(edition))
    if problems:
        raise ConfigError(problems=problems)


GAP_COLUMNS = ("indicator", "name_en", "name_zh", "category", "stated_years")


def base_year_gaps(edition: EditionContext, implied: pd.DataFrame) -> pd.DataFrame:
    """Outcomes the documents give for other years but neither state nor imply for the
    edition's base year (``implied``: :func:`evaluation.analysis.derivations.implied_values`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GAP_COLUMNS`, one row per indicator (``stated_years`` such as ``"2012"``),
        in the indicators' order; empty when every outcome is available for ``base_year``.
    """
    facts, indicators, base_year = edition.facts, edition.indicators, edition.base_year
    outcome = facts["kind"].map(MEASURE) == "outcome"
    if "period" in facts:
        outcome &= facts["period"] == "year"
    outcomes = facts[outcome]
    have = set(outcomes.loc[outcomes["year"] == base_year, "indicator"])
    have |= set(implied.loc[(implied["year"] == base_year) & (implied["kind"] == "actual"),
                            "indicator"])
    rows = []
    for indicator in indicators.index:
        years = sorted(set(outcomes.loc[outcomes["indicator"] == indicator, "year"].astype(int)))
        if years and indicator not in have:
            rows.append({"indicator": indicator,
                         "name_en": indicators.loc[indicator, "name_en"],
                         "name_zh": indicators.loc[indicator, "name_zh"],
                         "category": indicators.loc[indicator, "category"],
                         "stated_years": ", ".join(map(str, years))})
    return pd.DataFrame(rows, columns=list(GAP_COLUMNS))
