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
5. then the latest publication date of the document (``published`` in ``data/sources.yaml``),
   compared at the precision both dates are written with: a year-only ``2013`` ties with
   ``2013-01-07`` (neither is known to be later), and so does ``2013-01`` with it;
6. between documents published the same day (or tied so), the fact listed later in
   ``facts.csv``.

``evaluation check`` prints the same choice for every figure stated more than once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from evaluation import project
from evaluation.data.vocabulary import OPTIONAL_COLUMNS, period_months
from evaluation.errors import DataError, problem

# Kinds that measure the same thing: an estimate and an actual are both the outcome.
MEASURE = {"actual": "outcome", "estimate": "outcome", "target": "target", "plan": "plan"}
STATUS_ORDER = {"final": 0, "preliminary": 1, "estimate": 2}
RULE_TEXT = ("resolution rule (evaluation.data.resolve): a fact pinned by the edition wins; then "
             "final before preliminary before estimate; then the full year before part of it; "
             "then the action's own list before another scope; then the latest publication date "
             "(published in data/sources.yaml; a date given as a year only ties with any date "
             "in that year); then the fact listed later in facts.csv")
GROUP_KEYS = ("indicator", "year", "measure", "period", "scope")
STEPS = ("pinned", "status", "period", "scope", "published", "listed_later")
"""The rule's steps in order, as :func:`deciding_step` names them."""


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
    return facts.iloc[_ranked_rows(facts, indicator=indicator, year=year, kind=kind,
                                   period=period, scope=scope, pins=pins, role=role)]


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
    rows = _ranked_rows(facts, indicator=indicator, year=year, kind=kind, period=period,
                        scope=scope, pins=pins, role=role)
    if not rows:
        raise DataError(problems=[problem(
            project.current().facts_file, _asked(indicator, year, kind, period, scope),
            "no such fact" + _held(facts, indicator),
            "a fact with that indicator, year, kind, period and scope in facts.csv")])
    _refuse_same_document(facts, rows)
    return facts.iloc[rows[0]]


def resolve_or_none(facts: pd.DataFrame, *, indicator: str, year: int, kind: str = "actual",
                    period: str | None = "year", scope: str | None = None,
                    pins: Mapping[str, str] | None = None, role: str | None = None
                    ) -> pd.Series | None:
    """Like :func:`resolve`, but ``None`` when no fact answers the question."""
    rows = _ranked_rows(facts, indicator=indicator, year=year, kind=kind, period=period,
                        scope=scope, pins=pins, role=role)
    if not rows:
        return None
    _refuse_same_document(facts, rows)
    return facts.iloc[rows[0]]


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
    table = _with_optional_columns(facts)
    clash = table.duplicated(["indicator", "year", "kind", "period", "scope", "source_id"],
                             keep=False)
    if clash.any():
        _refuse_same_document(facts, np.flatnonzero(clash.to_numpy()).tolist())
    groups = table[["indicator", "year", "kind", "period", "scope"]].assign(
        measure=table["kind"].map(MEASURE)).drop(columns="kind")
    labels = groups.groupby(list(GROUP_KEYS), sort=False).ngroup().tolist()
    keys = _rule_keys(table, range(len(table)), _pinned_ids(facts, pins, keys=None),
                      groups=labels)
    best = sorted(range(len(table)), key=keys.__getitem__)
    first = ~groups.iloc[best].duplicated(list(GROUP_KEYS)).to_numpy()
    chosen = set(table["fact_id"].iloc[best][first])
    return facts[facts["fact_id"].isin(chosen)]


def deciding_step(facts: pd.DataFrame, rows: Sequence[int], *,
                  pins: Mapping[str, str] | None = None) -> list[str]:
    """For facts answering one question, the step of the rule that ranks each below the best.

    Parameters
    ----------
    facts
        Facts with a ``published`` column (or registered sources).
    rows
        Positions in ``facts`` of the facts of one indicator, year, measure, period and scope.
    pins
        The edition's pins.

    Returns
    -------
    list of str
        One of :data:`STEPS` per row: for the best fact, the step at which it beats the
        runner-up; for every other, the step at which the best beats it.
    """
    keys = _rule_keys(facts, rows, _pinned_ids(facts, pins, keys=None))
    order = sorted(range(len(rows)), key=keys.__getitem__)
    best = order[0]

    def step(a: int, b: int) -> str:
        return next((name for name, x, y in zip(STEPS, keys[a], keys[b], strict=True)
                     if x != y), STEPS[-1])

    return [step(best, order[1]) if len(rows) > 1 and i == best else step(best, i)
            for i in range(len(rows))]


def _ranked_rows(facts: pd.DataFrame, *, indicator: str, year: int, kind: str,
                 period: str | None, scope: str | None, pins: Mapping[str, str] | None,
                 role: str | None) -> list[int]:
    """Positions in ``facts`` of the facts answering the question, best first (see
    :func:`ranked`); on plain arrays, as it runs hundreds of times per report."""
    kinds = [k for k, m in MEASURE.items() if m == MEASURE.get(kind, kind)]
    mask = ((facts["indicator"].to_numpy() == indicator)
            & (facts["year"].to_numpy() == int(year)) & facts["kind"].isin(kinds).to_numpy())
    for column, wanted in (("period", period), ("scope", scope)):
        if wanted is not None and column in facts:
            mask &= facts[column].to_numpy() == wanted
        elif wanted is not None:
            mask &= OPTIONAL_COLUMNS[column] == wanted
    found = np.flatnonzero(mask)
    if not len(found):
        return []
    rows = found.tolist()
    keys = _rule_keys(facts, rows, _pinned_ids(facts, pins, keys=(role, indicator)))
    return [rows[i] for i in sorted(range(len(rows)), key=keys.__getitem__)]


