"""Where the project is, and how a path is shown to a reader: one rule for every message.

The root is found, in this order, from ``EVALUATION_ROOT`` (``evaluation --project DIR`` sets
it) or the working folder and its parents (the first one holding ``data/sources.yaml``). A path
inside the root is shown relative to it, whichever subfolder the command runs from; a path
outside is shown as given.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT_ENV = "EVALUATION_ROOT"
"""Environment variable naming the project root (set by ``evaluation --project DIR``)."""


def is_root(path: Path) -> bool:
    """Whether ``path`` is a project root (holds ``data/sources.yaml``)."""
    return (path / "data" / "sources.yaml").is_file()


def find_root(start: Path | None = None) -> Path | None:
    """The project root named by ``EVALUATION_ROOT`` (resolved, whether or not it exists), else
    the first of ``start`` (default: the working folder) and its parents that is a root, else
    ``None``."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    return next((folder for folder in (here, *here.parents) if is_root(folder)), None)


def display_path(path: str | Path, *, root: Path | None = None) -> str:
    """``path`` relative to ``root`` (default: :func:`find_root`) when it lies inside it, else
    as given."""
    p = Path(path)
    base = root if root is not None else find_root()
    if base is None:
        return str(p)
    try:
        return str(p.resolve().relative_to(Path(base).resolve()))
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symbolic-link loop
        try:
            return str(p.absolute().relative_to(base))
        except ValueError:
            return str(p)
