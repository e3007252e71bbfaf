"""All-or-nothing publishing of an edition folder.

A run builds everything in ``reports/.staging/<edition>-<pid>/``. Publishing swaps that folder
for ``reports/<edition>/`` with two renames on the same file system while SIGINT and SIGTERM are
blocked, so a reader sees the old edition or the new one, never a mix. A failed run never
touches ``reports/<edition>/``; it replaces ``reports/<edition>.failed/`` instead. Leftovers of
a killed run (staging folders of dead processes, a half-finished swap) are cleaned up, or put
back, by the next run.

Nothing outside ``reports/`` can be written: every function here checks the edition name
(:func:`evaluation.pipeline.editions.check_edition_name`) before it builds a path from it, and
:func:`swap_in` refuses a target that is not a folder directly inside the reports folder that
holds the staging area. Nothing outside ``reports/`` can be removed either:
:func:`check_reports_tree` refuses a run (before anything is written or removed) when a folder
it writes or removes there (``.staging/`` and this edition's entries in it, the lock file,
``.cache/``, the published edition, ``<edition>.failed/``) is a symbolic link, contains one, or
is not a real folder inside ``reports/``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evaluation.cache import CACHE_FOLDER
from evaluation.errors import DataError, RunError, problem
from evaluation.io import real_path_inside

STAGING = ".staging"
FAILED_SUFFIX = ".failed"
_OLD_SUFFIX = ".old"


def _checked(edition: str) -> str:
    from evaluation.pipeline.editions import check_edition_name

    return check_edition_name(edition)


def edition_dir(reports_dir: Path, edition: str) -> Path:
    """``reports_dir/<edition>``, once the name is known to be a plain edition name."""
    return reports_dir / _checked(edition)


def failed_dir(reports_dir: Path, edition: str) -> Path:
    """Where a failed run of ``edition`` leaves its evidence."""
    _checked(edition)
    return reports_dir / f"{edition}{FAILED_SUFFIX}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_reports_tree(reports_dir: Path, edition: str) -> None:
    """Raise one :class:`RunError` line when a path a run of ``edition`` writes or removes under
    ``reports_dir`` is a symbolic link (or holds one), or is not a real folder (a real file, for
    the lock) inside ``reports_dir``; called before anything is written or removed.

    Checked: ``.staging/``, its entries ``<edition>-*`` and ``<edition>.lock``, ``.cache/`` and
    everything in it, ``<edition>/`` and ``<edition>.failed/`` and everything in them.
    """
    _checked(edition)
    staging = reports_dir / STAGING
    folders = [staging, reports_dir / CACHE_FOLDER, reports_dir / edition,
               failed_dir(reports_dir, edition)]
    try:
        for folder in folders:
            real_path_inside(folder, reports_dir)
        real_path_inside(staging / f"{edition}.lock", reports_dir, what="file")
        entries = sorted(staging.glob(f"{edition}-*")) if staging.is_dir() else []
        for entry in entries:
            real_path_inside(entry, reports_dir, what="folder" if entry.is_dir() else "file")
            pid_text = entry.name.removeprefix(f"{edition}-").partition(".")[0]
            if pid_text.isdigit() and not pid_text.isascii():
                raise DataError(problems=[problem(entry, "", f"an entry named {entry.name!r}",
                                                  f"{edition}-<process id> in ASCII digits, as "
                                                  "a run names its staging folder (remove it)")])
        for folder in [*folders[1:], *(e for e in entries if e.is_dir())]:
            for inside, names, files in os.walk(folder):
                for name in [*names, *files]:
                    path = Path(inside) / name
                    if path.is_symlink():
                        real_path_inside(path, reports_dir,
                                         what="folder" if path.is_dir() else "file")
    except DataError as exc:
        raise RunError(problems=exc.problems) from None


@contextmanager
def edition_lock(reports_dir: Path, edition: str) -> Iterator[None]:
    """Hold an exclusive lock on ``edition`` for one run; a second concurrent run fails.

    The lock file is removed when the run ends. A run that opened the file just before it was
    removed finds, once it holds the lock, that its file is no longer the one at the path, and
    tries again with the new one.
    """
    _checked(edition)
    folder = reports_dir / STAGING
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{edition}.lock"
    while True:
        handle = open(path, "a")  # noqa: SIM115 - closed below, after the lock is released
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RunError(problems=[problem(path, "",
                                             "another `evaluation run` of this edition running",
                                             "one run per edition at a time")]) from None
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current == os.fstat(handle.fileno()).st_ino:
            break
        handle.close()  # removed by the run that just ended: lock the new file
    try:
        yield
    finally:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        handle.close()


def recover(reports_dir: Path, edition: str) -> None:
    """Undo what a killed run left behind for ``edition``.

    Removes staging folders of processes no longer alive; if a swap was cut short between its
    two renames, puts the previous edition back. Links are left alone (see
    :func:`check_reports_tree`, which a run calls first).
    """
    _checked(edition)
    folder = reports_dir / STAGING
    if folder.is_symlink() or not folder.is_dir():
        return
    target = reports_dir / edition
    for entry in folder.glob(f"{edition}-*"):
        stem = entry.name.removeprefix(f"{edition}-")
        pid_text, _, suffix = stem.partition(".")
        if (entry.is_symlink() or not (pid_text.isascii() and pid_text.isdigit())
                or (_alive(int(pid_text)) and int(pid_text) != os.getpid())):
            continue  # a link is never followed; `2013-²` is no process's
        if suffix == _OLD_SUFFIX.lstrip(".") and not target.exists():
            os.rename(entry, target)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def new_staging(reports_dir: Path, edition: str) -> Path:
    """A fresh, empty staging folder for this process."""
    _checked(edition)
    path = reports_dir / STAGING / f"{edition}-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@contextmanager
def _signals_blocked() -> Iterator[None]:
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
"""``errno`` values of a full disk or an exhausted quota."""


def folder_size(path: Path) -> int:
    """Bytes in the files under ``path`` (0 when it does not exist)."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def no_space_error(exc: OSError, *, reports_dir: Path, edition: str, staging: Path) -> RunError:
    """The one-line error for a full disk during a run; removes ``staging`` to free its space.

    It names the reports folder, the free space left and the space needed (the larger of the
    published edition and what the run had written).
    """
    needed = max(folder_size(reports_dir / _checked(edition)), folder_size(staging))
    shutil.rmtree(staging, ignore_errors=True)
    try:
        free = shutil.disk_usage(reports_dir).free
    except OSError:
        free = 0
    written = f" while writing {Path(exc.filename).name}" if exc.filename else ""
    return RunError(problems=[problem(
        reports_dir, f"edition {edition}",
        f"no space left on the device{written} ({free:,} bytes free)",
        f"at least {needed:,} bytes free for the edition (the published edition is unchanged; "
        "free some space and run again)")])


def swap_in(staging: Path, target: Path) -> None:
    """Make ``staging`` the new ``target`` (all or nothing); the old ``target`` is deleted.

    Raises
    ------
    RunError
        When ``target`` is not a folder directly inside the reports folder whose ``.staging/``
        holds ``staging`` (nothing is moved then).
    """
    areas = [p for p in staging.resolve().parents if p.name == STAGING]
    reports = areas[0].parent if areas else None
    if (reports is None or target.parent.resolve() != reports or target.name.startswith(".")
            or target.is_symlink()):
        raise RunError(problems=[problem(target, "publish target", "a path outside the reports "
                                         "folder (or a link)", "a folder directly inside the "
                                         "reports folder that holds the staging area")])
    old = staging.with_name(staging.name + _OLD_SUFFIX)
    with _signals_blocked():
        if target.exists():
            os.rename(target, old)
        os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def link_or_copy(source: Path, dest: Path) -> None:
    """Put ``source``'s bytes at ``dest`` (a hard link when possible)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)
