"""Work done once per edition: a result shared by notebooks, keyed by everything it depends on.

Notebook 02 and the memo (04) need the same Monte Carlo. Whichever kernel asks first computes it
under a file lock; the other waits and reads the stored result. The key covers the call's
arguments, the bytes of the input files and of the library modules that compute it,
so a changed input, parameter or line of code gives a new result, never a stale one. Results
live in ``reports/.cache/`` (never published, removed by ``make clean``).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import pickle
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

import pandas as pd

from evaluation import project

T = TypeVar("T")
CACHE_FOLDER = ".cache"
KEPT_PER_NAME = 2
"""Stored results kept per name (older ones are removed when a new one is stored)."""


def cache_key(*, inputs: Mapping[str, object], paths: Iterable[Path]) -> str:
    """SHA-256 of the arguments (by ``repr``) and of every file in ``paths`` (files, or folders
    searched recursively; names and bytes, so a moved project keeps its key): the data a result
    is computed from and the source of the code that computes it."""
    digest = hashlib.sha256()
    for name in sorted(inputs):
        digest.update(f"{name}={inputs[name]!r}\n".encode())
    for entry in map(Path, paths):
        digest.update(entry.name.encode() + b"\0" + _content_digest(entry))
    return digest.hexdigest()


def computed_once(name: str, compute: Callable[[], T], *, key: str,
                  folder: Path | None = None) -> T:
    """Return ``compute()``, computed at most once for ``key`` across processes.

    Parameters
    ----------
    name
        What is computed (a file-name-safe word, e.g. ``"effects"``).
    compute
        The computation; called only when no result is stored for ``key``.
    key
        From :func:`cache_key`.
    folder
        Where results are stored; default ``reports/.cache/`` of the current project.
    """
    folder = folder or project.current().reports_dir / CACHE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{name}-{key[:32]}.pickle"
    with open(folder / f"{name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stored.is_file():
            with open(stored, "rb") as f:
                return pickle.load(f)  # noqa: S301 - written by this function, keyed by content
        result = compute()
        partial = stored.with_suffix(f".{os.getpid()}.tmp")
        with open(partial, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(stored)
        for old in sorted(folder.glob(f"{name}-*.pickle"), key=lambda p: p.stat().st_mtime,
                          reverse=True)[KEPT_PER_NAME:]:
            old.unlink(missing_ok=True)
        return result


def reloaded_on_change(files: Callable[[project.Project], Iterable[Path]]
                       ) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """Cache a project loader until one of its files changes; hand out copies.

    The loader is called again when the current project or the bytes of any of ``files(project)``
    differ from the last call (edit ``facts.csv`` in JupyterLab and the next call sees it), and a
    DataFrame or dict is returned as a copy, so no caller can change what the next one gets.
    """
    def decorate(load: Callable[[], T]) -> Callable[[], T]:
        stored: dict[tuple[object, ...], T] = {}

        @functools.wraps(load)
        def cached() -> T:
            here = project.current()
            key = (here.root, *(_content_digest(p) for p in files(here)))
            if key not in stored:
                stored.clear()
                stored[key] = load()
            value = stored[key]
            if isinstance(value, pd.DataFrame | dict):
                return value.copy()  # type: ignore[return-value]
            return value

        return cached
    return decorate


def _content_digest(entry: Path) -> bytes:
    """SHA-256 of a file's bytes, or of every file under a folder (relative path and bytes;
    ``__pycache__`` left out)."""
    files = [entry] if entry.is_file() else sorted(p for p in entry.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        relative = path.relative_to(entry) if path != entry else Path(path.name)
        if "__pycache__" not in relative.parts:
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()
