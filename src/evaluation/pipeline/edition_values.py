"""What an edition's values mean, checked before any notebook starts.

:func:`evaluation.pipeline.editions.validate_edition` checks names and types against the
notebooks' ``parameters`` cells; this module checks the meaning of the values the notebooks read,
so that a bad value is one line naming the edition file and the key, never an ``IndexError`` from
inside a notebook:

- ``draws``: 1 to :data:`MAX_DRAWS`; ``tier_draws``: 1 to ``draws``; ``recovery_panels``: 1 to
  :data:`MAX_RECOVERY_PANELS`;
- ``seed``: 0 to 2**32 - 1 (numpy's legacy seeding range; the Generator accepts it too);
- ``base_year``: a whole number (its outcomes are checked by
  :func:`evaluation.analysis.years.check_edition_years`); ``target_years``: a non-empty list of
  distinct years (whole numbers, not strings), each after ``base_year`` and one some fact refers to;
- ``scenarios``: a non-empty list of distinct names from ``data/model/scenarios.yaml``,
  ``baseline`` first among them;
- ``panel_path``: empty (the committed SYNTHETIC panel) or an existing file, an absolute path or
  one relative to the project root (the same under ``evaluation run`` and plain papermill);
  ``register_path`` likewise (a workbook or a folder); ``sobol_n`` 1 to :data:`MAX_SOBOL_N`;
  ``workers`` 1 to :data:`MAX_WORKERS`;
- ``outcome``, ``treatment``, ``cluster``: non-empty names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from evaluation import project
from evaluation.errors import EvaluationError, Problem, problem
from evaluation.io import describe

MAX_DRAWS = 5_000_000
"""More Monte Carlo draws than this would take hours and gigabytes; 100 000 is the default."""
MAX_RECOVERY_PANELS = 5_000
MAX_SEED = 2**32 - 1
MAX_SOBOL_N = 1_048_576
MAX_WORKERS = 256


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(low: int, high: int) -> Callable[[Any, dict[str, Any]], str | None]:
    def check(value: Any, values: dict[str, Any]) -> str | None:
        if not _is_int(value) or not low <= value <= high:
            return f"a whole number from {low:,} to {high:,}"
        return None
    return check


def _tier_draws(value: Any, values: dict[str, Any]) -> str | None:
    draws = values.get("draws")
    high = draws if isinstance(draws, int) and not isinstance(draws, bool) and draws >= 1 \
        else MAX_DRAWS
    if not _is_int(value) or not 1 <= value <= high:
        return f"a whole number from 1 to draws ({high:,})"
    return None


def fact_years() -> list[int]:
    """Years the curated facts refer to, read from the ``year`` column of ``data/facts.csv``
    without validating the table (``evaluation check`` does that); empty when unreadable."""
    import csv
    import io

    from evaluation.io import read_text

    try:
        rows = csv.DictReader(io.StringIO(read_text(project.current().facts_file)))
        return sorted({int(row["year"]) for row in rows
                       if str(row.get("year") or "").strip().isdigit()})
    except (EvaluationError, csv.Error, KeyError, TypeError):
        return []


def _base_year(value: Any, values: dict[str, Any]) -> str | None:
    # Whether the documents give outcomes for the year, stated or implied by a derivation (2011
    # from the 2012 figures and their growth), is checked next by
    # evaluation.analysis.years.check_edition_years, with the years that have outcomes.
    if not _is_int(value):
        return "a year (a whole number) whose outcomes the documents state or imply"
    return None


def _target_years(value: Any, values: dict[str, Any]) -> str | None:
    years = fact_years()
    base = values.get("base_year")
    expected = (f"a non-empty list of distinct years (numbers, not strings) after the base "
                f"year {base}, each one the documents report on ({', '.join(map(str, years))})")
    if not isinstance(value, list) or not value or len(set(map(repr, value))) != len(value):
        return expected
    for year in value:
        if not _is_int(year) or (years and year not in years) or (_is_int(base) and year <= base):
            return expected
    return None


def _scenarios(value: Any, values: dict[str, Any]) -> str | None:
    from evaluation.model.scenarios import default_scenarios

    try:
        known = list(default_scenarios())
    except EvaluationError:
        known = []
    expected = (f"a non-empty list of distinct scenario names from "
                f"data/model/scenarios.yaml, baseline included ({', '.join(known)})")
    if (not isinstance(value, list) or not value or len(set(map(repr, value))) != len(value)
            or "baseline" not in value):
        return expected
    if any(not isinstance(name, str) or (known and name not in known) for name in value):
        return expected
    return None


def _panel_path(value: Any, values: dict[str, Any]) -> str | None:
    expected = ("empty (the SYNTHETIC panel) or an existing CSV file, absolute or relative to "
                "the project root")
    if not isinstance(value, str):
        return expected
    if value.strip() == "":
        return None if value == "" else expected
    path = resolve_project_path(value)
    if not path.is_file():
        return expected
    return None


def _register_path(value: Any, values: dict[str, Any]) -> str | None:
    expected = ("empty, or an existing register workbook (.xlsx) or folder of CSVs, absolute or "
                "relative to the project root")
    if not isinstance(value, str) or (value.strip() == "" and value != ""):
        return expected
    if value and not resolve_project_path(value).exists():
        return expected
    return None


def _name(value: Any, values: dict[str, Any]) -> str | None:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        return "a column name (non-empty text without surrounding spaces)"
    return None


RULES: dict[str, Callable[[Any, dict[str, Any]], str | None]] = {
    "draws": _count(1, MAX_DRAWS),
    "tier_draws": _tier_draws,
    "recovery_panels": _count(1, MAX_RECOVERY_PANELS),
    "seed": _count(0, MAX_SEED),
    "base_year": _base_year,
    "target_years": _target_years,
    "scenarios": _scenarios,
    "panel_path": _panel_path,
    "register_path": _register_path,
    "sobol_n": _count(1, MAX_SOBOL_N),
    "workers": _count(1, MAX_WORKERS),
    "outcome": _name,
    "treatment": _name,
    "cluster": _name,
}
"""Edition key -> check returning what was expected when the value is wrong, else ``None``."""


def resolve_project_path(value: str | Path) -> Path:
    """``value`` as a path: absolute as given, relative to the project root otherwise."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else project.current().root / path


def value_problems(parameters: dict[str, Any], *, path: str | Path) -> list[Problem]:
    """One problem per edition value outside its meaning (see the module docstring)."""
    found = []
    for key, rule in RULES.items():
        if key not in parameters:
            continue
        expected = rule(parameters[key], parameters)
        if expected is not None:
            found.append(problem(path, f"parameter {key!r}", describe(parameters[key]),
                                 expected))
    return found
