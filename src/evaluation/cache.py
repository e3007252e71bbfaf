"""Work done once per edition: a result shared by notebooks, keyed by everything it depends on.

Notebook 02 and the memo (04) need the same Monte Carlo. Whichever kernel asks first computes it
under a file lock; the other waits and reads the stored result. The key covers the call's
arguments, the bytes of the input files and of the library modules that compute it,
so a changed input, parameter or line of code gives a new result, never a stale one. Results
live in ``reports/.cache/`` (never published, removed by ``make clean``).

A result is stored as two files: ``<name>-<key>.pickle``, the object pickled with protocol 5,
and ``<name>-<key>.buffers``, the bytes of its arrays (numpy arrays and the blocks of pandas
frames), kept out of the pickle (PEP 574 out-of-band buffers). Reading maps the buffers file
copy-on-write and hands the arrays views of it, so an array is read from disk only when it is
touched, stays writable, and writing to it never changes the file. The pickle names the buffers
file it was written with (a random tag at the start of both, and its size): a store with one file
missing, cut short or from another write is computed again, never read.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import mmap
import os
import pickle
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from evaluation import project

T = TypeVar("T")
CACHE_FOLDER = ".cache"
KEPT_PER_NAME = 2
"""Stored results kept per name (older ones are removed when a new one is stored)."""
PICKLE_SUFFIX = ".pickle"
BUFFERS_SUFFIX = ".buffers"
ALIGNMENT = 64
"""Byte boundary each array starts on in the buffers file (whole cache lines, any dtype)."""
TAG_BYTES = 16


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

    Notes
    -----
    The result is read back with its arrays mapped from the buffers file (see the module's
    docstring); the :data:`KEPT_PER_NAME` newest results per name are kept, both files of each.
    """
    folder = folder or project.current().reports_dir / CACHE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{name}-{key[:32]}{PICKLE_SUFFIX}"
    with open(folder / f"{name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _read(stored)
        if found is not _MISSING:
            return found
        result = compute()
        _write(result, stored)
        kept = sorted(folder.glob(f"{name}-*{PICKLE_SUFFIX}"), key=lambda p: p.stat().st_mtime,
                      reverse=True)[:KEPT_PER_NAME]
        for old in [*folder.glob(f"{name}-*{PICKLE_SUFFIX}"),
                    *folder.glob(f"{name}-*{BUFFERS_SUFFIX}")]:
            if old.with_suffix(PICKLE_SUFFIX) not in kept:
                old.unlink(missing_ok=True)
        return result


_MISSING = object()


def _write(result: object, stored: Path) -> None:
    """Store ``result`` as ``stored`` (the pickle) and its ``.buffers`` sibling (the arrays'
    bytes, each at a multiple of :data:`ALIGNMENT`), each written to a temporary file and then
    renamed into place, the buffers first."""
    tag = secrets.token_bytes(TAG_BYTES)
    buffers = stored.with_suffix(BUFFERS_SUFFIX)
    partial_buffers = buffers.with_suffix(f".{os.getpid()}.buffers.tmp")
    partial = stored.with_suffix(f".{os.getpid()}.tmp")
    spans: list[tuple[int, int]] = []
    with open(partial_buffers, "wb") as out:
        out.write(tag)

        def keep_out_of_band(buffer: pickle.PickleBuffer) -> bool:
            raw = buffer.raw()
            padding = -out.tell() % ALIGNMENT
            out.write(bytes(padding))
            start = out.tell()
            out.write(raw)
            spans.append((start, raw.nbytes))
            return False  # not in the pickle

        body = pickle.dumps(result, protocol=5, buffer_callback=keep_out_of_band)
        size = out.tell()
    with open(partial, "wb") as f:
        pickle.dump({"tag": tag, "size": size, "spans": spans}, f, protocol=5)
        f.write(body)
    partial_buffers.replace(buffers)
    partial.replace(stored)


def _read(stored: Path) -> Any:
    """The result stored as ``stored`` and its ``.buffers`` sibling, or :data:`_MISSING` when
    either file is missing or they do not belong together (another write's tag, another size)."""
    buffers = stored.with_suffix(BUFFERS_SUFFIX)
    if not (stored.is_file() and buffers.is_file()):
        return _MISSING
    with open(stored, "rb") as f:
        try:
            header = pickle.load(f)  # noqa: S301 - written by this function, keyed by content
        except (pickle.UnpicklingError, EOFError, ValueError):
            return _MISSING
        if not (isinstance(header, dict) and {"tag", "size", "spans"} <= header.keys()):
            return _MISSING
        with open(buffers, "rb") as b:
            if (b.read(TAG_BYTES) != header["tag"]
                    or os.fstat(b.fileno()).st_size != header["size"]):
                return _MISSING
            mapped = mmap.mmap(b.fileno(), 0, access=mmap.ACCESS_COPY)
        view = memoryview(mapped)
        return pickle.load(f, buffers=[view[start:start + n]  # noqa: S301 - as above
                                       for start, n in header["spans"]])


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
