"""Editions: a papermill parameters file per evaluation year, validated against the notebooks.

An edition is ``data/editions/<name>.yaml``, a flat mapping of notebook parameters, so that
``papermill NB OUT -f data/editions/<name>.yaml`` works as well as ``evaluation run``. Before
anything runs, each notebook's ``parameters`` cell is read with papermill's inspection and the
edition is checked against it: papermill itself only warns about unknown parameters.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evaluation import project
from evaluation.errors import ConfigError, Problem, problem
from evaluation.paths import display_path
from evaluation.project import Project

if TYPE_CHECKING:
    from evaluation.data.edition import EditionContext

EDITION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""An edition name: a plain file name of letters, digits, '-' and '_' (no folders, no dots)."""
RESERVED_PARAMETERS = ("seed", "languages")
"""Edition keys allowed even when no notebook declares them (recorded in the manifest)."""

UNREADABLE = "unreadable"
_ASSIGNMENT = re.compile(r"^(\w+)\s*(?::[^=]*)?=")
_SIMPLE_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list,),
    "tuple": (list,),
    "dict": (dict,),
}


@dataclass(frozen=True)
class Edition:
    """One edition: its name, file and parameters (a flat mapping)."""

    name: str
    path: Path
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def seed(self) -> Any:
        """The edition's ``seed`` or ``None``."""
        return self.parameters.get("seed")


def edition_languages(edition: Edition) -> tuple[str, ...]:
    """The edition's report languages (``languages: [zh, en]``; default both, Chinese first).

    Raises
    ------
    ConfigError
        Not a non-empty list of distinct known languages.
    """
    from evaluation.reports.labels import LANGUAGES

    value = edition.parameters.get("languages", list(LANGUAGES))
    if (not isinstance(value, list) or not value or len(set(value)) != len(value)
            or any(v not in LANGUAGES for v in value)):
        raise ConfigError(problems=[problem(edition.path, "parameter 'languages'", repr(value),
                                            "a list of distinct languages from "
                                            f"{list(LANGUAGES)}")])
    return tuple(value)


