"""Derived values declared as data (``data/derivations.yaml``), evaluated with intervals.

A derivation names its inputs by meaning (indicator, kind, period) and is evaluated for every
year where they are all stated; each input is the figure :func:`evaluation.data.resolve.resolve`
picks, so a new document changes the inputs without a change of code.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation import project
from evaluation.cache import reloaded_on_change
from evaluation.core.intervals import Interval
from evaluation.data.edition import EditionContext
from evaluation.data.facts import default_indicators
from evaluation.data.sources import read_yaml_list
from evaluation.data.vocabulary import KINDS, UNITS
from evaluation.errors import DataError, Problem, problem

KEYS = {"id", "label", "formula", "unit", "expression", "inputs", "kinds", "periods",
        "year_offset", "result"}
REQUIRED = ("id", "label", "formula", "unit", "expression", "inputs")
INPUT_KEYS = {"indicator", "kind", "period"}
RESULT_KEYS = {"indicator", "kind", "period"}
PERIOD_CHOICES = ("year", "lifetime", "any")
COLUMNS = ("derived_id", "derivation", "label", "year", "unit", "value", "low", "high", "formula",
           "fact_ids", "quotes", "derived", "kind", "period", "indicator")
KEY = ("derivation", "year", "kind", "period")
"""What identifies an implied value: consumers look values up by these columns (:func:`find`),
never by parsing ``derived_id``."""
_OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv}


@dataclass(frozen=True)
class Input:
    """One input of a derivation: a figure asked for by meaning."""

    indicator: str
    kind: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class Derivation:
    """A value implied by stated figures (one entry of ``data/derivations.yaml``)."""

    id: str
    label: str | Mapping[str, str]
    formula: str | Mapping[str, str]
    unit: str
    expression: str
    inputs: Mapping[str, Input]
    kinds: tuple[str, ...] = ("actual",)
    periods: str = "year"
    year_offset: int = 0
    result: Mapping[str, str] | None = None

    def evaluate(self, values: Mapping[str, float | Interval]) -> float | Interval:
        """The expression on floats or :class:`Interval` values (interval arithmetic)."""
        return _evaluate(ast.parse(self.expression, mode="eval").body, values)


def _evaluate(node: ast.AST, values: Mapping[str, float | Interval]) -> Any:
    if isinstance(node, ast.BinOp):
        return _OPERATORS[type(node.op)](_evaluate(node.left, values),
                                         _evaluate(node.right, values))
    if isinstance(node, ast.UnaryOp):
        return -_evaluate(node.operand, values)
    if isinstance(node, ast.Constant):
        return float(node.value)  # type: ignore[arg-type]  # numbers only (validated)
    if isinstance(node, ast.Name):
        return values[node.id]
    raise ValueError(f"unsupported expression element {type(node).__name__}")


def _expression_problem(expression: object, names: set[str]) -> str | None:
    """Why ``expression`` is not arithmetic on ``names`` (None when it is)."""
    if not isinstance(expression, str):
        return f"{expression!r} (not a text)"
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return f"{expression!r} (not a formula)"
    for node in ast.walk(tree.body):
        if isinstance(node, ast.Name) and node.id not in names:
            return f"{expression!r} (unknown input {node.id!r})"
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            return f"{expression!r} (a constant that is not a number)"
        allowed = (ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load, ast.USub,
                   *_OPERATORS)
        if not isinstance(node, allowed):
            return f"{expression!r} (uses {type(node).__name__})"
    return None


def load_derivations(path: str | Path | None = None, *,
                     indicators: pd.DataFrame | None = None) -> list[Derivation]:
    """Read and validate ``data/derivations.yaml``.

    Raises
    ------
    DataError
        One line per problem: file, entry and key, what was found, what was expected.
    """
    path = Path(path or project.current().data_dir / "derivations.yaml")
    indicators = default_indicators() if indicators is None else indicators
    entries = read_yaml_list(path, "derivations", items="derivations")
    problems: list[Problem] = []
    out: list[Derivation] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"derivations[{i}]"
        if not isinstance(entry, dict):
            problems.append(problem(path, where, repr(entry), "a mapping"))
            continue
        where = f"{where} ({entry.get('id', '?')})"
        found = _entry_problems(entry, where, path, indicators, seen)
        if found:
            problems += found
            continue
        seen.add(entry["id"])
        out.append(Derivation(
            id=str(entry["id"]), label=entry["label"], formula=entry["formula"],
            unit=str(entry["unit"]), expression=str(entry["expression"]),
            inputs={name: Input(**spec) for name, spec in entry["inputs"].items()},
            kinds=tuple(entry.get("kinds", ("actual",))), periods=str(entry.get("periods", "year")),
            year_offset=int(entry.get("year_offset", 0)), result=entry.get("result")))
    if problems:
        raise DataError(problems=problems)
    return out


def _entry_problems(entry: dict[str, Any], where: str, path: Path, indicators: pd.DataFrame,
                    seen: set[str]) -> list[Problem]:
    problems = []
    missing = [k for k in REQUIRED if k not in entry]
    if missing:
        return [problem(path, where, f"missing keys {missing}", f"all of {list(REQUIRED)}")]
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        problems.append(problem(path, where, f"unknown keys {unknown}",
                                f"keys among {sorted(KEYS)}"))
    if entry["id"] in seen:
        problems.append(problem(path, f"{where}.id", f"duplicate id {entry['id']!r}", "unique ids"))
    if entry["unit"] not in UNITS:
        problems.append(problem(path, f"{where}.unit", repr(entry["unit"]), f"one of {UNITS}"))
    inputs = entry["inputs"]
    if not isinstance(inputs, dict) or not inputs:
        return [*problems, problem(path, f"{where}.inputs", repr(inputs),
                                   "a mapping name -> {indicator, kind, period}")]
    for name, spec in inputs.items():
        at = f"{where}.inputs.{name}"
        if not isinstance(spec, dict) or "indicator" not in spec or set(spec) - INPUT_KEYS:
            problems.append(problem(path, at, repr(spec), "a mapping with indicator and "
                                    "optionally kind and period"))
            continue
        if spec["indicator"] not in indicators.index:
            problems.append(problem(path, f"{at}.indicator", repr(spec["indicator"]),
                                    "an indicator id from data/indicators.yaml"))
        if spec.get("kind", "actual") not in KINDS:
            problems.append(problem(path, f"{at}.kind", repr(spec["kind"]), f"one of {KINDS}"))
    bad = _expression_problem(entry["expression"], set(inputs))
    if bad:
        problems.append(problem(path, f"{where}.expression", bad,
                                "arithmetic (+ - * /, numbers) on the input names"))
    kinds = entry.get("kinds", ["actual"])
    if not isinstance(kinds, list) or not kinds or set(kinds) - set(KINDS):
        problems.append(problem(path, f"{where}.kinds", repr(kinds), f"a list from {KINDS}"))
    if entry.get("periods", "year") not in PERIOD_CHOICES:
        problems.append(problem(path, f"{where}.periods", repr(entry["periods"]),
                                f"one of {PERIOD_CHOICES}"))
    if not isinstance(entry.get("year_offset", 0), int):
        problems.append(problem(path, f"{where}.year_offset", repr(entry["year_offset"]),
                                "a whole number of years"))
    for key in ("label", "formula"):
        text = entry[key]
        if not (isinstance(text, str) or (isinstance(text, dict) and set(text) <= set(KINDS))):
            problems.append(problem(path, f"{where}.{key}", repr(text),
                                    "a text, or a mapping kind -> text"))
    result = entry.get("result")
    if result is not None and (not isinstance(result, dict) or set(result) - RESULT_KEYS):
        problems.append(problem(path, f"{where}.result", repr(result),
                                "a mapping with indicator, kind and period"))
    return problems


@reloaded_on_change(lambda p: [p.data_dir / "derivations.yaml", p.indicators_file])
def default_derivations() -> list[Derivation]:
    """The project's derivations (``data/derivations.yaml``), loaded again when it changes."""
    return load_derivations()


