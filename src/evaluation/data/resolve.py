"""Resolution: the one rule that picks a figure when documents give several.

Every consumer asks for a figure by what it means (indicator, year, kind, period, scope), never by
fact id. Where several facts answer the question - a preliminary news release and the next year's
plan, a January–November progress report and a full-year figure - one documented rule chooses:

1. a fact pinned by the edition (``pins``: role or indicator -> fact id) wins;
2. then by status: final before preliminary before estimate (a fact of kind ``estimate`` counts
   as an estimate);
3. then by period: the full calendar year before part of it (more months first) when the question
   allows several periods (``period=None``);
4. then the action's own list (empty ``scope``) before a narrower or wider one when the question
   allows several scopes (``scope=None``);
5. then the latest publication date of the document (``published`` in ``data/sources.yaml``);
6. between documents published the same day, the fact listed later in ``facts.csv``.

``evaluation check`` prints the same choice for every figure stated more than once.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from evaluation import project
from evaluation.errors import DataError, problem

# Kinds that measure the same thing: an estimate and an actual are both the outcome.
MEASURE = {"actual": "outcome", "estimate": "outcome", "target": "target", "plan": "plan"}
STATUS_ORDER = {"final": 0, "preliminary": 1, "estimate": 2}
RULE_TEXT = ("resolution rule (evaluation.data.resolve): a fact pinned by the edition wins; then "
             "final before preliminary before estimate; then the full year before part of it; "
             "then the action's own list before another scope; then the latest publication date "
             "(published in data/sources.yaml); then the fact listed later in facts.csv")
GROUP_KEYS = ("indicator", "year", "measure", "period", "scope")


def ranked(facts: pd.DataFrame, *, indicator: str, year: int, kind: str = "actual",
           period: str | None = "year", scope: str | None = None,
           pins: Mapping[str, str] | None = None, role: str | None = None) -> pd.DataFrame:
    """Every fact answering the question, best first by the rule of this module.

    Parameters
    ----------
    facts
        Output of :func:`evaluation.data.facts.load_facts`.
    indicator, year
        What is asked for: an indicator id and the year the figure is about.
    kind
        ``actual`` (an outcome: actuals and estimates), ``target`` or ``plan``.
    period
        ``year`` (default), a span such as ``months:1-11``, or ``None`` for any period.
    scope
        ``""`` for the action's own list, another scope, or ``None`` for any scope.
    pins, role
        The edition's pins (role or indicator -> fact id) and the role this figure plays.

    Returns
    -------
    pandas.DataFrame
        The matching rows of ``facts`` (same columns), best first; empty when nothing matches.
    """
    table = _prepared(facts)
    measure = MEASURE.get(kind, kind)
    mask = (table["indicator"] == indicator) & (table["year"] == int(year)) & (
        table["measure"] == measure)
    if period is not None:
        mask &= table["period"] == period
    if scope is not None:
        mask &= table["scope"] == scope
    found = table[mask]
    if found.empty:
        return facts.iloc[0:0]
    pinned = _pinned_ids(facts, pins, keys=(role, indicator))
    order = found.assign(pinned=~found["fact_id"].isin(pinned)).sort_values(
        ["pinned", "status_rank", "months", "other_scope", "published_rank", "row"],
        ascending=[True, True, False, True, False, False], kind="stable")
    return facts.loc[order.index]


def resolve(facts: pd.DataFrame, *, indicator: str, year: int, kind: str = "actual",
            period: str | None = "year", scope: str | None = None,
            pins: Mapping[str, str] | None = None, role: str | None = None) -> pd.Series:
    """The one fact that answers the question, by the rule of this module.

    Parameters are those of :func:`ranked`.

    Returns
    -------
    pandas.Series
        One row of ``facts``.

    Raises
    ------
    DataError
        When no fact answers the question: the message names what was asked and what the facts
        hold for that indicator; or when one document gives two such facts (no rule can choose).
    """
    order = ranked(facts, indicator=indicator, year=year, kind=kind, period=period, scope=scope,
                   pins=pins, role=role)
    if order.empty:
        raise DataError(problems=[problem(
            project.current().facts_file, _asked(indicator, year, kind, period, scope),
            "no such fact" + _held(facts, indicator),
            "a fact with that indicator, year, kind, period and scope in facts.csv")])
    _refuse_same_document(order)
    return order.iloc[0]


def resolve_or_none(facts: pd.DataFrame, *, indicator: str, year: int, kind: str = "actual",
                    period: str | None = "year", scope: str | None = None,
                    pins: Mapping[str, str] | None = None, role: str | None = None
                    ) -> pd.Series | None:
    """Like :func:`resolve`, but ``None`` when no fact answers the question."""
    order = ranked(facts, indicator=indicator, year=year, kind=kind, period=period, scope=scope,
                   pins=pins, role=role)
    if order.empty:
        return None
    _refuse_same_document(order)
    return order.iloc[0]


def choose_all(facts: pd.DataFrame, *, pins: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One fact per indicator, year, measure, period and scope, by the rule of this module.

    Returns
    -------
    pandas.DataFrame
        The chosen rows of ``facts`` (same columns and index), in the order of ``facts``.

    Raises
    ------
    DataError
        When one document gives two facts for the same indicator, year, kind, period and scope.
    """
    table = _prepared(facts)
    clash = table.duplicated(["indicator", "year", "kind", "period", "scope", "source_id"],
                             keep=False)
    if clash.any():
        _refuse_same_document(facts.loc[table.index[clash.to_numpy()]])
    pinned = _pinned_ids(facts, pins, keys=None)
    order = table.assign(pinned=~table["fact_id"].isin(pinned)).sort_values(
        ["pinned", "status_rank", "published_rank", "row"],
        ascending=[True, True, False, False], kind="stable")
    chosen = set(order.drop_duplicates(list(GROUP_KEYS))["fact_id"])
    return facts[facts["fact_id"].isin(chosen)]


