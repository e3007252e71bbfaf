"""Work done once per edition: a result shared by notebooks, keyed by everything it depends on.

Notebook 02 and the memo (04) need the same Monte Carlo. Whichever kernel asks first computes it
under a file lock; the other waits and reads the stored result. The key covers the call's
arguments, the bytes of the input files and of the library modules that compute it,
so a changed input, parameter or line of code gives a new result, never a stale one. Results
live in ``reports/.cache/`` (never published, removed by ``make clean``).

A result is stored as two files: ``<name>-<key>.pickle``, the object pickled with protocol 5,
and ``<name>-<key>.buffers``, the bytes of its arrays (numpy arrays and the blocks of pandas
frames), kept out of the pickle (PEP 574 out-of-band buffers). Reading maps the buffers file
copy-on-write and hands the arrays views of it, so an array stays writable and writing to it
never changes the file. The key covers the installed packages' versions too
(:func:`package_versions`): results computed with other versions of numpy, SciPy or SALib are
not reused.

Nothing in ``reports/`` is trusted (it may be a shared folder, a synced drive or an unpacked
archive of someone else's reports): the pickle file begins with a keyed MAC (HMAC-SHA256) of
the result's name and full key, the header line, the pickle and every byte of the buffers file,
under a secret kept outside ``reports/`` (:func:`secret_path`: ``$EVALUATION_CACHE_SECRET``, or
``evaluation/secret`` in ``$XDG_CACHE_HOME`` or ``~/.cache``, created on first use with mode
0600, never printed). The MAC is checked before anything is unpickled: a store that was forged,
copied from another key, doctored, cut short or written by another write is computed again,
never read. Without a usable secret (one readable by others, not the user's, unreadable)
nothing is stored or read and results are computed each time. :func:`seal` and :func:`unseal`
do the same for other files kept in ``reports/.cache/`` (compiled templates).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import hmac
import json
import mmap
import os
import pickle
import secrets
import stat
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from evaluation import project

T = TypeVar("T")
CACHE_FOLDER = ".cache"
KEPT_PER_NAME = 2
"""Stored results kept per name (older ones are removed when a new one is stored)."""
PICKLE_SUFFIX = ".pickle"
BUFFERS_SUFFIX = ".buffers"
ALIGNMENT = 64
"""Byte boundary each array starts on in the buffers file (whole cache lines, any dtype)."""
TEMPORARY_SUFFIX = ".tmp"
SECRET_ENV = "EVALUATION_CACHE_SECRET"  # noqa: S105 - a variable name, not a secret
"""Environment variable naming the secret's file (tests point it at a temporary folder)."""
SECRET_BYTES = 32
MAC_BYTES = hashlib.sha256().digest_size


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
    if folder.is_symlink():  # never written through a link: computed, not stored
        return compute()
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{name}-{key[:32]}{PICKLE_SUFFIX}"
    try:
        fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError:  # a link or not a file where the lock belongs
        return compute()
    with os.fdopen(fd, "r+b") as lock:
        _wait_for(lock, folder / f"{name}.lock")
        secret = _secret(secret_path())
        found: Any = _MISSING if secret is None else _read(stored, _context(name, key), secret)
        if found is not _MISSING:
            return found
        for stale in folder.glob(f"{name}-*{TEMPORARY_SUFFIX}"):  # a writer that was stopped
            stale.unlink(missing_ok=True)
        result = compute()
        if secret is None:  # nothing stored that could not be checked when read
            return result
        try:
            _write(result, stored, _context(name, key), secret)
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
LOCK_WAIT_ENV = "EVALUATION_LOCK_WAIT"
"""Environment variable: seconds to wait for a result another process is computing."""
LOCK_WAIT_S = 1800.0
"""Default wait (the largest edition's Monte Carlo takes a few minutes on a shared machine)."""