def implied_values(edition: EditionContext, *,
                   derivations: list[Derivation] | None = None) -> pd.DataFrame:
    """Evaluate each derivation wherever the edition's facts state its inputs (each input the
    figure the edition's resolution, its pins applied, picks).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: one row per derivation, year, kind and period (:data:`KEY`):
        ``derived_id`` (a unique id for citing the value, ``<id>_<year>`` with the kind and
        period appended where one year has several; never parsed back), ``derivation`` (the id
        in ``data/derivations.yaml``), ``label``, ``year``, ``unit``, ``value`` (on the written
        values), ``low``/``high`` (on the inputs' intervals), ``formula`` (with the written inputs),
        ``fact_ids``, ``quotes``, ``derived`` (True), and what it stands for: ``kind``,
        ``period`` and ``indicator`` (empty unless the derivation declares a ``result``).

    Notes
    -----
    The interval is the expression applied to the inputs' intervals with interval arithmetic,
    so it contains every value the formula takes for inputs within their written precision.
    """
    derivations = default_derivations() if derivations is None else derivations
    rows = []
    for d in derivations:
        for found in _occurrences(d, edition):
            rows.append(_row(d, found))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    # one id per row: the same derivation in one year for two kinds or periods gets suffixes
    for column in ("kind", "period"):
        twice = table["derived_id"].duplicated(keep=False)
        table.loc[twice, "derived_id"] += "_" + table.loc[twice, column].str.replace(":", "_")
    return table


