"""One small exception hierarchy; every message names where, what was found, what was expected."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from evaluation.paths import display_path


@dataclass(frozen=True)
class Problem:
    """One problem found in an input: where it is, what was found, what was expected."""

    file: str
    location: str
    found: str
    expected: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.location}" if self.location else self.file
        return _one_line(f"{where}: found {self.found}; expected {self.expected}")


def _one_line(text: str) -> str:
    """``text`` with every line break (and the spaces around it) as one space: one problem, one
    line, even when a quote or an exception message spans several."""
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", text)


class EvaluationError(Exception):
    """Base class of every error the toolkit raises on purpose."""

    exit_code = 2

    def __init__(self, message: str = "", problems: Iterable[Problem] = ()) -> None:
        self.problems = list(problems)
        if not message:
            message = "\n".join(str(p) for p in self.problems)
        super().__init__(message)


class DataError(EvaluationError):
    """A source document, facts table or data file is malformed or inconsistent."""


class ParameterError(EvaluationError):
    """A model parameter or scenario file is malformed or out of range."""


class ConfigError(EvaluationError):
    """An edition config or notebook parameter is unknown or of the wrong type."""


class RunError(EvaluationError):
    """A notebook failed to execute or the report could not be published."""


class KernelError(RunError):
    """A notebook's kernel could not be started or stopped answering."""


class ProjectNotFoundError(ConfigError):
    """No project root could be found from the working folder, ``--project`` or the environment."""


def problem(file: str | Path, location: str, found: object, expected: str) -> Problem:
    """Build a :class:`Problem` with the file shown relative to the project root
    (:func:`evaluation.paths.display_path`)."""
    return Problem(display_path(file), location, str(found), expected)
