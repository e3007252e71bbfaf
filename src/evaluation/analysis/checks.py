"""The audit's checks file (``data/checks.yaml``): loading and validating each declared relation.

A term names a figure by fact id, by meaning (indicator, year, kind, period, scope: the stated
figure the resolution rule picks) or as a derived value of ``data/derivations.yaml`` (its
interval carried through). Bad entries are one-line problems naming the check and the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.data.edition import EditionContext
from evaluation.errors import DataError, Problem, problem
from evaluation.io import describe as describe_value
from evaluation.io import read_yaml_list

COMMON_KEYS = {"id", "type", "description", "description_zh", "note", "assumption"}
# type -> (required keys, optional keys); every key except bounds/mode holds an expression.
CHECK_TYPES: dict[str, tuple[set[str], set[str]]] = {
    "parts_sum": ({"parts", "total"}, set()),
    "ratio": ({"numerator", "denominator", "percent"}, set()),
    "growth_base": ({"value", "growth", "mode"}, {"base", "bounds"}),
    "subset": ({"part", "whole"}, set()),
    "count_le": ({"parts", "whole"}, set()),
    "range": ({"value", "bounds"}, set()),
}
GROWTH_MODES = ("percent", "absolute")
NON_EXPRESSION_KEYS = {"bounds", "mode"}


@dataclass(frozen=True)
class Term:
    """``times × fact``: one term of a sum."""

    fact_id: str
    times: float = 1.0


@dataclass(frozen=True)
class Check:
    """One declared relation between facts."""

    id: str
    type: str
    description: str
    expressions: Mapping[str, tuple[Term, ...]]
    bounds: tuple[float | str | None, float | str | None] | None = None
    mode: str | None = None
    note: str = ""
    assumption: str = ""
    fact_ids: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- loading
def load_checks(edition: EditionContext, path: str | Path | None = None) -> list[Check]:
    """Read and validate the checks file (default: the edition's project's ``data/checks.yaml``).

    A term named by meaning is the figure the edition's resolution (its pins applied) picks.

    Raises
    ------
    DataError
        One problem per bad entry: unknown type, unknown or missing key, unknown fact id, a bad
        term, bound or mode, a duplicate id, or units that do not fit the check type.
    """
    path = Path(path or edition.project.checks_file)
    facts = edition.facts
    entries = read_yaml_list(path, "checks", items="checks")
    if _names_derived(entries):
        facts = with_derived(edition)
    if not entries:
        raise DataError(problems=[problem(path, "checks", "an empty list",
                                          "at least one check")])
    problems: list[Problem] = []
    checks: list[Check] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        check = _parse_check(entry, n, path, facts, problems, edition)
        if check is None:
            continue
        if check.id in seen:
            problems.append(problem(path, f"check {check.id!r}, key 'id'", "a duplicate id",
                                    "unique check ids"))
        seen.add(check.id)
        checks.append(check)
    if problems:
        raise DataError(problems=problems)
    return checks


def _names_derived(entries: list[Any]) -> bool:
    """Whether a term of any check names a derived value (``{derived: ..., year: ...}``)."""
    def terms(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    return any(isinstance(term, dict) and "derived" in term
               for entry in entries if isinstance(entry, dict)
               for value in entry.values() for term in terms(value))


def _parse_check(entry: Any, n: int, path: Path, facts: pd.DataFrame,
                 problems: list[Problem], edition: EditionContext) -> Check | None:
    if not isinstance(entry, dict):
        problems.append(problem(path, f"check #{n}", type(entry).__name__, "a mapping"))
        return None
    check_id = entry.get("id")
    if not isinstance(check_id, str) or not check_id:
        problems.append(problem(path, f"check #{n}, key 'id'", repr(check_id), "a non-empty id"))
        return None
    where = f"check {check_id!r}"
    kind = entry.get("type")
    if kind not in CHECK_TYPES:
        problems.append(problem(path, f"{where}, key 'type'", repr(kind),
                                f"one of {', '.join(CHECK_TYPES)}"))
        return None
    required, optional = CHECK_TYPES[kind]
    before = len(problems)
    for key in sorted(required - entry.keys()):
        problems.append(problem(path, f"{where}, key {key!r}", "nothing",
                                f"a value (a {kind} check needs {', '.join(sorted(required))})"))
    for key in sorted(entry.keys() - required - optional - COMMON_KEYS):
        problems.append(problem(path, f"{where}, key {key!r}", "an unknown key",
                                f"one of {', '.join(sorted(required | optional | COMMON_KEYS))}"))
    if kind == "growth_base" and ("base" in entry) == ("bounds" in entry):
        problems.append(problem(path, f"{where}, keys 'base'/'bounds'",
                                "both" if "base" in entry else "neither",
                                "exactly one: the stated base, or bounds when it is not stated"))
    for key in ("description", "description_zh", "note", "assumption"):
        if key in entry and not isinstance(entry[key], str):
            problems.append(problem(path, f"{where}, key {key!r}", describe_value(entry[key]),
                                    "text"))
    if "mode" in entry and entry["mode"] not in GROWTH_MODES:
        problems.append(problem(path, f"{where}, key 'mode'", repr(entry["mode"]),
                                f"one of {', '.join(GROWTH_MODES)}"))
    expressions = {key: _parse_expression(entry[key], f"{where}, key {key!r}", path, facts,
                                          problems, edition)
                   for key in entry if key in (required | optional) - NON_EXPRESSION_KEYS}
    bounds = _parse_bounds(entry["bounds"], f"{where}, key 'bounds'", path, facts, problems,
                           edition) if "bounds" in entry else None
    if len(problems) > before:
        return None
    if kind == "count_le":
        _require_unit(expressions, "count", where, path, facts, problems)
    if kind == "parts_sum":
        units = set(facts.loc[[t.fact_id for t in expressions["total"]], "unit"])
        _require_unit({"parts": expressions["parts"]}, units.pop(), where, path, facts, problems)
    if len(problems) > before:
        return None
    fact_ids = tuple(dict.fromkeys(
        [t.fact_id for terms in expressions.values() for t in terms]
        + [b for b in (bounds or ()) if isinstance(b, str)]))
    return Check(id=check_id, type=kind, description=str(entry.get("description", "")),
                 expressions=expressions, bounds=bounds, mode=entry.get("mode"),
                 note=str(entry.get("note", "")), assumption=str(entry.get("assumption", "")),
                 fact_ids=fact_ids)


MEANING_KEYS = {"indicator", "year", "kind", "period", "scope"}
TERM_FORMS = ("a fact id; {fact, times}; {indicator, year, kind, period, scope, times} (a stated "
              "figure chosen by the resolution rule); or {derived, year, times} (a value of "
              "data/derivations.yaml)")


def _by_meaning(item: dict[str, Any], where: str, path: Path, problems: list[Problem],
                edition: EditionContext) -> str | None:
    """The id a term names by meaning: a stated fact (the edition's resolution, its pins
    applied) or a derived value."""
    year = item.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        problems.append(problem(path, where, f"year {year!r}", "a year (a whole number)"))
        return None
    if "derived" in item:
        wanted = f"{item['derived']}_{year}"
        if wanted not in set(derived_figures(edition)["fact_id"]):
            problems.append(problem(path, where, f"derived {item['derived']!r} for {year}",
                                    "a derivation of data/derivations.yaml evaluated for that "
                                    "year (its inputs stated)"))
            return None
        return wanted
    period = item.get("period", "year")
    row = edition.resolve_or_none(indicator=str(item["indicator"]), year=year,
                                  kind=str(item.get("kind", "actual")), period=period,
                                  scope=item.get("scope"))
    if row is None:
        problems.append(problem(path, where, f"no fact for {item['indicator']} {year} "
                                f"({item.get('kind', 'actual')}, period {period})",
                                "a stated figure with that meaning in data/facts.csv"))
        return None
    return str(row["fact_id"])


def _parse_expression(raw: Any, where: str, path: Path, facts: pd.DataFrame,
                      problems: list[Problem], edition: EditionContext) -> tuple[Term, ...]:
    """A term or a list of terms (summed); each term is one of :data:`TERM_FORMS`."""
    items = raw if isinstance(raw, list) else [raw]
    terms = []
    if not items:
        problems.append(problem(path, where, "an empty list", "at least one fact id"))
    for item in items:
        fact_id, times = (item.get("fact"), item.get("times", 1)) if isinstance(item, dict) \
            else (item, 1)
        if isinstance(item, dict):
            keys = set(item) - {"times"}
            forms = ({"fact"}, {"derived", "year"})
            if keys not in forms and not ({"indicator", "year"} <= keys <= MEANING_KEYS):
                problems.append(problem(path, where, f"keys {sorted(item)}", TERM_FORMS))
                continue
            if keys != {"fact"}:
                fact_id = _by_meaning(item, where, path, problems, edition)
                if fact_id is None:
                    continue
        if not isinstance(fact_id, str) or fact_id not in facts.index:
            problems.append(problem(path, where, f"fact id {fact_id!r}",
                                    "a fact_id present in data/facts.csv"))
            continue
        if (isinstance(times, bool) or not isinstance(times, int | float)
                or not math.isfinite(times)):
            problems.append(problem(path, where, f"times {times!r}", "a finite number"))
            continue
        terms.append(Term(fact_id, float(times)))
    return tuple(terms)


def _parse_bounds(raw: Any, where: str, path: Path, facts: pd.DataFrame,
                  problems: list[Problem], edition: EditionContext
                  ) -> tuple[float | str | None, float | str | None] | None:
    """``[low, high]``: each a number, ``null``, a fact id or a figure by meaning (its id)."""
    if not isinstance(raw, list) or len(raw) != 2:
        problems.append(problem(path, where, repr(raw),
                                "a list [low, high] of numbers, fact ids, figures by meaning "
                                "or null"))
        return None
    by_meaning = [isinstance(b, dict) and {"indicator", "year"} <= set(b) <= MEANING_KEYS
                  for b in raw]
    raw = [_by_meaning(b, where, path, problems, edition) if named else b
           for b, named in zip(raw, by_meaning, strict=True)]
    if any(named and b is None for b, named in zip(raw, by_meaning, strict=True)):
        return None  # the term names no figure (a problem says so)
    for bound in raw:
        if isinstance(bound, str) and bound not in facts.index:
            problems.append(problem(path, where, f"fact id {bound!r}",
                                    "a fact_id present in data/facts.csv"))
        elif not (bound is None or isinstance(bound, str)
                  or (isinstance(bound, int | float) and not isinstance(bound, bool)
                      and math.isfinite(bound))):
            problems.append(problem(path, where, repr(bound),
                                    "a finite number, a fact id or null (no bound)"))
    values = [facts.loc[b, "value"] if isinstance(b, str) and b in facts.index else b
              for b in raw]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values) \
            and float(values[0]) > float(values[1]):
        problems.append(problem(path, where, f"low {raw[0]!r} above high {raw[1]!r}",
                                "[low, high] with low <= high"))
    return raw[0], raw[1]


def _require_unit(expressions: Mapping[str, tuple[Term, ...]], unit: str, where: str, path: Path,
                  facts: pd.DataFrame, problems: list[Problem]) -> None:
    for key, terms in expressions.items():
        for term in terms:
            found = facts.loc[term.fact_id, "unit"]
            if found != unit:
                problems.append(problem(path, f"{where}, key {key!r}",
                                        f"{term.fact_id} in unit {found!r}", f"unit {unit!r}"))


DERIVED = "derived"
"""The qualifier of a derived value among the audit's figures (its interval is carried
through from the stated figures: the same at written precision and with qualifiers)."""


def derived_figures(edition: EditionContext) -> pd.DataFrame:
    """The values of ``data/derivations.yaml`` for the edition's facts, as rows shaped like facts.

    ``fact_id`` is the derived id (``<derivation>_<year>``), ``point`` and ``value`` the derived
    value, ``low``/``high`` its interval, ``quote`` its formula with the inputs' quotes.
    """
    from evaluation.analysis.derivations import implied_values

    facts = edition.facts
    implied = implied_values(edition)
    rows = [{"fact_id": r["derived_id"], "source_id": "", "year": int(r["year"]),
             "kind": r["kind"], "indicator": r["indicator"], "value": r["value"],
             "value_high": math.nan, "unit": r["unit"], "qualifier": DERIVED,
             "value_text": "", "quote": f"{r['formula']} ({r['quotes']})",
             "period": r["period"], "status": "final", "scope": "", "low": r["low"],
             "high": r["high"], "decimals": 0, "point": r["value"],
             "inputs": str(r["fact_ids"])}
            for _, r in implied.iterrows()]
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*facts.columns, *rows[0]]))
                        if rows else facts.columns)


def with_derived(edition: EditionContext) -> pd.DataFrame:
    """The edition's facts and the derived values (:func:`derived_figures`), indexed by id."""
    derived = derived_figures(edition)
    if derived.empty:
        return edition.facts
    return pd.concat([edition.facts, derived.set_index("fact_id", drop=False)])
