"""The vintages section of ``evaluation check``: figures stated by more than one document.

Lists each indicator and year that two or more documents give (preliminary and final figures,
restatements), the pairs that disagree (intervals that do not overlap), and the rule by which an
analysis chooses between them (:mod:`evaluation.data.resolve`, the one every consumer uses).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from evaluation.data.resolve import RULE_TEXT, deciding_step, ranked
from evaluation.data.sources import Source
from evaluation.data.vintages import disagreements, select, vintages
from evaluation.errors import DataError, problem

RULE = "latest"
CONFLICT_COLUMNS = ("indicator", "year", "measure", "period", "scope", "fact_id", "source_id",
                    "doc_type", "published", "kind", "status", "value", "value_high", "unit",
                    "qualifier", "used", "why")


def conflicts(facts: pd.DataFrame, *, sources: dict[str, Source],
              pins: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Every figure stated by more than one document: each statement, the one used and why.

    Parameters
    ----------
    facts
        Output of :func:`evaluation.data.facts.load_facts`.
    sources
        The registry (document types and publication dates).
    pins
        The edition's pins.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CONFLICT_COLUMNS`, one row per statement, grouped by indicator, year,
        measure, period and scope (earliest vintage first); ``used`` marks the statement the
        rule (:mod:`evaluation.data.resolve`) chooses; ``why`` is the rule's step
        (:data:`evaluation.data.resolve.STEPS`) at which the used one beats this one (for the
        used one, the step at which it beats the runner-up).
    """
    table = vintages(facts, sources=sources)
    several = table[table["n_vintages"] > 1].reset_index(drop=True)
    dated = facts.assign(published=facts["source_id"].map(
        {k: s.published for k, s in sources.items()}))
    position = {fid: i for i, fid in enumerate(dated["fact_id"])}
    chosen = set(select(facts, rule=RULE, sources=sources, pins=dict(pins or {}))["fact_id"])
    why = pd.Series("", index=several.index, dtype=object)
    for _, group in several.groupby(["indicator", "year", "measure", "period", "scope"],
                                    sort=False):
        rows = [position[fid] for fid in group["fact_id"]]
        why[group.index] = deciding_step(dated, rows, pins=pins)
    return several.assign(
        doc_type=several["source_id"].map({k: s.doc_type for k, s in sources.items()}),
        used=several["fact_id"].isin(chosen), why=why)[list(CONFLICT_COLUMNS)]


def vintage_lines(facts: pd.DataFrame, *, sources: dict[str, Source],
                  pins: dict[str, str] | None = None) -> list[str]:
    """Printable lines: vintages, disagreements and the stated selection rule.

    Raises
    ------
    DataError
        When one document gives two facts for the same indicator, year and kind (no rule can
        choose between them).
    """
    table = vintages(facts, sources=sources)
    several = table[table["n_vintages"] > 1]
    chosen = set(select(facts, rule=RULE, sources=sources, pins=pins)["fact_id"])
    pinned = set((pins or {}).values()) & chosen
    groups = several.groupby(["indicator", "year", "measure", "period", "scope"], sort=True)
    out = [f"vintages: {groups.ngroups} indicator-years stated by more than one document"]
    for (indicator, year, measure, period, scope), group in groups:
        stated = " | ".join(f"{r.source_id} ({r.published}) {_number(r.value)} {r.unit} "
                            f"({r.kind}, {r.status}, {r.qualifier})"
                            + (" [used, pinned]" if r.fact_id in pinned else
                               " [used]" if r.fact_id in chosen else "")
                            for r in group.itertuples())
        span = "" if period == "year" else f" {period}"
        where = f" scope {scope}" if scope else ""
        out.append(f"  {indicator} {year}{span}{where} {measure}: {stated}")
    clash = disagreements(facts, sources=sources)
    out.append(f"disagreements: {len(clash)} (the written intervals do not overlap)")
    out += [f"  {r.indicator} {r.year} ({r.kind}): {r.source_id_a} {_number(r.value_a)} vs "
            f"{r.source_id_b} {_number(r.value_b)} {r.unit}, difference {_number(r.difference)}"
            f", smallest revision consistent with both texts {_number(r.gap)}"
            for r in clash.itertuples()]
    out.append(RULE_TEXT)
    return out


def pin_lines(facts: pd.DataFrame, pins: Mapping[str, str] | None, *, edition: str,
              path: str | Path) -> list[str]:
    """Printable lines: each pin of an edition, the fact it chooses and the rule's own choice.

    Raises
    ------
    DataError
        A pin that is not ``role or indicator -> fact id`` of a fact in the table (one line
        each, naming the edition file and the pin).
    """
    pins = dict(pins or {})
    problems = [problem(path, f"pins {key!r}", repr(fid), "a fact id present in facts.csv")
                for key, fid in pins.items() if str(fid) not in set(facts["fact_id"])]
    if problems:
        raise DataError(problems=problems)
    out = [f"pins of edition {edition}: {len(pins) or 'none'}"
           + ("" if pins else " (every figure chosen by the rule)")]
    for key, fid in sorted(pins.items()):
        row = facts[facts["fact_id"] == fid].iloc[0]
        rule = ranked(facts, indicator=str(row["indicator"]), year=int(row["year"]),
                      kind=str(row["kind"]), period=str(row["period"]), scope=str(row["scope"]))
        best = str(rule.iloc[0]["fact_id"]) if len(rule) else fid
        verdict = ("the rule's choice too" if best == fid else f"the rule would choose {best}")
        out.append(f"  {key} -> {fid} ({row['indicator']} {row['year']} {row['kind']}, "
                   f"{row['status']}): {verdict}")
    return out


def _number(x: float) -> str:
    return f"{x:.10g}"
