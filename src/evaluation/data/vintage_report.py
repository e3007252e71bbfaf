"""The vintages section of ``evaluation check``: figures stated by more than one document.

Lists each indicator and year that two or more documents give (preliminary and final figures,
restatements), the pairs that disagree (intervals that do not overlap), and the rule by which an
analysis chooses between them (:mod:`evaluation.data.resolve`, the one every consumer uses).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from evaluation.data.resolve import RULE_TEXT, ranked
from evaluation.data.sources import Source
from evaluation.data.vintages import disagreements, select, vintages
from evaluation.errors import DataError, problem

RULE = "latest"


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
