"""Which of the figures a computation needs the documents give for a year, and which are missing.

A computation that reads document figures (the effects model, the firm-tier calibration, the
SYNTHETIC panel's calibration) first lists what it needs by meaning - indicator, year, kind -
and asks the resolution rule (:mod:`evaluation.data.resolve`) for each. The answer is data: an
:class:`Availability` naming every input found (with the fact chosen) or missing, grouped in the
parts of the computation that need them. Reports word it ("cannot be computed for 2011: the
documents state no special fund, loans or financing for that year") in each language; the
computation runs only the parts whose inputs are all found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from evaluation.data.resolve import resolve_or_none

AVAILABILITY_COLUMNS = ("part", "role", "indicator", "year", "kind", "found", "fact_id")


@dataclass(frozen=True)
class Needed:
    """One figure a part of a computation needs: ``indicator`` of ``kind`` in ``year``.

    ``kinds`` lists the kinds that will do, best first (``("target", "plan")``: a target, else a
    plan); ``role`` is the computation's own name for the figure (``loan_balance``).
    """

    part: str
    role: str
    indicator: str
    year: int
    kinds: tuple[str, ...] = ("actual",)


@dataclass(frozen=True)
class Input:
    """A needed figure and the fact the resolution rule chose for it (``None``: missing)."""

    needed: Needed
    fact_id: str | None

    @property
    def found(self) -> bool:
        """Whether a fact answers the question."""
        return self.fact_id is not None


@dataclass(frozen=True)
class Availability:
    """What a computation needs for its years, found or missing, part by part.

    Attributes
    ----------
    subject
        What is computed (``effects_model``, ``synthetic_panel``): reports word it.
    year
        The year the computation is about (an edition's base year).
    parts
        The parts in the order they run; a part runs only when its inputs are all found and the
        parts it needs (``requires``) run too.
    inputs
        Every needed figure with the fact chosen for it, or none.
    requires
        ``{part: parts it needs}`` (projections need the base-year attribution).
    """

    subject: str
    year: int
    parts: tuple[str, ...]
    inputs: tuple[Input, ...]
    requires: Mapping[str, tuple[str, ...]]

    def missing(self, part: str | None = None) -> tuple[Needed, ...]:
        """The needed figures no fact answers (of ``part``, or of every part)."""
        return tuple(i.needed for i in self.inputs
                     if not i.found and (part is None or i.needed.part == part))

    def can(self, part: str) -> bool:
        """Whether ``part`` can be computed: its inputs are found and its required parts can."""
        if part not in self.parts:
            raise KeyError(f"{self.subject}: no part {part!r} (parts: {list(self.parts)})")
        return not self.missing(part) and all(self.can(p) for p in self.requires.get(part, ()))

    @property
    def complete(self) -> bool:
        """Every part can be computed."""
        return all(self.can(p) for p in self.parts)

    @property
    def computable(self) -> tuple[str, ...]:
        """The parts that can be computed."""
        return tuple(p for p in self.parts if self.can(p))

    @property
    def blocked(self) -> tuple[str, ...]:
        """The parts that cannot, because their inputs (or a part they need) are missing."""
        return tuple(p for p in self.parts if not self.can(p))

    def fact_ids(self) -> dict[str, str]:
        """``{role: fact id}`` of every input found."""
        return {i.needed.role: i.fact_id for i in self.inputs if i.fact_id is not None}

    @property
    def table(self) -> pd.DataFrame:
        """One row per needed figure: columns :data:`AVAILABILITY_COLUMNS`."""
        rows = [{"part": i.needed.part, "role": i.needed.role, "indicator": i.needed.indicator,
                 "year": i.needed.year, "kind": " or ".join(i.needed.kinds), "found": i.found,
                 "fact_id": i.fact_id or ""} for i in self.inputs]
        return pd.DataFrame(rows, columns=list(AVAILABILITY_COLUMNS))


def find_inputs(facts: pd.DataFrame, needed: Iterable[Needed], *,
                pins: Mapping[str, str] | None = None) -> tuple[Input, ...]:
    """Ask the resolution rule for every needed figure (full calendar year, any scope)."""
    out = []
    for need in needed:
        fact_id = None
        for kind in need.kinds:
            row = resolve_or_none(facts, indicator=need.indicator, year=need.year, kind=kind,
                                  pins=pins, role=need.role)
            if row is not None:
                fact_id = str(row["fact_id"])
                break
        out.append(Input(need, fact_id))
    return tuple(out)


def availability(facts: pd.DataFrame, *, subject: str, year: int, needed: Iterable[Needed],
                 requires: Mapping[str, tuple[str, ...]] | None = None,
                 pins: Mapping[str, str] | None = None) -> Availability:
    """The :class:`Availability` of ``needed`` in ``facts`` (parts in the order first needed)."""
    needed = list(needed)
    parts = tuple(dict.fromkeys(n.part for n in needed))
    return Availability(subject, int(year), parts, find_inputs(facts, needed, pins=pins),
                        dict(requires or {}))