def _prepared(facts: pd.DataFrame) -> pd.DataFrame:
    """``facts`` with the columns the rule sorts on (defaults where a column is missing)."""
    from evaluation.data.sources import published_key
    from evaluation.data.vocabulary import OPTIONAL_COLUMNS, period_months

    table = facts.copy()
    for column, default in OPTIONAL_COLUMNS.items():
        if column not in table:
            table[column] = default
    if "published" not in table:
        from evaluation.data.sources import default_sources

        sources = default_sources()
        table["published"] = table["source_id"].map(
            {k: s.published for k, s in sources.items()})
    table["measure"] = table["kind"].map(MEASURE)
    status = table["status"].where(table["kind"] != "estimate", "estimate")
    table["status_rank"] = status.map(STATUS_ORDER).fillna(len(STATUS_ORDER))
    table["months"] = table["period"].map(period_months)
    table["other_scope"] = table["scope"] != ""
    keys = table["published"].fillna("0").astype(str).map(published_key)
    table["published_rank"] = keys.map(lambda k: k[0] * 10_000 + k[1] * 100 + k[2])
    table["row"] = range(len(table))
    return table


def _pinned_ids(facts: pd.DataFrame, pins: Mapping[str, str] | None,
                keys: tuple[str | None, ...] | None) -> set[str]:
    """Fact ids pinned under ``keys`` (every pin when ``keys`` is None); unknown ids refused."""
    if not pins:
        return set()
    chosen = {str(fid) for key, fid in pins.items() if keys is None or key in keys}
    unknown = sorted(chosen - set(facts["fact_id"]))
    if unknown:
        names = [k for k, v in pins.items() if v in unknown]
        raise DataError(problems=[problem(project.current().facts_file,
                                          f"pins {', '.join(map(str, names))}",
                                          f"fact ids {unknown} not in the facts table",
                                          "a pin naming a fact id present in facts.csv")])
    return chosen


def _refuse_same_document(order: pd.DataFrame) -> None:
    """Raise when the best two candidates come from one document with the same standing."""
    table = _prepared(order)
    keys = ["indicator", "year", "kind", "period", "scope", "source_id"]
    clash = table[table.duplicated(keys, keep=False)]
    if clash.empty:
        return
    raise DataError(problems=[
        problem(project.current().facts_file, f"facts {sorted(group['fact_id'])}",
                f"two figures for {key[0]} {key[1]} ({key[2]}, period {key[3]}"
                f"{', scope ' + key[4] if key[4] else ''}) in source {key[5]}",
                "one fact per indicator, year, kind, period and scope in each source")
        for key, group in clash.groupby(keys)])


def _asked(indicator: str, year: int, kind: str, period: str | None, scope: str | None) -> str:
    parts = [f"{indicator} {year} ({kind}"]
    if period is not None:
        parts.append(f", period {period}")
    if scope:
        parts.append(f", scope {scope}")
    return "".join(parts) + ")"


def _held(facts: pd.DataFrame, indicator: str) -> str:
    """``; the facts hold indicator X for 2012 (actual, year), ...`` or for no year."""
    same = facts[facts["indicator"] == indicator]
    if same.empty:
        return f"; the facts hold no figure for {indicator}"
    period = same["period"] if "period" in same else pd.Series("year", index=same.index)
    held = sorted({f"{y} ({k}, {p})" for y, k, p in zip(same["year"], same["kind"], period,
                                                          strict=True)})
    return f"; the facts hold {indicator} for " + ", ".join(held)