@dataclass(frozen=True)
class Parameter:
    """One parameter a notebook declares in its ``parameters`` cell."""

    name: str
    type_name: str
    default: str
    help: str

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` (parsed from YAML) fits the declared type.

        The type is the annotation (``x: int = 3``); without one, the type of the default
        literal. An annotation this module cannot interpret accepts anything.
        """
        expected = self.expected_types()
        if expected is None:
            return True
        if isinstance(value, bool) and bool not in expected:
            return False
        return isinstance(value, expected)

    def expected_types(self) -> tuple[type, ...] | None:
        """The Python types a value may have, or ``None`` when unknown."""
        name = self.type_name.replace(" ", "")
        optional = False
        match = re.fullmatch(r"Optional\[(.+)\]", name)
        if match:
            name, optional = match.group(1), True
        base = name.split("[", 1)[0].lower()
        types: tuple[type, ...] | None = None
        if base in _SIMPLE_TYPES:
            types = _SIMPLE_TYPES[base]
        elif base == "none" and name == "None":
            types = _literal_type(self.default)
        if types is None:
            return None
        return (*types, type(None)) if optional else types

    def describe_type(self) -> str:
        """The declared type in words, for error messages."""
        types = self.expected_types()
        if types is None:
            return "any value"
        return " or ".join(_YAML_NAMES.get(t, t.__name__) for t in types)


_YAML_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true/false",
               list: "a list", dict: "a mapping", type(None): "null"}


def edition_context_of(edition: Edition, *, project: Project) -> EditionContext:
    """The edition context an edition file's parameters describe (base and target years, pins,
    languages), on ``project``'s data: what the pipeline hands to the edition's consumers.

    Raises
    ------
    ConfigError
        The edition names no ``base_year`` or bad languages.
    DataError
        A data file is invalid or a pin names no fact.
    """
    from evaluation.data.edition import edition_context

    values = edition.parameters
    if "base_year" not in values:
        raise ConfigError(problems=[problem(edition.path, "parameter 'base_year'", "nothing",
                                            "the year of the outcomes, e.g. 2012")])
    return edition_context(base_year=values["base_year"],
                           target_years=values.get("target_years", ()),
                           pins=values.get("pins") or {}, languages=edition_languages(edition),
                           project=project)


def _literal_type(default: str) -> tuple[type, ...] | None:
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return None
    if value is None:
        return None
    for types in _SIMPLE_TYPES.values():
        if type(value) is types[-1]:
            return types
    return (list,) if isinstance(value, tuple) else None


def check_edition_name(name: object, *, where: str | Path | None = None) -> str:
    """Return ``name`` if it is a valid edition name, else raise :class:`ConfigError`.

    Every command that takes an edition name calls this before building any path from it, so
    ``../src`` or ``/tmp/x`` can never name a file or folder outside ``data/editions/`` and
    ``reports/``.

    Parameters
    ----------
    name
        The name as given (command line, edition file).
    where
        What to name in the message (default ``--edition``).
    """
    if isinstance(name, str) and EDITION_NAME.match(name):
        return name
    raise ConfigError(problems=[problem(where or "--edition", "edition name", repr(name),
                                        "1-64 letters, digits, '-' or '_' starting with a "
                                        "letter or digit, e.g. 2014")])


def latest_edition(editions_dir: str | Path | None = None) -> str:
    """The newest edition: the last ``<name>.yaml`` in ``editions_dir`` by name (editions are
    named by year, so next year's file is the latest once it is added).

    Raises
    ------
    ConfigError
        There is no edition file.
    """
    editions_dir = Path(editions_dir or project.current().editions_dir)
    names = sorted(p.stem for p in editions_dir.glob("*.yaml"))
    if not names:
        raise ConfigError(problems=[problem(editions_dir, "", "no edition file",
                                            "data/editions/<edition>.yaml")])
    return names[-1]


def load_edition(name: str, *, editions_dir: str | Path | None = None) -> Edition:
    """Read ``<editions_dir>/<name>.yaml`` and check its shape.

    The file must be a flat mapping whose ``edition`` key equals ``name`` (so a plain
    papermill run with ``-f`` selects the same edition).
    """
    from evaluation.io import describe, read_yaml  # yaml: imported only when needed

    check_edition_name(name)
    editions_dir = Path(editions_dir or project.current().editions_dir)
    path = editions_dir / f"{name}.yaml"
    if not path.exists() and not path.is_symlink():
        known = sorted(p.stem for p in editions_dir.glob("*.yaml"))
        expected = (f"one of the editions {known}" if known else
                    f"an edition file in {display_path(editions_dir)}")
        raise ConfigError(problems=[problem(path, "", "no such edition file", expected)])
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise ConfigError(problems=[problem(path, "top level", describe(doc),
                                            "a mapping of parameter names to values")])
    problems = [problem(path, f"key {key!r}", type(key).__name__, "a parameter name (text)")
                for key in doc if not isinstance(key, str)]
    if doc.get("edition") != name:
        problems.append(problem(path, "edition", repr(doc.get("edition")),
                                f"the edition's own name {name!r} (quoted, a string)"))
    if problems:
        raise ConfigError(problems=problems)
    return Edition(name=name, path=path, parameters=dict(doc))


def notebook_parameters(path: str | Path) -> dict[str, Parameter]:
    """The parameters a notebook declares, read with papermill's inspection.

    A line papermill cannot read (it counts ``=`` signs, so one in the comment hides the
    parameter) is returned as a :class:`Parameter` with ``type_name`` ``"unreadable"``; it
    cannot be set from an edition.

    Raises
    ------
    ConfigError
        When the notebook has no cell tagged ``parameters``.
    """
    import logging

    from papermill import inspect_notebook
    from papermill.iorw import load_notebook_node
    from papermill.utils import find_first_tagged_cell_index

    try:
        nb = load_notebook_node(str(path))
    except (OSError, ValueError, AttributeError, KeyError, TypeError) as exc:  # NotJSONError
        reason = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise ConfigError(problems=[problem(path, "", f"unreadable notebook ({reason})",
                                            "a notebook in JSON")]) from None
    index = find_first_tagged_cell_index(nb, "parameters")
    if index < 0:
        raise ConfigError(problems=[problem(path, "parameters cell", "no cell tagged 'parameters'",
                                            "one cell tagged 'parameters' declaring "
                                            "`edition: str = ...`")])
    papermill_log = logging.getLogger("papermill")
    level = papermill_log.level
    papermill_log.setLevel(logging.ERROR)  # its "Unable to parse line" warning: reported below
    try:
        found = {name: Parameter(name, p["inferred_type_name"], p["default"], p["help"])
                 for name, p in inspect_notebook(str(path)).items()}
    finally:
        papermill_log.setLevel(level)
    for number, line in enumerate(nb.cells[index].source.splitlines(), start=1):
        match = _ASSIGNMENT.match(line)
        if match and line.count("=") > 1 and match.group(1) not in found:
            found[match.group(1)] = Parameter(match.group(1), UNREADABLE, "", f"line {number}")
    return found


def validate_edition(edition: Edition, notebooks: list[Path]) -> dict[Path, dict[str, Any]]:
    """Check the edition against every notebook; return the parameters to pass to each.

    Every notebook must declare ``edition``; every edition key must be declared by at least one
    notebook (``seed`` excepted); a value must fit the type each declaring notebook gives it and
    mean something (:mod:`evaluation.pipeline.edition_values`: draws, seed, years, scenarios,
    paths).
    Each notebook receives only the parameters it declares.

    Raises
    ------
    ConfigError
        One problem per unknown name, wrong type or missing ``edition`` declaration.
    """
    problems: list[Problem] = []
    declared: dict[Path, dict[str, Parameter]] = {}
    for nb in notebooks:
        try:
            declared[nb] = notebook_parameters(nb)
        except ConfigError as exc:
            problems += exc.problems
            continue
        if "edition" not in declared[nb]:
            problems.append(problem(nb, "parameters cell", "no `edition` parameter",
                                    "`edition: str = ...` (every notebook declares it)"))
    accepted = sorted({name for params in declared.values() for name, p in params.items()
                       if p.type_name != UNREADABLE})
    for key, value in edition.parameters.items():
        owners = [nb for nb, params in declared.items() if key in params]
        if not owners and key not in RESERVED_PARAMETERS and declared:
            problems.append(problem(edition.path, f"parameter {key!r}",
                                    "a name no notebook declares",
                                    f"one of the accepted names {accepted}"))
        for nb in owners:
            param = declared[nb][key]
            if param.type_name == UNREADABLE:
                problems.append(problem(
                    nb, f"parameters cell, {param.help} ({key})",
                    "a line papermill cannot parse (more than one '=', e.g. in the comment), so "
                    f"{display_path(edition.path)} cannot set {key!r}",
                    "`name: type = value  # comment` with a single '='"))
            elif not param.accepts(value):
                problems.append(problem(
                    edition.path, f"parameter {key!r}",
                    f"{type(value).__name__} {value!r}",
                    f"{param.describe_type()} as declared in {display_path(nb)} "
                    f"(`{key}: {param.type_name} = {param.default}`)"))
    from evaluation.pipeline.edition_values import value_problems

    mistyped = {p.location for p in problems}
    problems += [p for p in value_problems(edition.parameters, path=edition.path)
                 if p.location not in mistyped]
    if problems:
        raise ConfigError(problems=problems)
    return {nb: {k: v for k, v in edition.parameters.items() if k in params}
            for nb, params in declared.items()}