def _wait_for(lock: BinaryIO, path: Path) -> None:
    """Take ``lock`` (exclusive), waiting at most ``$EVALUATION_LOCK_WAIT`` seconds (default
    :data:`LOCK_WAIT_S`); then write this process's id in it, so that a process left waiting
    can name the holder. Raises :class:`~evaluation.errors.RunError` naming the holder when the
    wait runs out (a process that hangs while holding the lock, not a crashed one: the system
    releases the lock of a process that ends)."""
    import time

    from evaluation.errors import RunError, problem

    try:
        wait = float(os.environ.get(LOCK_WAIT_ENV) or LOCK_WAIT_S)
    except ValueError:
        wait = LOCK_WAIT_S
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _lock_holder(lock)
                raise RunError(problems=[problem(
                    path, "", f"a lock held by process {holder} for more than {wait:g} s",
                    f"the lock released (process {holder} computes this result or hangs: "
                    f"wait for it or stop it; {LOCK_WAIT_ENV} sets the wait)")]) from None
            time.sleep(0.05)
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()).encode())
    lock.flush()


def _lock_holder(lock: BinaryIO) -> str:
    """The process holding ``lock``: from ``/proc/locks`` (Linux) by the file's inode, else the
    process id the holder wrote in it, else ``unknown``."""
    inode = os.fstat(lock.fileno()).st_ino
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as table:
            for line in table:
                fields = line.split()
                if len(fields) > 5 and fields[1] == "FLOCK" \
                        and fields[5].rsplit(":", 1)[-1] == str(inode):
                    return fields[4]
    except OSError:
        pass
    lock.seek(0)
    written = lock.read(20).decode("ascii", "replace").strip()
    return written if written.isascii() and written.isdigit() else "unknown"


def secret_path() -> Path:
    """Where the cache's secret is kept: ``$EVALUATION_CACHE_SECRET``, else
    ``evaluation/secret`` under ``$XDG_CACHE_HOME`` (default ``~/.cache``); never under
    ``reports/``, which is not trusted."""
    named = os.environ.get(SECRET_ENV)
    if named:
        return Path(named)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "evaluation" / "secret"