def find(implied: pd.DataFrame, derivation: str, *, year: int, kind: str | None = None,
         period: str | None = None) -> pd.DataFrame:
    """The rows of ``implied`` (:func:`implied_values`) for one derivation and year, of ``kind``
    and ``period`` where given (``None``: any)."""
    mask = (implied["derivation"] == derivation) & (implied["year"] == int(year))
    if kind is not None:
        mask &= implied["kind"] == kind
    if period is not None:
        mask &= implied["period"] == period
    return implied[mask]


def _occurrences(d: Derivation, edition: EditionContext) -> list[dict[str, pd.Series]]:
    """Every (year, kind, period) where all inputs of ``d`` resolve, in year order."""
    facts = edition.facts
    names = list(d.inputs)
    first = d.inputs[names[0]]
    period_col = facts["period"] if "period" in facts else pd.Series("year", index=facts.index)
    stated = facts[facts["indicator"] == first.indicator]
    out: list[dict[str, pd.Series]] = []
    keys = sorted({(int(y), p) for y, p in zip(stated["year"], period_col[stated.index],
                                                   strict=True)})
    for year, period in keys:
        wanted = first.period or (None if d.periods == "any" else d.periods)
        if wanted is not None and period != wanted:
            continue
        for kind in ([first.kind] if first.kind else list(d.kinds)):
            lead = edition.resolve_or_none(indicator=first.indicator, year=year, kind=kind,
                                           period=period, scope="")
            if lead is None or any(lead["fact_id"] == o[names[0]]["fact_id"] for o in out):
                continue
            found = {names[0]: lead}
            for name in names[1:]:
                spec = d.inputs[name]
                order = [spec.kind] if spec.kind else [kind, *[k for k in d.kinds if k != kind]]
                for k in order:
                    row = edition.resolve_or_none(indicator=spec.indicator, year=year, kind=k,
                                                  period=spec.period or period, scope="")
                    if row is not None:
                        found[name] = row
                        break
            if len(found) == len(names):
                out.append(found)
    return out


def _text(template: str | Mapping[str, str], kind: str, **fields: object) -> str:
    chosen = template if isinstance(template, str) else template.get(
        kind, next(iter(template.values())))
    return chosen.format(**fields)


def _row(d: Derivation, found: dict[str, pd.Series]) -> dict[str, object]:
    lead = next(iter(found.values()))
    input_year, kind, period = int(lead["year"]), str(lead["kind"]), str(lead.get("period", "year"))
    year = input_year + d.year_offset
    fields = {"year": year, "input_year": input_year, "period": period}
    value = d.evaluate({n: float(r["point"]) for n, r in found.items()})
    point = value.mid if isinstance(value, Interval) else float(value)
    computed = d.evaluate({n: Interval(float(r["low"]), float(r["high"]))
                           for n, r in found.items()})
    iv = computed if isinstance(computed, Interval) else Interval.point(float(computed))
    written = " ; ".join(f"{r['fact_id']} = {r['value_text']}" for r in found.values())
    result = d.result or {}
    return {
        "derived_id": f"{d.id}_{year}", "derivation": d.id,
        "label": _text(d.label, kind, **fields), "year": year,
        "unit": d.unit, "value": point, "low": iv.low, "high": iv.high,
        "formula": f"{_text(d.formula, kind, **fields)}  [{written}]",
        "fact_ids": ";".join(str(r["fact_id"]) for r in found.values()),
        "quotes": " | ".join(f"“{r['quote']}”" for r in found.values()), "derived": True,
        "kind": result.get("kind", kind), "period": result.get("period", period),
        "indicator": result.get("indicator", ""),
    }
