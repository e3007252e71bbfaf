"""Shared test set-up: a non-interactive matplotlib backend, the project, and one published
edition that every test reading published reports shares (it is run once per session)."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")
# --- #21: the cache's secret (evaluation.cache.SECRET_ENV) in the machine's temporary folder,
# one per user and shared by the workers, never in the user's home.
os.environ.setdefault("EVALUATION_CACHE_SECRET", os.path.join(
    tempfile.gettempdir(), f"evaluation-tests-{os.getuid()}", "secret"))

import fcntl  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from evaluation import project  # noqa: E402

SMALL_DRAWS = {"draws": 4000, "tier_draws": 1000, "sobol_n": 512, "recovery_panels": 2,
               "workers": 1}
"""Edition values that keep the shared run fast (Monte Carlo and firm draws, the Sobol base
sample, the SYNTHETIC recovery study in the kernel); every other value is the shipped
edition's."""


@dataclass(frozen=True)
class Published:
    """The shared published edition: a copy of the project and its run."""

    root: Path
    edition: str
    report: object

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def folder(self) -> Path:
        return self.reports / self.edition


@pytest.fixture(scope="session")
def root():
    """The project root."""
    return project.current().root


def copy_project(root: Path) -> Path:
    """Copy the project's data/ and notebooks/ to ``root`` (a project the test may change)."""
    source = project.current()
    for folder in ("data", "notebooks"):
        shutil.copytree(source.root / folder, root / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="session")
def project_copy() -> Callable[[Path], Path]:
    """:func:`copy_project`, for tests that need their own copy of the project."""
    return copy_project


@pytest.fixture(scope="session")
def published_edition(tmp_path_factory) -> Published:
    """The shipped default edition (small draws) published once, in a copy of the project.

    Tests that read published HTML, tables, figures, the workbook or the memo use this instead
    of running the notebooks again. The copy holds data/ and notebooks/; reports/ is its own.
    Under pytest-xdist the workers share one run: the first to ask publishes it under a file
    lock in the session's common temporary folder, the others wait and read it.
    """
    from evaluation.pipeline.runner import RunReport, run_edition
    from evaluation.project import Project

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    root, done = shared / "published" / "project", shared / "published" / "report.json"
    edition = default_edition(project.current().root)
    with open(shared / "published.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            shutil.rmtree(root, ignore_errors=True)  # a worker's failed attempt
            copy_project(root)
            with_small_draws(root / "data" / "editions" / f"{edition}.yaml")
            ran = run_edition(edition, project=Project(root), extras=True)
            done.write_text(json.dumps(asdict(ran)), encoding="utf-8")
    report = RunReport(**json.loads(done.read_text(encoding="utf-8")))
    return Published(root=root, edition=edition, report=report)


def with_small_draws(path: Path) -> None:
    """Set :data:`SMALL_DRAWS` in an edition file, keeping its other lines and comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for name, value in SMALL_DRAWS.items():
        line = f"{name}: {value}"
        at = [i for i, text in enumerate(lines) if text.startswith(f"{name}:")]
        if at:
            lines[at[0]] = line
        else:
            lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert {k: yaml.safe_load(path.read_text(encoding="utf-8"))[k] for k in SMALL_DRAWS} \
        == SMALL_DRAWS


def default_edition(root: Path) -> str:
    """The edition ``make report`` publishes (the Makefile's ``EDITION``)."""
    for line in (root / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("EDITION ?="):
            return line.split("=", 1)[1].strip()
    raise AssertionError("Makefile has no `EDITION ?=` line")
