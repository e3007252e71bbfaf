"""Effects-model parameters and scenarios: loading, validation, sampling, quantiles.

``data/model/parameters.yaml`` holds behavioural parameters (each with a distribution and a
reference) and policy levers; ``data/model/scenarios.yaml`` holds small overrides of the levers.
Every problem found is reported at once as a :class:`~evaluation.errors.ParameterError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
import pandas as pd
from scipy import special, stats

from evaluation import project
from evaluation.cache import reloaded_on_change
from evaluation.errors import DataError, ParameterError, Problem, problem
from evaluation.io import describe, read_yaml

DISTRIBUTIONS = ("pert", "triangular", "uniform", "normal_truncated", "lognormal_truncated")
PARAMETER_KEYS = {"description", "unit", "central", "distribution", "reference", "judgement",
                  "reasoning"}
REQUIRED_PARAMETER_KEYS = ("description", "unit", "central", "distribution", "reference",
                           "judgement")
REFERENCE_REQUIRED = ("authors", "year", "title", "source", "setting")
LEVER_KEYS = {"description", "unit", "baseline", "low", "high"}
NULLABLE_LEVERS: frozenset[str] = frozenset()
PERT_TABLE_SIZE = 16_385


@cache
def beta_quantile_table(a: float, b: float) -> np.ndarray:
    """Beta(a, b) quantiles on an even grid of ``PERT_TABLE_SIZE`` probabilities.

    The distribution function is evaluated on an even grid of as many points and inverted by
    linear interpolation: within 3e-6 of ``scipy.stats.beta.ppf`` for PERT shapes
    (1 ≤ a, b ≤ 5), and six times faster, which matters because every kernel builds its tables.
    """
    x = np.linspace(0.0, 1.0, PERT_TABLE_SIZE)
    return np.interp(x, special.betainc(a, b, x), x)


@dataclass(frozen=True)
class Distribution:
    """One parameter's distribution.

    Notes
    -----
    ``pert``: ``low + (high - low) B`` with ``B ~ Beta(1 + 4 (c - low)/(high - low),
    1 + 4 (high - c)/(high - low))`` and mode ``c``; ``triangular``: mode ``c``; ``uniform``;
    ``normal_truncated``: ``N(c, sd²)`` truncated to ``[low, high]``; ``lognormal_truncated``:
    ``exp(N(ln c, sigma²))`` truncated to ``[low, high]`` (median ``c`` before truncation).
    pert draws invert a tabulated Beta quantile function (16,385 even probabilities, linear
    interpolation), several times faster than ``Generator.beta`` for a million draws.
    """

    name: str
    central: float
    low: float
    high: float
    scale: float = 0.0

    def _pert_shape(self) -> tuple[float, float]:
        span = self.high - self.low
        return (1 + 4 * (self.central - self.low) / span, 1 + 4 * (self.high - self.central) / span)

    def _normal_bounds(self) -> tuple[float, float, float, float]:
        if self.name == "normal_truncated":
            loc, lo, hi = self.central, self.low, self.high
        else:
            loc, lo, hi = math.log(self.central), math.log(self.low), math.log(self.high)
        return loc, self.scale, float(special.ndtr((lo - loc) / self.scale)), float(
            special.ndtr((hi - loc) / self.scale))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws."""
        if self.name == "pert":
            table = beta_quantile_table(*self._pert_shape())
            position = rng.random(size) * (PERT_TABLE_SIZE - 1)
            index = position.astype(np.intp)
            below = table[index]
            unit = below + (position - index) * (table[index + 1] - below)
            return self.low + (self.high - self.low) * unit
        if self.name == "triangular":
            return rng.triangular(self.low, self.central, self.high, size)
        if self.name == "uniform":
            return rng.uniform(self.low, self.high, size)
        return self.ppf(rng.random(size))

    def fast_ppf(self, q: np.ndarray) -> np.ndarray:
        """Quantile function; pert through the tabulated Beta quantiles (within 3e-6)."""
        if self.name != "pert":
            return self.ppf(q)
        table = beta_quantile_table(*self._pert_shape())
        unit = np.interp(np.asarray(q, dtype=float) * (PERT_TABLE_SIZE - 1),
                         np.arange(PERT_TABLE_SIZE), table)
        return self.low + (self.high - self.low) * unit

    def ppf(self, q: np.ndarray | float) -> np.ndarray:
        """Quantile function (used for draws of truncated normals and for the tornado)."""
        q = np.asarray(q, dtype=float)
        if self.name == "pert":
            a, b = self._pert_shape()
            return self.low + (self.high - self.low) * stats.beta.ppf(q, a, b)
        if self.name == "triangular":
            span, left = self.high - self.low, self.central - self.low
            cut = left / span
            return np.where(q < cut, self.low + np.sqrt(q * span * left),
                            self.high - np.sqrt((1 - q) * span * (self.high - self.central)))
        if self.name == "uniform":
            return self.low + q * (self.high - self.low)
        loc, scale, p_lo, p_hi = self._normal_bounds()
        z = loc + scale * special.ndtri(p_lo + q * (p_hi - p_lo))
        return z if self.name == "normal_truncated" else np.exp(z)


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


