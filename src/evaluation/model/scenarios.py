"""Effects-model scenarios: named overrides of the policy levers (``data/model/scenarios.yaml``),
validated against the levers of ``parameters.yaml``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evaluation import project
from evaluation.cache import reloaded_on_change
from evaluation.errors import DataError, ParameterError, Problem, problem
from evaluation.io import describe
from evaluation.model.parameters import (
    NULLABLE_LEVERS,
    Lever,
    ModelInputs,
    default_inputs,
    is_number,
    read_model_file,
)


@dataclass(frozen=True)
class Scenario:
    """A named override of the baseline levers, already validated and resolved."""

    name: str
    description: str
    overrides: dict[str, float | None]
    levers: dict[str, float | None]


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
        if not is_number(times):
            return None, [problem(path, f"{where}, times", repr(times), "a number")]
        value = base * times
    if value is None:
        if key in NULLABLE_LEVERS:
            return None, []
        return None, [problem(path, where, "null", f"a number in [{lever.low:g}, {lever.high:g}]")]
    if not is_number(value) or not lever.low <= value <= lever.high:
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
    doc = read_model_file(path)
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


@reloaded_on_change(lambda p: [p.scenarios_file, p.parameters_file, p.facts_file,
                               p.indicators_file, p.sources_file, p.raw_dir])
def default_scenarios() -> dict[str, Scenario]:
    """The project's scenarios, loaded again when an input file changes."""
    return load_scenarios()
