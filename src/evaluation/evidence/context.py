"""Context from official statistics: the action's investment against the province's gross fixed
capital formation (GFCF), and the province's real GFCF against its peers'."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from evaluation.data.edition import EditionContext
from evaluation.evidence.series import ProvincialSeries
from evaluation.evidence.study import ACTION_INDICATOR

__all__ = ["KINDS", "action_against_gfcf", "peer_paths"]

KINDS = ("actual", "target", "plan")
"""The kinds of the action's investment figures shown (an outcome, a target, a plan)."""


def action_against_gfcf(context: EditionContext, series: ProvincialSeries, *, province: str,
                        last_published: int) -> pd.DataFrame:
    """One row per year and kind the edition's documents give the action's investment for
    (each figure chosen by the resolution rule, with the edition's pins).

    Columns: ``year``, ``kind``, ``fact_id``, ``action`` (亿元, as the document states it),
    ``gfcf`` (the province's GFCF at current prices that year, 亿元; missing when the table has
    no such year), ``share`` (``action / gfcf``, 0–1) and ``extended`` (whether the year's
    GFCF is extended by investment growth rather than published, i.e. after
    ``last_published``).

    Notes
    -----
    Completed investment on the projects is spending on fixed assets, GFCF the value of fixed
    assets formed: they overlap but are not the same measure (GFCF excludes land purchases and
    includes work not counted as project investment), so the share is context, not a part of a
    whole.
    """
    rows = []
    facts = context.facts
    years = sorted(set(facts.loc[facts["indicator"] == ACTION_INDICATOR, "year"].astype(int)))
    current = series.current[province]
    for year in years:
        for kind in KINDS:
            fact = context.resolve_or_none(indicator=ACTION_INDICATOR, year=year, kind=kind)
            if fact is None:
                continue
            gfcf = float(current[year]) if year in current.index else float("nan")
            rows.append({"year": year, "kind": kind, "fact_id": str(fact["fact_id"]),
                         "action": float(fact["value"]), "gfcf": gfcf,
                         "share": float(fact["value"]) / gfcf, "extended": year > last_published})
    return pd.DataFrame(rows, columns=["year", "kind", "fact_id", "action", "gfcf", "share",
                                       "extended"])


def peer_paths(series: ProvincialSeries, *, provinces: Sequence[str], base: int, first: int,
               last: int) -> pd.DataFrame:
    """Real GFCF of ``provinces`` as an index, ``base`` = 100, years ``first``..``last``.

    Also a column ``peer_mean``: the unweighted mean of the peers' indices (every province but
    the first).
    """
    real = series.real.loc[first:last, list(provinces)]
    index = 100 * real / real.loc[base]
    index["peer_mean"] = index[list(provinces[1:])].mean(axis=1)
    return index
