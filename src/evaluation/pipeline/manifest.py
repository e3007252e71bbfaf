"""An edition's ``manifest.json``: what was run, on which inputs, with what result.

It records the edition and its parameters, every input file with its sha256, package versions,
the git commit and dirty flag, the seed, start and end times, and each notebook's status,
duration, cache key and outputs. The runner reads it back to decide what is cached.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evaluation.cache import package_versions
from evaluation.pipeline.fingerprint import InputFile

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = 1


@dataclass
class NotebookRecord:
    """One notebook's entry in the manifest."""

    name: str
    status: str
    """``ok`` or ``failed``."""
    duration_s: float
    cache_key: str
    parameters: dict[str, Any]
    executed_at: str
    """When the outputs were produced (an earlier run's time for a cached notebook)."""
    html: str
    ipynb: str
    outputs: list[str] = field(default_factory=list)
    cached: bool = False
    error: str | None = None
    pages: list[str] = field(default_factory=list)
    """The page in each further language (``<name>.<lang>.html``); ``html`` is the first."""
    role: str = "report"
    """What the notebook is for (``metadata.evaluation.role``): ``report`` or ``memo``."""


def git_state(root: Path) -> dict[str, Any]:
    """The commit checked out at ``root`` and whether the work tree differs from it.

    ``{"commit": None, "dirty": None}`` outside a git work tree or without git.
    """
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                                  text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain")
    return {"commit": commit.strip(), "dirty": bool(status.strip()) if status is not None else None}


def build_manifest(*, edition: str, edition_file: str, parameters: dict[str, Any],
                   seed: Any, inputs: list[InputFile], root: Path, started: str, finished: str,
                   notebooks: list[NotebookRecord]) -> dict[str, Any]:
    """Assemble the manifest (a JSON-ready dict)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "edition": edition,
        "edition_file": edition_file,
        "parameters": parameters,
        "seed": seed,
        "started": started,
        "finished": finished,
        "git": git_state(root),
        "packages": package_versions(),
        "inputs": [asdict(i) for i in inputs],
        "notebooks": [asdict(n) for n in notebooks],
    }


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically (temporary file then rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest in ``folder``, or ``None`` when absent or unreadable."""
    try:
        return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def notebook_records(manifest: dict[str, Any] | None) -> dict[str, NotebookRecord]:
    """The manifest's notebook entries by name (empty without a manifest)."""
    if not manifest:
        return {}
    fields = NotebookRecord.__dataclass_fields__
    return {n["name"]: NotebookRecord(**{k: v for k, v in n.items() if k in fields})
            for n in manifest.get("notebooks", [])}