@functools.cache
def _secret(path: Path) -> bytes | None:
    """The secret's bytes, created on first use (random, mode 0600, its folder 0700), or
    ``None`` when it cannot be created or read, is not a regular file of this user's, can be
    read or written by others, or is not :data:`SECRET_BYTES` long."""
    try:
        if not path.exists() and not path.is_symlink():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}{TEMPORARY_SUFFIX}")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(secrets.token_bytes(SECRET_BYTES))
                os.link(partial, path)  # fails if another process made it first: that one wins
            except FileExistsError:
                pass
            finally:
                partial.unlink(missing_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            status = os.fstat(f.fileno())
            value = f.read(SECRET_BYTES + 1)
    except OSError:
        return None
    private = (stat.S_ISREG(status.st_mode) and status.st_uid == os.getuid()
               and not status.st_mode & 0o077)
    return value if private and len(value) == SECRET_BYTES else None


def _context(name: str, key: str) -> bytes:
    """What a store is bound to: its name and full key (a store copied under another key fails)."""
    return f"{name}\0{key}".encode()


def _mac(secret: bytes, *parts: bytes | memoryview | mmap.mmap) -> bytes:
    """HMAC-SHA256 of ``parts``, each preceded by its length (no two splits give one MAC)."""
    mac = hmac.new(secret, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.digest()


def seal(data: bytes, context: str) -> bytes | None:
    """``data`` preceded by its MAC under the cache's secret and ``context`` (what it is, e.g.
    its file name), or ``None`` without a usable secret (then nothing is to be stored)."""
    secret = _secret(secret_path())
    if secret is None:
        return None
    return _mac(secret, context.encode(), data) + data


def unseal(sealed: bytes, context: str) -> bytes | None:
    """The data :func:`seal` sealed for ``context``, or ``None`` when its MAC does not match
    (forged, doctored, copied from another context) or there is no usable secret."""
    secret = _secret(secret_path())
    if secret is None or len(sealed) < MAC_BYTES:
        return None
    data = sealed[MAC_BYTES:]
    return data if hmac.compare_digest(sealed[:MAC_BYTES], _mac(secret, context.encode(), data)) \
        else None


def _write(result: object, stored: Path, context: bytes, secret: bytes) -> None:
    """Store ``result`` as ``stored`` and its ``.buffers`` sibling (the arrays' bytes, each at a
    multiple of :data:`ALIGNMENT`), each written to a temporary file and then renamed into place,
    the buffers first; the temporary files are removed if writing fails.

    ``stored`` holds the MAC, one line of JSON (the buffers file's size and the array spans) and
    the pickle; the MAC covers ``context``, the line, the pickle and the buffers' bytes.
    """
    buffers = stored.with_suffix(BUFFERS_SUFFIX)
    partial_buffers = buffers.with_suffix(f".{os.getpid()}.buffers{TEMPORARY_SUFFIX}")
    partial = stored.with_suffix(f".{os.getpid()}{TEMPORARY_SUFFIX}")
    spans: list[tuple[int, int]] = []
    mac_of_buffers = hmac.new(secret, digestmod=hashlib.sha256)
    try:
        with open(partial_buffers, "wb") as out:

            def keep_out_of_band(buffer: pickle.PickleBuffer) -> bool:
                raw = buffer.raw()
                padding = bytes(-out.tell() % ALIGNMENT)
                out.write(padding)
                spans.append((out.tell(), raw.nbytes))
                out.write(raw)
                mac_of_buffers.update(padding)
                mac_of_buffers.update(raw)
                return False  # not in the pickle

            body = pickle.dumps(result, protocol=5, buffer_callback=keep_out_of_band)
            size = out.tell()
        header = json.dumps({"size": size, "spans": spans}).encode()
        mac = _mac(secret, context, header, body, mac_of_buffers.digest())
        with open(partial, "wb") as f:
            f.write(mac + header + b"\n" + body)
        partial_buffers.replace(buffers)
        partial.replace(stored)
    finally:
        partial_buffers.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)


def _read(stored: Path, context: bytes, secret: bytes) -> Any:
    """The result stored as ``stored`` and its ``.buffers`` sibling, or :data:`_MISSING` when
    either file is missing or is not a regular file, the MAC does not match (forged, doctored,
    copied from another key, another write's buffers, cut short), or the pickle cannot be read
    back (written by other library versions). Nothing is unpickled before the MAC matched."""
    buffers = stored.with_suffix(BUFFERS_SUFFIX)
    try:
        with _open_regular(stored) as f:
            mac, rest = f.read(MAC_BYTES), f.read()
        header, _, body = rest.partition(b"\n")
        found = json.loads(header)
        size = int(found["size"])
        spans = [(int(start), int(n)) for start, n in found["spans"]]
        with _open_regular(buffers) as b:
            if os.fstat(b.fileno()).st_size != size:
                return _MISSING
            mapped = mmap.mmap(b.fileno(), 0, access=mmap.ACCESS_COPY) if size else b""
    except (OSError, ValueError, KeyError, TypeError):  # missing, or not written by this module
        return _MISSING
    mac_of_buffers = hmac.new(secret, mapped, digestmod=hashlib.sha256).digest()
    if not hmac.compare_digest(mac, _mac(secret, context, header, body, mac_of_buffers)):
        return _MISSING
    view = memoryview(mapped)
    try:  # the MAC matched: written by this module, for this key, with this secret
        return pickle.loads(body, buffers=[view[start:start + n]  # noqa: S301 - see above
                                           for start, n in spans])
    except Exception:  # noqa: BLE001 - any unreadable store is computed again
        return _MISSING


def _open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading, without following a link or waiting on a FIFO; an
    :class:`OSError` unless it is a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path}: not a regular file")
    return os.fdopen(fd, "rb")


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
