"""Shared test set-up: a non-interactive matplotlib backend, the project the tests own, and one
published edition that every test reading published reports shares (it is run once per session).

The tests own their data (#22): every test process works in a copy of the project that holds
only the documents the tests are written against (:data:`TEST_DOCUMENTS`, with their facts,
ignored numbers and checks, and the default edition), found through ``EVALUATION_ROOT``.
Documents, facts and editions a user adds the README's way ("Rerunning next year") are left
out, so they change no test but ``tests/test_shipped_data.py``, which reads the repository's
own data.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")
# --- #21: the cache's secret (evaluation.cache.SECRET_ENV) in the machine's temporary folder,
# one per user and shared by the workers, never in the user's home.
os.environ.setdefault("EVALUATION_CACHE_SECRET", os.path.join(
    tempfile.gettempdir(), f"evaluation-tests-{os.getuid()}", "secret"))

import atexit  # noqa: E402
import fcntl  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from evaluation import project  # noqa: E402

# --- #22: the project the tests own (see the module docstring).
REPO = Path(__file__).resolve().parents[1]
"""The repository (its ``data/`` is what ``tests/test_shipped_data.py`` pins)."""
TEST_DOCUMENTS = ("plan2013", "plan2015")
"""The documents the generic tests are written against: the two plans the toolkit shipped with."""
# --- #24: the statistics table report 05 reads (data, not a document: it has no facts).
TEST_TABLES = ("provincial_gfcf",)
"""Statistical tables kept in the tests' project beside :data:`TEST_DOCUMENTS`."""
ROOT_FILES = ("Makefile", "pyproject.toml", "environment.yml", "requirements.lock", "README.md")
OWN_ROOT_ENV = "EVALUATION_TESTS_OWN_ROOT"


def own_project(root: Path, *, source: Path = REPO) -> Path:
    """Copy ``source``'s project to ``root`` with only :data:`TEST_DOCUMENTS`: their registry
    entries and files, facts, ignored numbers, the checks that name only their facts (by id, or
    by meaning in one of their years), and only the default edition (the Makefile's
    ``EDITION``); every other input as it is. Entries are removed line by line, so what is kept
    is byte for byte what the files say."""
    import csv

    shutil.copytree(source / "data", root / "data")
    shutil.copytree(source / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name in ROOT_FILES:
        shutil.copy2(source / name, root / name)
    data = root / "data"
    dropped = _keep_entries(data / "sources.yaml",
                            lambda e: e.get("id") in (*TEST_DOCUMENTS, *TEST_TABLES))
    for entry in dropped:
        (data / "raw" / str(entry.get("file"))).unlink(missing_ok=True)
    with open(data / "facts.csv", encoding="utf-8", newline="") as handle:
        lines = handle.read().splitlines(keepends=True)
    kept = [lines[0]] + [line for line, row in zip(lines[1:], csv.reader(lines[1:]), strict=True)
                         if row[1:2] and row[1] in TEST_DOCUMENTS]
    (data / "facts.csv").write_text("".join(kept), encoding="utf-8", newline="")
    facts = list(csv.DictReader(kept))
    ids, years = {f["fact_id"] for f in facts}, {int(f["year"]) for f in facts}
    _keep_entries(data / "ignored_numbers.yaml", lambda e: e.get("source") in TEST_DOCUMENTS)
    _keep_entries(data / "checks.yaml", lambda e: _check_within(e, ids, years))
    edition = default_edition(root)
    for path in (data / "editions").glob("*.yaml"):
        if path.stem != edition:
            path.unlink()
    return root


def _keep_entries(path: Path, keep: Callable[[dict], bool]) -> list[dict]:
    """Remove the entries of the top-level list in a YAML file (items at ``  - ``, each with the
    comment lines just above it) that ``keep`` refuses; return those removed."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    head, blocks, pending = [], [], []  # lines before the first item; items; comments
    for line in lines:
        if line.startswith("  - "):
            blocks.append(pending + [line])
            pending = []
        elif not blocks or (line.strip() and not line.lstrip().startswith("#")
                            and line.startswith("    ")):
            (blocks[-1] if blocks else head).extend(pending + [line])
            pending = []
        else:
            pending.append(line)
    kept, dropped = [], []
    for block in blocks:
        entry = yaml.safe_load("items:\n" + "".join(block))["items"][0]
        (kept if keep(entry) else dropped).append((block, entry))
    if dropped:
        path.write_text("".join(head + [ln for block, _ in kept for ln in block] + pending),
                        encoding="utf-8")
    return [entry for _, entry in dropped]


def _check_within(check: dict, ids: set[str], years: set[int]) -> bool:
    """Whether every term of a check names a kept fact: by id, or by meaning in a kept year."""
    for value in check.values():
        for term in value if isinstance(value, list) else [value]:
            if isinstance(term, dict) and "fact" in term and str(term["fact"]) not in ids:
                return False
            if isinstance(term, dict) and "year" in term and int(term["year"]) not in years:
                return False
            if (isinstance(term, str) and term.count(".") >= 2 and " " not in term
                    and term not in ids):
                return False
    return True


def default_edition(root: Path) -> str:
    """The edition ``make report`` publishes (the Makefile's ``EDITION``)."""
    for line in (root / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("EDITION ?="):
            return line.split("=", 1)[1].strip()
    raise AssertionError("Makefile has no `EDITION ?=` line")


if OWN_ROOT_ENV not in os.environ:  # the first process of a session; xdist workers inherit it
    _own = Path(tempfile.mkdtemp(prefix="evaluation-tests-")) / "project"
    own_project(_own)
    atexit.register(shutil.rmtree, _own.parent, True)
    os.environ[project.ROOT_ENV] = os.environ[OWN_ROOT_ENV] = str(_own)
# --- end #22

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

