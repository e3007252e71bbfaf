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
touched, stays writable, and writing to it never changes the file. The pickle file begins with
a line of JSON naming the buffers file it was written with (a random tag at the start of both,
and its size), checked before anything is unpickled: a store with one file missing, cut short,
from another write or unreadable is computed again, never read. The key covers the installed
packages' versions too (:func:`package_versions`): results computed with other versions of
numpy, SciPy or SALib are not reused.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import mmap
import os
import pickle
import secrets
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

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
TEMPORARY_SUFFIX = ".tmp"


def cache_key(*, inputs: Mapping[str, object], paths: Iterable[Path]) -> str:
    """SHA-256 of the arguments (by ``repr``), of every file in ``paths`` (files, or folders
    searched recursively; names and bytes, so a moved project keeps its key) and of the installed
    packages' versions: the data a result is computed from and the code that computes it."""
    digest = hashlib.sha256()
    digest.update(json.dumps(package_versions(), sort_keys=True).encode())
    for name in sorted(inputs):
        digest.update(f"{name}={inputs[name]!r}\n".encode())
    for entry in map(Path, paths):
        digest.update(entry.name.encode() + b"\0" + _content_digest(entry))
    return digest.hexdigest()


@functools.cache
def package_versions() -> dict[str, str]:
    """Name → version of every installed distribution, plus ``python``.

    Read from the ``Name`` and ``Version`` header lines at the top of each distribution's core
    metadata (what ``importlib.metadata`` reports, without parsing the whole file: ten times
    faster, and every run without work computes this).
    """
    from importlib.metadata import distributions

    versions = {}
    for dist in distributions():
        fields = _header_fields(dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "",
                                ("Name", "Version"))
        if fields.get("Name"):
            versions[fields["Name"].lower()] = fields.get("Version", "")
    versions["python"] = sys.version.split()[0]
    return dict(sorted(versions.items()))


def _header_fields(text: str, names: tuple[str, ...]) -> dict[str, str]:
    """The first value of each of ``names`` among the header lines of core metadata (the
    lines before the first empty one)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line:
            break
        key, _, value = line.partition(":")
        if key in names and key not in found:
            found[key] = value.strip()
    return found


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
        for stale in folder.glob(f"{name}-*{TEMPORARY_SUFFIX}"):  # a writer that was stopped
            stale.unlink(missing_ok=True)
        result = compute()
        try:
            _write(result, stored)
        except OSError:  # disk full, folder removed: the result stands, computed again next time
            return result
        kept = sorted(folder.glob(f"{name}-*{PICKLE_SUFFIX}"), key=lambda p: p.stat().st_mtime,
                      reverse=True)[:KEPT_PER_NAME]
        for old in [*folder.glob(f"{name}-*{PICKLE_SUFFIX}"),
                    *folder.glob(f"{name}-*{BUFFERS_SUFFIX}")]:
            if old.with_suffix(PICKLE_SUFFIX) not in kept:
                old.unlink(missing_ok=True)
        return result


_MISSING = object()


def _write(result: object, stored: Path) -> None:
    """Store ``result`` as ``stored`` and its ``.buffers`` sibling (the arrays' bytes, each at a
    multiple of :data:`ALIGNMENT`), each written to a temporary file and then renamed into place,
    the buffers first; the temporary files are removed if writing fails.

    ``stored`` begins with one line of JSON (the buffers file's tag, size and array spans),
    checked before anything of it is unpickled, then the pickle.
    """
    tag = secrets.token_hex(TAG_BYTES)
    buffers = stored.with_suffix(BUFFERS_SUFFIX)
    partial_buffers = buffers.with_suffix(f".{os.getpid()}.buffers{TEMPORARY_SUFFIX}")
    partial = stored.with_suffix(f".{os.getpid()}{TEMPORARY_SUFFIX}")
    spans: list[tuple[int, int]] = []
    try:
        with open(partial_buffers, "wb") as out:
            out.write(bytes.fromhex(tag))

            def keep_out_of_band(buffer: pickle.PickleBuffer) -> bool:
                raw = buffer.raw()
                out.write(bytes(-out.tell() % ALIGNMENT))
                spans.append((out.tell(), raw.nbytes))
                out.write(raw)
                return False  # not in the pickle

            body = pickle.dumps(result, protocol=5, buffer_callback=keep_out_of_band)
            size = out.tell()
        with open(partial, "wb") as f:
            f.write(json.dumps({"tag": tag, "size": size, "spans": spans}).encode() + b"\n")
            f.write(body)
        partial_buffers.replace(buffers)
        partial.replace(stored)
    finally:
        partial_buffers.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)


def _read(stored: Path) -> Any:
    """The result stored as ``stored`` and its ``.buffers`` sibling, or :data:`_MISSING` when
    either file is missing, they do not belong together (another write's tag, another size), or
    the pickle cannot be read back (cut short, written by other library versions)."""
    buffers = stored.with_suffix(BUFFERS_SUFFIX)
    if not (stored.is_file() and buffers.is_file()):
        return _MISSING
    with open(stored, "rb") as f:
        try:
            header = json.loads(f.readline())
            tag, size = bytes.fromhex(header["tag"]), int(header["size"])
            spans = [(int(start), int(n)) for start, n in header["spans"]]
        except (ValueError, KeyError, TypeError):  # not written by this module
            return _MISSING
        with open(buffers, "rb") as b:
            if b.read(TAG_BYTES) != tag or os.fstat(b.fileno()).st_size != size:
                return _MISSING
            mapped = mmap.mmap(b.fileno(), 0, access=mmap.ACCESS_COPY)
        view = memoryview(mapped)
        try:  # the tag matched: both files come from one write by this module
            return pickle.load(f, buffers=[view[start:start + n]  # noqa: S301 - see above
                                           for start, n in spans])
        except Exception:  # noqa: BLE001 - any unreadable store is computed again
            return _MISSING


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
            import pandas as pd  # loaders return frames; importing the cache does not need it

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
