"""The project: its root folder and every path derived from it (cookiecutter-data-science style).

The root is found, in this order, from ``--project DIR`` (the CLI sets ``EVALUATION_ROOT``), the
``EVALUATION_ROOT`` environment variable, or the working folder and its parents (the first one
holding ``data/sources.yaml``). Nothing is decided at import time, so a kernel, a test
or a command that changes folder or environment sees the project it is in; when none is found the
error says where it looked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from evaluation.errors import ProjectNotFoundError
from evaluation.paths import ROOT_ENV, display_path, is_root

OUTPUT_DIR_ENV = "EVALUATION_OUTPUT_DIR"
"""Environment variable naming the folder a notebook writes tables and figures into."""


@dataclass(frozen=True)
class Project:
    """A project folder and the paths of its inputs and outputs.

    Parameters
    ----------
    root
        The project root (holds ``pyproject.toml``, ``data/``, ``notebooks/``, ``reports/``).
    """

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> Project:
        """Find the project from ``EVALUATION_ROOT`` or ``start`` (default: the working folder).

        Raises
        ------
        ProjectNotFoundError
            When neither names a folder with ``data/sources.yaml``.
        """
        env = os.environ.get(ROOT_ENV)
        if env:
            root = Path(env).resolve()
            if not root.is_dir():
                raise ProjectNotFoundError(
                    f"{ROOT_ENV}={env}: found no such folder; expected the root of an "
                    "evaluation project")
            return cls(root)
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if is_root(folder):
                return cls(folder)
        raise ProjectNotFoundError(
            f"{here}: found no evaluation project here or in any parent folder; expected a folder "
            f"with data/sources.yaml (run from the project, pass --project DIR or set "
            f"{ROOT_ENV})")

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def sources_file(self) -> Path:
        return self.data_dir / "sources.yaml"

    @property
    def indicators_file(self) -> Path:
        return self.data_dir / "indicators.yaml"

    @property
    def facts_file(self) -> Path:
        return self.data_dir / "facts.csv"

    @property
    def ignored_numbers_file(self) -> Path:
        return self.data_dir / "ignored_numbers.yaml"

    @property
    def checks_file(self) -> Path:
        return self.data_dir / "checks.yaml"

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "model"

    @property
    def parameters_file(self) -> Path:
        return self.model_dir / "parameters.yaml"

    @property
    def scenarios_file(self) -> Path:
        return self.model_dir / "scenarios.yaml"

    @property
    def panel_dir(self) -> Path:
        return self.data_dir / "panel"

    @property
    def editions_dir(self) -> Path:
        return self.data_dir / "editions"

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @contextmanager
    def activated(self) -> Iterator[Project]:
        """Make this the current project (``EVALUATION_ROOT``) for the block: kernels and
        library calls started inside it find the same project."""
        previous = os.environ.get(ROOT_ENV)
        os.environ[ROOT_ENV] = str(self.root)
        try:
            yield self
        finally:
            if previous is None:
                os.environ.pop(ROOT_ENV, None)
            else:
                os.environ[ROOT_ENV] = previous

    def display_path(self, path: str | Path) -> str:
        """Return ``path`` relative to the root when it lies inside it
        (:func:`evaluation.paths.display_path`)."""
        return display_path(path, root=self.root)


def current() -> Project:
    """The project of this process (see the module docstring for how it is found)."""
    return Project.find()

