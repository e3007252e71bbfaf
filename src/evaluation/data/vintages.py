"""Vintages: figures for the same indicator and year from different documents, side by side.

A preliminary figure (a news release, an estimate) and a final one (the next year's plan) are both
kept in ``data/facts.csv``. :func:`vintages` lines them up, :func:`disagreements` reports those
whose intervals do not overlap, and :func:`select` picks the one an analysis uses by the rule of
:mod:`evaluation.data.resolve` (the same rule every consumer uses).
"""

from __future__ import annotations

import pandas as pd

from evaluation import project
from evaluation.data.resolve import MEASURE, choose_all, comparable_dates
from evaluation.data.sources import Source, default_sources
from evaluation.errors import ConfigError, DataError, problem

RULES = ("latest",)
VINTAGE_COLUMNS = ("indicator", "year", "kind", "measure", "period", "scope", "status",
                   "vintage", "n_vintages", "source_id", "plan_year", "published", "fact_id",
                   "value", "value_high", "unit", "qualifier", "low", "high")
DISAGREEMENT_COLUMNS = ("indicator", "year", "kind", "unit", "fact_id_a", "source_id_a",
                        "value_a", "low_a", "high_a", "fact_id_b", "source_id_b", "value_b",
                        "low_b", "high_b", "difference", "gap")


def vintages(facts: pd.DataFrame, *, sources: dict[str, Source] | None = None) -> pd.DataFrame:
    """Every fact with the document it comes from, ordered into vintages.

    Parameters
    ----------
    facts
        Output of :func:`evaluation.data.facts.load_facts`.
    sources
        The registry, for each document's ``plan_year`` and listed order; default the project's.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`VINTAGE_COLUMNS`, one row per fact, sorted by indicator, year, measure and
        vintage. ``measure`` groups kinds that measure the same thing (actual and estimate are
        the ``outcome``); ``vintage`` numbers the documents of one indicator, year, measure,
        period and scope from 1 (the earliest by publication date, compared at the precision
        both dates are written with, then listed order in ``facts.csv``); ``n_vintages``
        counts them.
    """
    table = _with_documents(facts, sources)
    labels = table.groupby(["indicator", "year", "measure", "period", "scope"],
                           sort=False).ngroup()
    table["published_key"] = comparable_dates(table["published_key"].tolist(), labels.tolist())
    table = table.sort_values(["indicator", "year", "measure", "period", "scope", "published_key",
                               "row"])
    groups = table.groupby(["indicator", "year", "measure", "period", "scope"], sort=False)
    table["vintage"] = groups.cumcount() + 1
    table["n_vintages"] = groups["fact_id"].transform("size")
    return table[list(VINTAGE_COLUMNS)].reset_index(drop=True)


def disagreements(facts: pd.DataFrame, *, sources: dict[str, Source] | None = None
                  ) -> pd.DataFrame:
    """Pairs of facts from different documents that cannot both be right.

    Two facts disagree when they share indicator, year and kind, come from different sources,
    and their intervals (precision and qualifier, see
    :func:`evaluation.data.facts.written_interval`)
    do not overlap.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DISAGREEMENT_COLUMNS`; ``a`` is the earlier document.

    Notes
    -----
    ``difference = value_b - value_a``; ``gap`` is the distance between the intervals,
    ``max(low_b - high_a, low_a - high_b)``, the smallest revision consistent with both texts.
    """
    table = vintages(facts, sources=sources)
    pairs = table.merge(table, on=["indicator", "year", "kind", "unit", "period", "scope"],
                        suffixes=("_a", "_b"))
    pairs = pairs[(pairs["source_id_a"] != pairs["source_id_b"])
                  & (pairs["vintage_a"] < pairs["vintage_b"])]
    gap = pd.concat([pairs["low_b"] - pairs["high_a"], pairs["low_a"] - pairs["high_b"]],
                    axis=1).max(axis=1)
    pairs = pairs.assign(difference=pairs["value_b"] - pairs["value_a"], gap=gap)
    return pairs[pairs["gap"] > 0][list(DISAGREEMENT_COLUMNS)].reset_index(drop=True)


def select(facts: pd.DataFrame, *, rule: str = "latest",
           sources: dict[str, Source] | None = None,
           pins: dict[str, str] | None = None) -> pd.DataFrame:
    """One fact per indicator, year, measure, period and scope, chosen by the resolution rule.

    Parameters
    ----------
    facts
        Output of :func:`evaluation.data.facts.load_facts`.
    rule
        ``"latest"`` (the only rule): :data:`evaluation.data.resolve.RULE_TEXT` - a pinned fact,
        then final before preliminary before estimate, then the latest publication date, then
        the fact listed later in ``facts.csv``. Targets and plans are separate measures.
    sources
        The registry (publication dates); default the project's. Ignored when ``facts`` already
        carries a ``published`` column.
    pins
        The edition's pins (indicator or role -> fact id).

    Returns
    -------
    pandas.DataFrame
        The chosen rows of ``facts`` (same columns and index), in the order of ``facts``.

    Raises
    ------
    ConfigError
        For an unknown rule.
    DataError
        When one document gives two facts for the same indicator, year and kind: no document
        order can choose between them.
    """
    if rule not in RULES:
        raise ConfigError(problems=[problem(project.current().facts_file, "rule", repr(rule),
                                            f"one of {list(RULES)}")])
    table = _with_documents(facts, sources)
    chosen = choose_all(table.set_index(facts.index), pins=pins)["fact_id"]
    return facts[facts["fact_id"].isin(chosen)]


def _with_documents(facts: pd.DataFrame, sources: dict[str, Source] | None) -> pd.DataFrame:
    """``facts`` plus each source's ``plan_year``, ``published`` date, the kind's measure, the
    optional columns' defaults and each row's position."""
    from evaluation.data.sources import published_key
    from evaluation.data.vocabulary import OPTIONAL_COLUMNS

    sources = default_sources() if sources is None else sources
    unknown = sorted(set(facts["source_id"]) - set(sources))
    if unknown:
        raise DataError(problems=[problem(project.current().sources_file, f"source {sid!r}",
                                          "a source_id used in facts but not registered",
                                          "every fact's source_id in sources.yaml")
                                  for sid in unknown])
    table = facts.reset_index(drop=True).copy()
    for column, default in OPTIONAL_COLUMNS.items():
        if column not in table:
            table[column] = default
    table["plan_year"] = table["source_id"].map({k: s.plan_year for k, s in sources.items()})
    if "published" not in facts:
        table["published"] = table["source_id"].map({k: s.published for k, s in sources.items()})
    table["published_key"] = table["published"].astype(str).map(published_key)
    table["measure"] = table["kind"].map(MEASURE)
    table["row"] = range(len(table))
    return table