def _with_optional_columns(facts: pd.DataFrame) -> pd.DataFrame:
    """``facts`` with every optional column (its default where the table lacks it)."""
    missing = {c: d for c, d in OPTIONAL_COLUMNS.items() if c not in facts}
    return facts.assign(**missing) if missing else facts


def _rule_keys(facts: pd.DataFrame, rows: Sequence[int], pinned: set[str],
               groups: Sequence[object] | None = None) -> list[tuple[object, ...]]:
    """One sort key per row position in ``rows``, best first: the rule of this module.

    Pinned first, then final before preliminary before estimate, more months of the year, the
    action's own list, the later publication date (:func:`comparable_dates`, within each of
    ``groups``: one label per row, all rows one group when None) and, last, the row listed
    later.
    """
    from evaluation.data.sources import default_sources, published_key

    fact_id, kind, status, period, scope = (_column(facts, name, rows) for name in (
        "fact_id", "kind", "status", "period", "scope"))
    if "published" in facts:
        published = [None if pd.isna(p) else str(p) for p in _column(facts, "published", rows)]
    else:
        dates = {k: s.published for k, s in default_sources().items()}
        published = [dates.get(str(k)) or None for k in _column(facts, "source_id", rows)]
    when = comparable_dates(
        [(0, 0, 0) if p is None else published_key(str(p)) for p in published],
        [0] * len(rows) if groups is None else groups)
    keys: list[tuple[object, ...]] = []
    for i, row in enumerate(rows):
        rank = STATUS_ORDER["estimate"] if kind[i] == "estimate" else STATUS_ORDER.get(
            str(status[i]), len(STATUS_ORDER))
        span = OPTIONAL_COLUMNS["period"] if pd.isna(period[i]) else str(period[i])
        date = when[i]
        keys.append((fact_id[i] not in pinned, rank, -period_months(span), scope[i] != "",
                     tuple(-part for part in date), -row))
    return keys


def comparable_dates(dates: Sequence[tuple[int, int, int]], groups: Sequence[object]
                     ) -> list[tuple[int, int, int]]:
    """Publication dates cut to the precision they can be compared at within each group.

    ``(year, month, day)`` with 0 for a part not written. Within one group (the facts answering
    one question), where some date of a year is written without its month, every date of that
    year is compared by its year alone; where some date of a month is written without its day,
    every date of that month by year and month. So ``2013`` ties with ``2013-01-07`` instead of
    sorting before it, and the rule's next step decides.

    Examples
    --------
    >>> comparable_dates([(2013, 0, 0), (2013, 1, 7), (2014, 1, 2)], [0, 0, 0])
    [(2013, 0, 0), (2013, 0, 0), (2014, 1, 2)]
    """
    years = {(g, d[0]) for g, d in zip(groups, dates, strict=True) if d[1] == 0}
    months = {(g, d[0], d[1]) for g, d in zip(groups, dates, strict=True) if d[2] == 0}
    out = []
    for group, (year, month, day) in zip(groups, dates, strict=True):
        if (group, year) in years:
            month, day = 0, 0
        elif (group, year, month) in months:
            day = 0
        out.append((year, month, day))
    return out


def _column(facts: pd.DataFrame, name: str, rows: Sequence[int]) -> list[object]:
    """Values of column ``name`` at positions ``rows`` (its default when optional and absent)."""
    if name not in facts:
        return [OPTIONAL_COLUMNS[name]] * len(rows)
    return facts[name].to_numpy()[list(rows)].tolist()


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


def _refuse_same_document(facts: pd.DataFrame, rows: Sequence[int]) -> None:
    """Raise when facts at positions ``rows`` include two from one document with the same
    indicator, year, kind, period and scope (no rule can choose between them)."""
    names = ["indicator", "year", "kind", "period", "scope", "source_id"]
    columns = [_column(facts, name, rows) for name in names]
    ids = _column(facts, "fact_id", rows)
    groups: dict[tuple[object, ...], list[str]] = {}
    for i in range(len(rows)):
        groups.setdefault(tuple(c[i] for c in columns), []).append(str(ids[i]))
    clashes = {key: found for key, found in groups.items() if len(found) > 1}
    if not clashes:
        return
    raise DataError(problems=[
        problem(project.current().facts_file, f"facts {sorted(found)}",
                f"two figures for {key[0]} {key[1]} ({key[2]}, period {key[3]}"
                f"{', scope ' + str(key[4]) if key[4] else ''}) in source {key[5]}",
                "one fact per indicator, year, kind, period and scope in each source")
        for key, found in sorted(clashes.items(), key=lambda item: str(item[0]))])


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