@dataclass(frozen=True)
class Scenario:
    """A named override of the baseline levers, already validated and resolved."""

    name: str
    description: str
    overrides: dict[str, float | None]
    levers: dict[str, float | None]


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _reference_problems(path: Path, name: str, ref: object) -> list[Problem]:
    where = f"parameter {name!r}, key 'reference'"
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
    if not (_is_number(low) and _is_number(high)) or not low < high:
        return None, [problem(path, f"{where}, low/high", f"low={low!r}, high={high!r}",
                              "two finite numbers with low < high")]
    if not _is_number(central) or not low <= central <= high:
        return None, [problem(path, f"parameter {name!r}, key 'central'", repr(central),
                              f"a number within the distribution's bounds [{low}, {high}]")]
    scale = 0.0
    if kind in ("normal_truncated", "lognormal_truncated"):
        key = "sd" if kind == "normal_truncated" else "sigma"
        given = spec.get(key)
        if not _is_number(given) or given <= 0:
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
        if "reference" in missing:
            return None, found
    found += _reference_problems(path, name, entry.get("reference"))
    judgement = entry.get("judgement")
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
                     dict(entry["reference"]), bool(judgement),
                     str(entry.get("reasoning", "")).strip()), []


def _lever(path: Path, name: str, entry: object) -> tuple[Lever | None, list[Problem]]:
    where = f"lever {name!r}"
    if not isinstance(entry, Mapping) or set(entry) != LEVER_KEYS:
        keys = sorted(entry) if isinstance(entry, Mapping) else repr(entry)
        return None, [problem(path, where, f"keys {keys}", f"exactly {sorted(LEVER_KEYS)}")]
    low, high, base = entry["low"], entry["high"], entry["baseline"]
    if not (_is_number(low) and _is_number(high) and low < high):
        return None, [problem(path, f"{where}, low/high", f"low={low!r}, high={high!r}",
                              "two numbers with low < high")]
    if entry["unit"] == "share" and (low < 0 or high > 1):
        return None, [problem(path, f"{where}, low/high", f"low={low!r}, high={high!r}",
                              "bounds within [0, 1] for a share")]
    if not (base is None and name in NULLABLE_LEVERS) and not (
            _is_number(base) and low <= base <= high):
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
    doc = _read(path)
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


def _read(path: Path) -> Any:
    """Read YAML, re-raising reading problems as :class:`ParameterError`."""
    try:
        return read_yaml(path)
    except DataError as exc:
        raise ParameterError(problems=exc.problems) from None


def _resolve(path: Path, scenario: str, key: str, value: object, lever: Lever,
             facts_lookup: Callable[[str], pd.Series]) -> tuple[float | None, list[Problem]]:
    where = f"scenario {scenario!r}, key {key!r}"
    if isinstance(value, Mapping):
        if set(value) - {"fact", "times"} or "fact" not in value:
            return None, [problem(path, where, repr(dict(value)),
                                  "{fact: <fact_id>, times: <number>}")]
        try:
            base = float(facts_lookup(str(value["fact"]))["value"])
        except DataError as exc:
            if not all(p.found == "no such fact" for p in exc.problems):
                raise  # the facts themselves cannot be loaded: say that, not "no such fact"
            return None, [problem(path, where, f"fact {value['fact']!r}",
                                  "a fact id in data/facts.csv")]
        times = value.get("times", 1.0)
        if not _is_number(times):
            return None, [problem(path, f"{where}, times", repr(times), "a number")]
        value = base * times
    if value is None:
        if key in NULLABLE_LEVERS:
            return None, []
        return None, [problem(path, where, "null", f"a number in [{lever.low:g}, {lever.high:g}]")]
    if not _is_number(value) or not lever.low <= value <= lever.high:
        return None, [problem(path, where, repr(value),
                              f"a number in [{lever.low:g}, {lever.high:g}] ({lever.unit})")]
    return float(value), []


