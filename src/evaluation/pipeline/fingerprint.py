"""Fingerprints of a run's inputs: file checksums, package versions and per-notebook cache keys.

A notebook's cache key covers everything that can change its outputs: its own source, the
parameters it is given, the data files, the library's source and the installed packages. Keys
use file contents, not modification times, so a checkout or a ``touch`` that leaves the bytes
alone does not force a rerun.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import evaluation
from evaluation.cache import package_versions

_SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints"}
LIBRARY_DIR = Path(evaluation.__file__).resolve().parent


@dataclass(frozen=True)
class InputFile:
    """One input file: its label in the manifest, its role and its sha256."""

    path: str
    role: str
    sha256: str


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files_under(folder: Path, *, exclude: tuple[Path, ...] = ()) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not _SKIPPED_PARTS & set(p.parts) and p.suffix != ".pyc"
                  and not any(p.is_relative_to(x) for x in exclude))


def _label(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def collect_inputs(*, root: Path, data_dir: Path, editions_dir: Path, edition_file: Path,
                   notebooks: list[Path], library_dir: Path = LIBRARY_DIR) -> list[InputFile]:
    """Checksum every input of a run: data files, the edition, notebooks, library source.

    Other editions' parameter files are not inputs of this edition. ``library_dir`` is the
    source folder of the ``evaluation`` package (tests point it at a frozen copy).
    """
    inputs = [InputFile(_label(p, root), "data", _sha256(p))
              for p in _files_under(data_dir, exclude=(editions_dir,))]
    inputs.append(InputFile(_label(edition_file, root), "edition", _sha256(edition_file)))
    inputs += [InputFile(_label(p, root), "notebook", _sha256(p)) for p in notebooks]
    inputs += [InputFile(f"src/evaluation/{p.relative_to(library_dir).as_posix()}", "library",
                         _sha256(p)) for p in _files_under(library_dir)]
    return inputs


def cache_key(*, notebook: Path, parameters: dict[str, Any], inputs: list[InputFile],
              root: Path) -> str:
    """The sha256 of a notebook's inputs (see the module docstring).

    Notes
    -----
    key = sha256(json({notebook sha256, parameters, data and library checksums, packages}))
    """
    label = _label(notebook, root)
    payload = {
        "notebook": [i.sha256 for i in inputs if i.path == label],
        "parameters": parameters,
        "inputs": [(i.path, i.sha256) for i in inputs if i.role in ("data", "library")],
        "packages": package_versions(),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
