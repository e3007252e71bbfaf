"""The documents' own arithmetic: the checks of ``data/checks.yaml`` (:mod:`.checks`), run with
intervals.

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

import pandas as pd

from evaluation.analysis.checks import DERIVED, Check, Term, load_checks, with_derived
from evaluation.core.intervals import Interval
from evaluation.data.edition import EditionContext
from evaluation.data.facts import written_interval
from evaluation.data.vocabulary import written_scale

CONSISTENT = "consistent"
QUALIFIER_ONLY = "consistent only within the qualifiers"
INCONSISTENT = "inconsistent"
STATUSES = (CONSISTENT, QUALIFIER_ONLY, INCONSISTENT)
LEVELS = ("point", "written", "qualified")

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


def run_audit(edition: EditionContext, checks: list[Check] | None = None) -> pd.DataFrame:
    """Evaluate every check (default: the edition's checks file) on the edition's facts.

    Returns
    -------
    pandas.DataFrame
        One row per check: ``check_id``, ``type``, ``description``, ``relation`` (with the
        written values), ``status``, ``left_point``/``right_point`` and the qualified intervals
        of both sides, ``gap_point`` (signed, at written values), ``gap_point_pct`` (of the right
        side), ``gap_written``, ``gap_qualified``, ``gap_unit``, ``note``, ``assumption``,
        ``fact_ids`` and ``quotes``.
    """
    facts = edition.facts
    checks = load_checks(edition) if checks is None else checks
    if any(fid not in facts.index for check in checks for fid in check.fact_ids):
        facts = with_derived(edition)  # a check names a derived value
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
    """The relation with the written figures in mathematical notation (no words, so it reads
    the same on every page), e.g. ``66 + 35 = 101``, ``21 ≤ 40``, ``3000余 / 近7000 ≥ 44%``."""
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
        stated = e["percent"]  # "85.34%", or with its qualifier such as "≥44%"
        sign = stated[0] if stated[:1] in ("≥", "≤", ">", "<") else "="
        return f"{num} / {den} {sign} {stated.removeprefix(sign)}"
    if check.type in ("subset", "count_le"):
        return f"{e.get('part', e.get('parts'))} ≤ {e['whole']}"
    if check.type == "range":
        return f"{e['value']} ∈ {bounds}"
    implied = f"{e['value']} / (1 + {e['growth']})" if check.mode == "percent" \
        else f"{e['value']} − {e['growth']}"
    return f"{implied} = {e['base']}" if "base" in e else f"{implied} ∈ {bounds}"
