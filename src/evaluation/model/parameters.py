"""Effects-model parameters and levers: loading and validation.

``data/model/parameters.yaml`` holds behavioural parameters (each with a distribution, see
:mod:`evaluation.model.distributions`, and a reference) and the policy levers that scenarios
(:mod:`evaluation.model.scenarios`) override. Every problem found is reported at once as a
:class:`~evaluation.errors.ParameterError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
import pandas as pd

from evaluation import project
from evaluation.cache import reloaded_on_change
from evaluation.errors import DataError, ParameterError, Problem, problem
from evaluation.io import describe, read_yaml
from evaluation.model.distributions import DISTRIBUTIONS, Distribution

PARAMETER_KEYS = {"description", "unit", "central", "distribution", "reference", "informed_by",
                  "judgement", "reasoning"}
REQUIRED_PARAMETER_KEYS = ("description", "unit", "central", "distribution", "judgement")
SOURCE_KEYS = ("reference", "informed_by")
"""A parameter has exactly one: ``reference``, a source that supports its value, or
``informed_by``, a document (the plans themselves) that informs a judgement without giving the
value."""
REFERENCE_REQUIRED = ("authors", "year", "title", "source", "setting")
LEVER_KEYS = {"description", "unit", "baseline", "low", "high"}
NULLABLE_LEVERS: frozenset[str] = frozenset()
"""Levers whose baseline or scenario value may be null (none today)."""


@dataclass(frozen=True)
class Parameter:
    """A behavioural parameter: its distribution and documentation."""

    name: str
    description: str
    unit: str
    distribution: Distribution
    reference: Mapping[str, Any]
    judgement: bool
    reasoning: str = ""
    informed: bool = False
    """Whether ``reference`` only informs a judgement (``informed_by``) rather than supporting
    the value (``reference``)."""

    @property
    def central(self) -> float:
        """The central value."""
        return self.distribution.central


@dataclass(frozen=True)
class Lever:
    """A policy lever that scenarios may override."""

    name: str
    description: str
    unit: str
    baseline: float | None
    low: float
    high: float


@dataclass(frozen=True)
class ModelInputs:
    """Parameters and levers as loaded from ``parameters.yaml``."""

    parameters: dict[str, Parameter]
    levers: dict[str, Lever]
    path: Path = field(default_factory=lambda: project.current().parameters_file)

    def central(self) -> dict[str, float]:
        """Every parameter at its central value."""
        return {name: p.central for name, p in self.parameters.items()}

    def sample(self, rng: np.random.Generator, draws: int) -> dict[str, np.ndarray]:
        """``draws`` independent draws of every parameter, in file order."""
        return {name: p.distribution.sample(rng, draws) for name, p in self.parameters.items()}

    def baseline_levers(self) -> dict[str, float | None]:
        """Every lever at its baseline value."""
        return {name: lever.baseline for name, lever in self.levers.items()}


def is_number(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a finite number (not a boolean)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _reference_problems(path: Path, name: str, ref: object, key: str = "reference"
                        ) -> list[Problem]:
    where = f"parameter {name!r}, key {key!r}"
    if not isinstance(ref, Mapping):
        return [problem(path, where, repr(ref) if ref is not None else "no reference",
                        f"a mapping with {', '.join(REFERENCE_REQUIRED)}")]
    missing = [k for k in REFERENCE_REQUIRED if not ref.get(k)]
    if missing:
        return [problem(path, where, f"missing {', '.join(missing)}",
                        f"a reference with {', '.join(REFERENCE_REQUIRED)}")]
    return []


def _distribution(path: Path, name: str, central: object, spec: object
                  ) -> tuple[Distribution | None, list[Problem]]:
    where = f"parameter {name!r}, key 'distribution'"
    if not isinstance(spec, Mapping):
        return None, [problem(path, where, repr(spec), "a mapping {name, low, high[, sd|sigma]}")]
    kind = spec.get("name")
    if kind not in DISTRIBUTIONS:
        return None, [problem(path, f"{where}, name", repr(kind),
                              f"one of {', '.join(DISTRIBUTIONS)}")]
    low, high = spec.get("low"), spec.get("high")
    if not (is_number(low) and is_number(high)) or not low < high:
        return None, [problem(path, f"{where}, low/high", f"low={low!r}, high={high!r}",
                              "two finite numbers with low < high")]
    if not is_number(central) or not low <= central <= high:
        return None, [problem(path, f"parameter {name!r}, key 'central'", repr(central),
                              f"a number within the distribution's bounds [{low}, {high}]")]
    scale = 0.0
    if kind in ("normal_truncated", "lognormal_truncated"):
        key = "sd" if kind == "normal_truncated" else "sigma"
        given = spec.get(key)
        if not is_number(given) or given <= 0:
            return None, [problem(path, f"{where}, {key}", repr(given), "a positive number")]
        scale = float(given)
        if kind == "lognormal_truncated" and low <= 0:
            return None, [problem(path, f"{where}, low", repr(low), "a positive lower bound")]
    return Distribution(kind, float(central), float(low), float(high), float(scale)), []


def _parameter(path: Path, name: str, entry: object) -> tuple[Parameter | None, list[Problem]]:
    if not isinstance(entry, Mapping):
        return None, [problem(path, f"parameter {name!r}", repr(entry), "a mapping")]
    found: list[Problem] = []
    unknown = sorted(set(entry) - PARAMETER_KEYS)
    if unknown:
        found.append(problem(path, f"parameter {name!r}", f"unknown key(s) {', '.join(unknown)}",
                             f"only {', '.join(sorted(PARAMETER_KEYS))}"))
    missing = [k for k in REQUIRED_PARAMETER_KEYS if k not in entry]
    if missing:
        found.append(problem(path, f"parameter {name!r}", f"missing key(s) {', '.join(missing)}",
                             f"every one of {', '.join(REQUIRED_PARAMETER_KEYS)}"))
    given = [k for k in SOURCE_KEYS if k in entry]
    if len(given) != 1:
        found.append(problem(path, f"parameter {name!r}",
                             f"keys {given}" if given else "no reference",
                             "exactly one of 'reference' (a source that supports the value) or "
                             "'informed_by' (a document that informs a judgement)"))
        return None, found
    key = given[0]
    found += _reference_problems(path, name, entry[key], key)
    judgement = entry.get("judgement")
    if key == "informed_by" and judgement is not True:
        found.append(problem(path, f"parameter {name!r}, key 'judgement'", repr(judgement),
                             "true: a value only informed by a document is a judgement"))
    if "judgement" in entry and not isinstance(judgement, bool):
        found.append(problem(path, f"parameter {name!r}, key 'judgement'", repr(judgement),
                             "true or false"))
    if judgement is True and not entry.get("reasoning"):
        found.append(problem(path, f"parameter {name!r}, key 'reasoning'", "no reasoning",
                             "the reasoning behind a judgement (judgement: true)"))
    dist, dist_problems = _distribution(path, name, entry.get("central"), entry.get("distribution"))
    found += dist_problems
    if dist is not None and entry.get("unit") == "share" and (dist.low < 0 or dist.high > 1):
        found.append(problem(path, f"parameter {name!r}, key 'distribution', low/high",
                             f"low={dist.low:g}, high={dist.high:g}",
                             "bounds within [0, 1] for a share"))
    if found or dist is None:
        return None, found
    return Parameter(name, str(entry["description"]).strip(), str(entry["unit"]), dist,
                     dict(entry[key]), bool(judgement),
                     str(entry.get("reasoning", "")).strip(), informed=key == "informed_by"), []


def _lever(path: Path, name: str, entry: object) -> tuple[Lever | None, list[Problem]]:
    where = f"lever {name!r}"
    if not isinstance(entry, Mapping) or set(entry) != LEVER_KEYS:
        keys = sorted(entry) if isinstance(entry, Mapping) else repr(entry)
        return None, [problem(path, where, f"keys {keys}", f"exactly {sorted(LEVER_KEYS)}")]
    low, high, base = entry["low"], entry["high"], entry["baseline"]
    if not (is_number(low) and is_number(high) and low < high):
        return None, [problem(path, f"{where}, low/high", f"low={low!r}, high={high!r}",
                              "two numbers with low < high")]
    if entry["unit"] == "share" and (low < 0 or high > 1):
        return None, [problem(path, f"{where}, low/high", f"low={low!r}, high={high!r}",
                              "bounds within [0, 1] for a share")]
    if not (base is None and name in NULLABLE_LEVERS) and not (
            is_number(base) and low <= base <= high):
        return None, [problem(path, f"{where}, baseline", repr(base),
                              f"a number in [{low}, {high}]")]
    return Lever(name, str(entry["description"]).strip(), str(entry["unit"]),
                 None if base is None else float(base), float(low), float(high)), []


def load_parameters(path: str | Path | None = None) -> ModelInputs:
    """Load and validate ``parameters.yaml``.

    Raises
    ------
    ParameterError
        Listing every problem (file, parameter and key, found, expected).
    """
    path = Path(path or project.current().parameters_file)
    doc = read_model_file(path)
    found: list[Problem] = []
    if not isinstance(doc, Mapping) or not isinstance(doc.get("parameters"), Mapping) \
            or not isinstance(doc.get("levers"), Mapping):
        raise ParameterError(problems=[problem(
            path, "top level", describe(doc) if not isinstance(doc, Mapping) else
            "a mapping without 'parameters' and 'levers' mappings",
            "a mapping with 'parameters' and 'levers' mappings")])
    unknown_top = sorted(set(doc) - {"parameters", "levers"})
    if unknown_top:
        found.append(problem(path, "top level", f"unknown key(s) {', '.join(unknown_top)}",
                             "only 'parameters' and 'levers'"))
    parameters, levers = {}, {}
    for name, entry in doc["parameters"].items():
        param, probs = _parameter(path, str(name), entry)
        found += probs
        if param:
            parameters[str(name)] = param
    for name, entry in doc["levers"].items():
        lever, probs = _lever(path, str(name), entry)
        found += probs
        if lever:
            levers[str(name)] = lever
    if found:
        raise ParameterError(problems=found)
    return ModelInputs(parameters, levers, path)


def read_model_file(path: Path) -> Any:
    """Read YAML, re-raising reading problems as :class:`ParameterError`."""
    try:
        return read_yaml(path)
    except DataError as exc:
        raise ParameterError(problems=exc.problems) from None


@reloaded_on_change(lambda p: [p.parameters_file])
def default_inputs() -> ModelInputs:
    """The project's parameters, loaded again when the file changes."""
    return load_parameters()


def assumptions_table(inputs: ModelInputs | None = None) -> pd.DataFrame:
    """Every parameter: central value, range, whether it is a judgement, its reference and
    whether that reference supports the value (``basis`` ``reference``) or only informs a
    judgement (``informed_by``)."""
    inputs = inputs or default_inputs()
    rows = []
    for name, p in inputs.parameters.items():
        ref = p.reference
        rows.append({
            "parameter": name, "description": p.description, "unit": p.unit,
            "central": p.central, "distribution": p.distribution.name,
            "low": p.distribution.low, "high": p.distribution.high,
            "judgement": "yes" if p.judgement else "no",
            "basis": "informed_by" if p.informed else "reference",
            "reference": f"{ref['authors']} ({ref['year']}), {ref['title']}, {ref['source']}",
            "setting": ref["setting"], "reasoning": p.reasoning,
        })
    return pd.DataFrame(rows)
