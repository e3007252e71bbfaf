"""Vintages: figures for the same indicator and year from different documents, side by side.

A preliminary figure (a news release, an estimate) and a final one (the next year's plan) are both
kept in ``data/facts.csv``. :func:`vintages` lines them up, :func:`disagreements` reports those
whose intervals do not overlap, and :func:`select` picks the one an analysis uses by a stated rule.
"""

from __future__ import annotations

import pandas as pd

from evaluation import project
from evaluation.data.sources import Source, default_sources
from evaluation.errors import ConfigError, DataError, problem

# Which kinds measure the same thing: an estimate and an actual are both the outcome.
MEASURE = {"actual": "outcome", "estimate": "outcome", "target": "target", "plan": "plan"}
# Lower is preferred by select(): actuals before estimates.
KIND_PREFERENCE = {"actual": 0, "estimate": 1, "target": 0, "plan": 0}
RULES = ("latest",)
VINTAGE_COLUMNS = ("indicator", "year", "kind", "measure", "vintage", "n_vintages", "source_id",
                   "plan_year", "fact_id", "value", "value_high", "unit", "qualifier", "low",
                   "high")
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
        the ``outcome``); ``vintage`` numbers the documents of one indicator, year and measure
        from 1 (the earliest by ``plan_year``, then listed order); ``n_vintages`` counts them.
    """
    table = _with_documents(facts, sources)
    table = table.sort_values(["indicator", "year", "measure", "plan_year", "listed", "fact_id"])
    groups = table.groupby(["indicator", "year", "measure"], sort=False)
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
    pairs = table.merge(table, on=["indicator", "year", "kind", "unit"], suffixes=("_a", "_b"))
    pairs = pairs[(pairs["source_id_a"] != pairs["source_id_b"])
                  & (pairs["vintage_a"] < pairs["vintage_b"])]
    gap = pd.concat([pairs["low_b"] - pairs["high_a"], pairs["low_a"] - pairs["high_b"]],
                    axis=1).max(axis=1)
    pairs = pairs.assign(difference=pairs["value_b"] - pairs["value_a"], gap=gap)
    return pairs[pairs["gap"] > 0][list(DISAGREEMENT_COLUMNS)].reset_index(drop=True)


def select(facts: pd.DataFrame, *, rule: str = "latest",
           sources: dict[str, Source] | None = None) -> pd.DataFrame:
    """One fact per indicator, year and measure, chosen by a stated rule.

    Parameters
    ----------
    facts
        Output of :func:`evaluation.data.facts.load_facts`.
    rule
        ``"latest"`` (the only rule): prefer an actual over an estimate, then the latest
        document by its ``plan_year`` in ``data/sources.yaml``; between documents of the same
        ``plan_year`` the one listed later in ``sources.yaml`` wins. Targets and plans are
        separate measures and are chosen among themselves by the same document order.

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
    same_document = table.duplicated(["indicator", "year", "kind", "source_id"], keep=False)
    if same_document.any():
        clashes = table[same_document].groupby(["indicator", "year", "kind", "source_id"])
        raise DataError(problems=[
            problem(project.current().facts_file, f"facts {sorted(group['fact_id'])}",
                    f"two figures for {key[0]} {key[1]} ({key[2]}) in source {key[3]}",
                    "one fact per indicator, year and kind in each source")
            for key, group in clashes])
    table["preference"] = table["kind"].map(KIND_PREFERENCE)
    order = table.sort_values(["preference", "plan_year", "listed"],
                              ascending=[True, False, False])
    chosen = order.drop_duplicates(["indicator", "year", "measure"])["fact_id"]
    return facts[facts["fact_id"].isin(chosen)]


def _with_documents(facts: pd.DataFrame, sources: dict[str, Source] | None) -> pd.DataFrame:
    """``facts`` plus each source's ``plan_year``, listed position and the kind's measure."""
    sources = default_sources() if sources is None else sources
    unknown = sorted(set(facts["source_id"]) - set(sources))
    if unknown:
        raise DataError(problems=[problem(project.current().sources_file, f"source {sid!r}",
                                          "a source_id used in facts but not registered",
                                          "every fact's source_id in sources.yaml")
                                  for sid in unknown])
    listed = {sid: i for i, sid in enumerate(sources)}
    table = facts.reset_index(drop=True).copy()
    table["plan_year"] = table["source_id"].map({k: s.plan_year for k, s in sources.items()})
    table["listed"] = table["source_id"].map(listed)
    table["measure"] = table["kind"].map(MEASURE)
    return table