def load_scenarios(path: str | Path | None = None, *, inputs: ModelInputs | None = None
                   ) -> dict[str, Scenario]:
    """Load and validate ``scenarios.yaml`` against the levers of ``inputs``.

    Raises
    ------
    ParameterError
        One line per problem, naming the file, scenario and key, what was found and expected.
    """
    from evaluation.data.facts import lookup

    path = Path(path or project.current().scenarios_file)
    inputs = inputs or default_inputs()
    doc = _read(path)
    if not isinstance(doc, Mapping) or not isinstance(doc.get("scenarios"), Mapping):
        raise ParameterError(problems=[problem(path, "top level", describe(doc)
                                               if not isinstance(doc, Mapping) else
                                               "a mapping without a 'scenarios' mapping",
                                               "a mapping with a 'scenarios' mapping")])
    found: list[Problem] = []
    scenarios: dict[str, Scenario] = {}
    for name, entry in doc["scenarios"].items():
        where = f"scenario {name!r}"
        if not isinstance(entry, Mapping) or set(entry) != {"description", "overrides"} \
                or not isinstance(entry.get("overrides"), Mapping):
            found.append(problem(path, where, repr(entry),
                                 "a mapping with 'description' and an 'overrides' mapping"))
            continue
        resolved: dict[str, float | None] = {}
        for key, value in entry["overrides"].items():
            if key not in inputs.levers:
                found.append(problem(path, f"{where}, key {key!r}", "an unknown lever",
                                     f"one of {', '.join(inputs.levers)}"))
                continue
            number, probs = _resolve(path, str(name), key, value, inputs.levers[key], lookup)
            found += probs
            if not probs:
                resolved[key] = number
        scenarios[str(name)] = Scenario(str(name), str(entry["description"]), resolved,
                                        {**inputs.baseline_levers(), **resolved})
    if "baseline" in scenarios and scenarios["baseline"].overrides:
        found.append(problem(path, "scenario 'baseline', key 'overrides'",
                             repr(scenarios["baseline"].overrides), "no overrides ({})"))
    if "baseline" not in scenarios:
        found.append(problem(path, "scenarios", "no 'baseline' scenario", "a 'baseline' scenario"))
    if found:
        raise ParameterError(problems=found)
    return scenarios


def select_scenarios(names: list[str], scenarios: dict[str, Scenario]) -> list[Scenario]:
    """The named scenarios, in the order given; unknown names raise :class:`ParameterError`."""
    unknown = [n for n in names if n not in scenarios]
    if unknown:
        raise ParameterError(problems=[problem(project.current().scenarios_file, f"scenario {n!r}",
                                               "no such scenario", f"one of {', '.join(scenarios)}")
                                       for n in unknown])
    return [scenarios[n] for n in names]


@reloaded_on_change(lambda p: [p.parameters_file])
def default_inputs() -> ModelInputs:
    """The project's parameters, loaded again when the file changes."""
    return load_parameters()


@reloaded_on_change(lambda p: [p.scenarios_file, p.parameters_file, p.facts_file,
                               p.indicators_file, p.sources_file, p.raw_dir])
def default_scenarios() -> dict[str, Scenario]:
    """The project's scenarios, loaded again when an input file changes."""
    return load_scenarios()


def assumptions_table(inputs: ModelInputs | None = None) -> pd.DataFrame:
    """Every parameter: central value, range, whether it is a judgement, and its reference."""
    inputs = inputs or default_inputs()
    rows = []
    for name, p in inputs.parameters.items():
        ref = p.reference
        rows.append({
            "parameter": name, "description": p.description, "unit": p.unit,
            "central": p.central, "distribution": p.distribution.name,
            "low": p.distribution.low, "high": p.distribution.high,
            "judgement": "yes" if p.judgement else "no",
            "reference": f"{ref['authors']} ({ref['year']}), {ref['title']}, {ref['source']}",
            "setting": ref["setting"], "reasoning": p.reasoning,
        })
    return pd.DataFrame(rows)
