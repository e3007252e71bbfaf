"""The documents' own arithmetic: checks declared in ``data/checks.yaml``, run with intervals.

Each check relates two sides built from facts (a sum of terms, a ratio, an implied base) and is
evaluated three times: at the written point values, at the written precision of every figure
(qualifiers ignored), and at the full intervals (precision and qualifiers such as 近/余/以上).

Status
    ``consistent``: holds at written precision; ``consistent only within the qualifiers``: fails
    at written precision but holds once the qualifiers' intervals are used; ``inconsistent``:
    fails even then.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation import project
from evaluation.core.intervals import Interval
from evaluation.data.facts import default_facts, written_interval
from evaluation.data.resolve import resolve_or_none
from evaluation.data.vocabulary import written_scale
from evaluation.errors import DataError, Problem, problem
from evaluation.io import describe as describe_value
from evaluation.io import read_yaml_list

CONSISTENT = "consistent"
QUALIFIER_ONLY = "consistent only within the qualifiers"
INCONSISTENT = "inconsistent"
STATUSES = (CONSISTENT, QUALIFIER_ONLY, INCONSISTENT)
LEVELS = ("point", "written", "qualified")

COMMON_KEYS = {"id", "type", "description", "note", "assumption"}
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
def load_checks(path: str | Path | None = None, *, facts: pd.DataFrame | None = None
                ) -> list[Check]:
    """Read and validate ``data/checks.yaml``.

    Raises
    ------
    DataError
        One problem per bad entry: unknown type, unknown or missing key, unknown fact id, a bad
        term, bound or mode, a duplicate id, or units that do not fit the check type.
    """
    path = Path(path or project.current().checks_file)
    facts = default_facts() if facts is None else facts
    entries = read_yaml_list(path, "checks", items="checks")
    if _names_derived(entries):
        facts = with_derived(facts)
    if not entries:
        raise DataError(problems=[problem(path, "checks", "an empty list",
                                          "at least one check")])
    problems: list[Problem] = []
    checks: list[Check] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        check = _parse_check(entry, n, path, facts, problems)
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
                 problems: list[Problem]) -> Check | None:
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
    for key in ("description", "note", "assumption"):
        if key in entry and not isinstance(entry[key], str):
            problems.append(problem(path, f"{where}, key {key!r}", describe_value(entry[key]),
                                    "text"))
    if "mode" in entry and entry["mode"] not in GROWTH_MODES:
        problems.append(problem(path, f"{where}, key 'mode'", repr(entry["mode"]),
                                f"one of {', '.join(GROWTH_MODES)}"))
    expressions = {key: _parse_expression(entry[key], f"{where}, key {key!r}", path, facts,
                                          problems)
                   for key in entry if key in (required | optional) - NON_EXPRESSION_KEYS}
    bounds = _parse_bounds(entry["bounds"], f"{where}, key 'bounds'", path, facts, problems) \
        if "bounds" in entry else None
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


def _by_meaning(item: dict[str, Any], where: str, path: Path, facts: pd.DataFrame,
                problems: list[Problem]) -> str | None:
    """The id a term names by meaning: a stated fact (resolution rule) or a derived value."""
    year = item.get("year")
    if isinstance(year, bool) or not isinstance(year, int):
        problems.append(problem(path, where, f"year {year!r}", "a year (a whole number)"))
        return None
    stated = facts[facts["qualifier"] != DERIVED]
    if "derived" in item:
        wanted = f"{item['derived']}_{year}"
        if wanted not in set(derived_figures(stated)["fact_id"]):
            problems.append(problem(path, where, f"derived {item['derived']!r} for {year}",
                                    "a derivation of data/derivations.yaml evaluated for that "
                                    "year (its inputs stated)"))
            return None
        return wanted
    period = item.get("period", "year")
    row = resolve_or_none(stated, indicator=str(item["indicator"]), year=year,
                          kind=str(item.get("kind", "actual")), period=period,
                          scope=item.get("scope"))
    if row is None:
        problems.append(problem(path, where, f"no fact for {item['indicator']} {year} "
                                f"({item.get('kind', 'actual')}, period {period})",
                                "a stated figure with that meaning in data/facts.csv"))
        return None
    return str(row["fact_id"])


def _parse_expression(raw: Any, where: str, path: Path, facts: pd.DataFrame,
                      problems: list[Problem]) -> tuple[Term, ...]:
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
                fact_id = _by_meaning(item, where, path, facts, problems)
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
                  problems: list[Problem]) -> tuple[float | str | None, float | str | None] | None:
    if not isinstance(raw, list) or len(raw) != 2:
        problems.append(problem(path, where, repr(raw),
                                "a list [low, high] of numbers, fact ids or null"))
        return None
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


def derived_figures(facts: pd.DataFrame) -> pd.DataFrame:
    """The values of ``data/derivations.yaml`` as rows shaped like facts.

    ``fact_id`` is the derived id (``<derivation>_<year>``), ``point`` and ``value`` the derived
    value, ``low``/``high`` its interval, ``quote`` its formula with the inputs' quotes.
    """
    from evaluation.analysis.derivations import implied_values

    implied = implied_values(facts)
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


def with_derived(facts: pd.DataFrame) -> pd.DataFrame:
    """``facts`` and the derived values (:func:`derived_figures`), indexed by id."""
    derived = derived_figures(facts)
    if derived.empty:
        return facts
    return pd.concat([facts, derived.set_index("fact_id", drop=False)])


# --------------------------------------------------------------------------- evaluation
def fact_intervals(facts: pd.DataFrame) -> dict[str, dict[str, Interval]]:
    """Each fact's interval at the three levels.

    Notes
    -----
    ``point``: the written value (a range's midpoint); ``written``: the written precision only,
    as if the figure were exact (``[v - u/2, v + u/2]``, counts exact; a range stays a range);
    ``qualified``: the fact's full interval (precision and qualifier).
    """
    levels: dict[str, dict[str, Interval]] = {level: {} for level in LEVELS}
    derived = set(facts["fact_id"][facts["qualifier"] == DERIVED])
    for row in facts.itertuples(index=False):
        levels["point"][row.fact_id] = Interval.point(row.point)
        levels["qualified"][row.fact_id] = Interval(row.low, row.high)
        if row.qualifier == "range" or row.fact_id in derived:
            levels["written"][row.fact_id] = Interval(row.low, row.high)
        else:
            scale = written_scale(row.quote, row.value_text, row.unit)
            levels["written"][row.fact_id] = written_interval(
                row.value, int(row.decimals), unit=row.unit, qualifier="exact", scale=scale)
    return levels


def _total(terms: tuple[Term, ...], values: Mapping[str, Interval]) -> Interval:
    result = Interval.point(0.0)
    for term in terms:
        result = result + values[term.fact_id] * term.times
    return result


def _bound(bound: float | str | None, values: Mapping[str, Interval], *, upper: bool) -> float:
    if bound is None:
        return math.inf if upper else -math.inf
    if isinstance(bound, str):
        iv = values[bound]
        return iv.high if upper else iv.low
    return float(bound)


# Each evaluator returns (left side, right side, relation) at one level of precision.
Evaluator = Callable[[Check, Mapping[str, Interval]], tuple[Interval, Interval, str]]


def _sides_parts_sum(check: Check, v: Mapping[str, Interval]) -> tuple[Interval, Interval, str]:
    return _total(check.expressions["parts"], v), _total(check.expressions["total"], v), "equal"


def _sides_ratio(check: Check, v: Mapping[str, Interval]) -> tuple[Interval, Interval, str]:
    e = check.expressions
    return 100 * _total(e["numerator"], v) / _total(e["denominator"], v), _total(e["percent"], v), \
        "equal"


def _sides_growth_base(check: Check, v: Mapping[str, Interval]) -> tuple[Interval, Interval, str]:
    e = check.expressions
    value, growth = _total(e["value"], v), _total(e["growth"], v)
    implied = value / (1 + growth / 100) if check.mode == "percent" else value - growth
    if "base" in e:
        return implied, _total(e["base"], v), "equal"
    low, high = check.bounds or (None, None)
    return implied, Interval(_bound(low, v, upper=False), _bound(high, v, upper=True)), "equal"


def _sides_at_most(check: Check, v: Mapping[str, Interval]) -> tuple[Interval, Interval, str]:
    e = check.expressions
    part = e["part"] if "part" in e else e["parts"]
    return _total(part, v), _total(e["whole"], v), "at_most"


def _sides_range(check: Check, v: Mapping[str, Interval]) -> tuple[Interval, Interval, str]:
    low, high = check.bounds or (None, None)
    return _total(check.expressions["value"], v), \
        Interval(_bound(low, v, upper=False), _bound(high, v, upper=True)), "equal"


EVALUATORS: dict[str, Evaluator] = {
    "parts_sum": _sides_parts_sum, "ratio": _sides_ratio, "growth_base": _sides_growth_base,
    "subset": _sides_at_most, "count_le": _sides_at_most, "range": _sides_range,
}


def gap(left: Interval, right: Interval, relation: str) -> float:
    """Signed size by which the relation fails (0 when it can hold).

    Notes
    -----
    ``equal`` (the sides must share a value): ``left.high - right.low`` when ``left`` lies wholly
    below (negative), ``left.low - right.high`` when wholly above (positive), else 0.
    ``at_most`` (``left <= right`` for some values): ``max(0, left.low - right.high)``.
    """
    if relation == "at_most":
        return max(0.0, left.low - right.high)
    if left.high < right.low:
        return left.high - right.low
    if left.low > right.high:
        return left.low - right.high
    return 0.0


def classify(gap_written: float, gap_qualified: float) -> str:
    """Status from the gaps at written precision and with qualifiers (see module docstring)."""
    if gap_written == 0:
        return CONSISTENT
    if gap_qualified == 0:
        return QUALIFIER_ONLY
    return INCONSISTENT


def run_audit(checks: list[Check] | None = None, facts: pd.DataFrame | None = None
              ) -> pd.DataFrame:
    """Evaluate every check.

    Returns
    -------
    pandas.DataFrame
        One row per check: ``check_id``, ``type``, ``description``, ``relation`` (with the
        written values), ``status``, ``left_point``/``right_point`` and the qualified intervals
        of both sides, ``gap_point`` (signed, at written values), ``gap_point_pct`` (of the right
        side), ``gap_written``, ``gap_qualified``, ``gap_unit``, ``note``, ``assumption``,
        ``fact_ids`` and ``quotes``.
    """
    facts = default_facts() if facts is None else facts
    checks = load_checks(facts=facts) if checks is None else checks
    if any(fid not in facts.index for check in checks for fid in check.fact_ids):
        facts = with_derived(facts)  # a check names a derived value
    levels = fact_intervals(facts)
    rows = []
    for check in checks:
        sides = {level: EVALUATORS[check.type](check, levels[level]) for level in LEVELS}
        gaps = {level: gap(*sides[level]) for level in LEVELS}
        (lp, rp, _), (lq, rq, _) = sides["point"], sides["qualified"]
        right_point = rp.mid if rp.low == rp.high else math.nan
        stated = _stated_ids(check, facts)
        rows.append({
            "check_id": check.id, "type": check.type, "description": check.description,
            "relation": describe(check, facts), "status": classify(gaps["written"],
                                                                   gaps["qualified"]),
            "left_point": lp.mid, "right_point": right_point,
            "left_low": lq.low, "left_high": lq.high, "right_low": rq.low, "right_high": rq.high,
            "gap_point": gaps["point"],
            "gap_point_pct": 100 * gaps["point"] / right_point if right_point else math.nan,
            "gap_written": gaps["written"], "gap_qualified": gaps["qualified"],
            "gap_unit": _gap_unit(check, facts),
            "note": check.note, "assumption": check.assumption,
            "fact_ids": ";".join(stated),
            "quotes": " | ".join(f"{fid}: “{facts.loc[fid, 'quote']}”" for fid in stated),
        })
    return pd.DataFrame(rows)


def _stated_ids(check: Check, facts: pd.DataFrame) -> list[str]:
    """The stated facts a check reads: a derived value stands for the facts it is derived from
    (reports cite documents, not derived ids)."""
    ids: list[str] = []
    for fid in check.fact_ids:
        row = facts.loc[fid]
        derived = row["qualifier"] == DERIVED
        ids += str(row["inputs"]).split(";") if derived else [fid]
    return list(dict.fromkeys(ids))


def _gap_unit(check: Check, facts: pd.DataFrame) -> str:
    """Unit of a check's gap: percentage points for a ratio, else the compared figures' unit."""
    if check.type == "ratio":
        return "percentage_points"
    key = next(k for k in ("total", "whole", "base", "value") if k in check.expressions)
    return str(facts.loc[check.expressions[key][0].fact_id, "unit"])


# --------------------------------------------------------------------------- wording
def _written(fact_id: str, facts: pd.DataFrame) -> str:
    row = facts.loc[fact_id]
    prefix = {"more_than": ">", "at_least": "≥", "odd": "", "nearly": "近", "about": "约",
              DERIVED: "≈"}
    suffix = {"odd": "余"}
    text = f"{row['point']:g}" if row["qualifier"] != "range" else \
        f"{row['value']:g}–{row['value_high']:g}"
    text = f"{prefix.get(row['qualifier'], '')}{text}{suffix.get(row['qualifier'], '')}"
    return text + ("%" if row["unit"] == "percent" else "")


def _expression_text(terms: tuple[Term, ...], facts: pd.DataFrame) -> str:
    return " + ".join((f"{t.times:g}×" if t.times != 1 else "") + _written(t.fact_id, facts)
                      for t in terms)


def describe(check: Check, facts: pd.DataFrame) -> str:
    """The relation with the written figures, e.g. ``66 + 35 = 101`` or ``21 ≤ 40``."""
    e = {key: _expression_text(terms, facts) for key, terms in check.expressions.items()}
    bounds = ""
    if check.bounds is not None:
        low, high = (("−∞", "∞")[i] if b is None else
                     (_written(b, facts) if isinstance(b, str) else f"{b:g}")
                     for i, b in enumerate(check.bounds))
        bounds = f"[{low}, {high}]"
    if check.type == "parts_sum":
        return f"{e['parts']} = {e['total']}"
    if check.type == "ratio":
        num, den = (f"({e[k]})" if len(check.expressions[k]) > 1 else e[k]
                    for k in ("numerator", "denominator"))
        return f"{num} / {den} vs stated {e['percent']}"
    if check.type in ("subset", "count_le"):
        return f"{e.get('part', e.get('parts'))} ≤ {e['whole']}"
    if check.type == "range":
        return f"{e['value']} in {bounds}"
    implied = f"{e['value']} / (1 + {e['growth']})" if check.mode == "percent" \
        else f"{e['value']} − {e['growth']}"
    return f"{implied} = {e['base']}" if "base" in e else f"{implied} in {bounds}"
