"""The vintages section of ``evaluation check``: figures stated by more than one document.

Lists each indicator and year that two or more documents give (preliminary and final figures,
restatements), the pairs that disagree (intervals that do not overlap), and the rule by which an
analysis chooses between them (:mod:`evaluation.data.resolve`, the one every consumer uses).
"""

from __future__ import annotations

import pandas as pd

from evaluation.data.resolve import RULE_TEXT
from evaluation.data.sources import Source
from evaluation.data.vintages import disagreements, select, vintages

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
    groups = several.groupby(["indicator", "year", "measure", "period", "scope"], sort=True)
    out = [f"vintages: {groups.ngroups} indicator-years stated by more than one document"]
    for (indicator, year, measure, period, scope), group in groups:
        stated = " | ".join(f"{r.source_id} ({r.published}) {_number(r.value)} {r.unit} "
                            f"({r.kind}, {r.status}, {r.qualifier})"
                            + (" [used]" if r.fact_id in chosen else "")
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


def _number(x: float) -> str:
    return f"{x:.10g}"
