"""An edition's notebooks executed in one event loop, ``jobs`` kernels at a time.

Each notebook runs in its own folder of the staging area (``.work/<name>/``): its parameters
injected, its tables and figures written to ``outputs/``, its kernel log beside them, and its
HTML pages rendered in-process as soon as it finishes. A notebook that fails or whose kernel dies
is recorded as failed, never raised; Ctrl-C and SIGTERM cancel every kernel and surface as
:class:`KeyboardInterrupt`.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from evaluation.pipeline.kernels.client import ForkServer
from evaluation.pipeline.manifest import NotebookRecord

if TYPE_CHECKING:
    import asyncio

    from evaluation.pipeline.progress import Progress

INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Outcome:
    """The result of executing one notebook in the staging area."""

    record: NotebookRecord
    summary: str | None = None


def now() -> str:
    """The current UTC time as an ISO string to the second (the manifest's clock)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def execute_all(notebooks: list[Path], *, parameters: dict[Path, dict[str, Any]],
                 keys: dict[str, str], staging: Path, edition: str, jobs: int,
                 languages: tuple[str, ...] = ("en",), order: list[str] | None = None,
                 roles: dict[str, str] | None = None,
                 needs: dict[str, tuple[str, ...]] | None = None, stream: TextIO | None,
                 server: ForkServer | None) -> list[Outcome]:
    """Execute ``notebooks`` in one event loop, ``jobs`` at a time (in a fresh thread if a loop
    is already running, as in JupyterLab); ``roles`` maps a notebook's name to its role,
    ``needs`` to the notebooks it starts after (those of them executed in this run)."""
    if not notebooks:
        return []
    import asyncio

    from evaluation.pipeline import render as htmlexport
    from evaluation.pipeline.progress import Progress

    progress = Progress(sorted(nb.stem for nb in notebooks), title=f"edition {edition}",
                        stream=stream)

    async def main() -> list[Outcome]:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        previous = {signum: signal.getsignal(signum) for signum in INTERRUPTS}

        def cancel_once() -> None:  # a second Ctrl-C must not cut the kernels' shutdown short
            if task is not None and not task.cancelling():
                task.cancel()

        handled = []
        for signum in INTERRUPTS:
            try:
                loop.add_signal_handler(signum, cancel_once)
                handled.append(signum)
            except (RuntimeError, ValueError):  # not the main thread: signals stay as they are
                pass
        # nbconvert's import and template compile happen while the kernels start
        warm_up = asyncio.create_task(asyncio.to_thread(htmlexport.warm_up))
        try:
            semaphore = asyncio.Semaphore(max(1, jobs))
            finished = {nb.stem: asyncio.Event() for nb in notebooks}
            return await asyncio.gather(*(
                execute_one(nb, parameters=parameters[nb], key=keys[nb.stem], staging=staging,
                             edition=edition, semaphore=semaphore, progress=progress,
                             server=server, languages=languages,
                             order=order or [n.stem for n in notebooks],
                             role=(roles or {}).get(nb.stem, "report"),
                             after=[finished[n] for n in (needs or {}).get(nb.stem, ())
                                    if n in finished],
                             done=finished[nb.stem])
                for nb in notebooks))
        finally:
            await asyncio.gather(warm_up, return_exceptions=True)
            for signum in handled:
                loop.remove_signal_handler(signum)
                signal.signal(signum, previous[signum])

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        in_loop = False
    else:  # called from a running event loop (JupyterLab, playwright): use a fresh thread
        in_loop = True
    try:
        if in_loop:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=1) as pool:
                return pool.submit(asyncio.run, main()).result()
        return asyncio.run(main())
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None
    finally:
        progress.close()


async def execute_one(nb_path: Path, *, parameters: dict[str, Any], key: str, staging: Path,
                       edition: str, semaphore: asyncio.Semaphore, progress: Progress,
                       server: ForkServer | None, languages: tuple[str, ...] = ("en",),
                       order: list[str] | None = None, role: str = "report",
                       after: Sequence[asyncio.Event] = (), done: asyncio.Event | None = None
                       ) -> Outcome:
    """Execute one notebook in the staging area and render its HTML; never raises on failure.

    It starts once every event of ``after`` is set (the notebooks it needs have finished,
    whether or not they succeeded) and sets ``done`` when its kernel is shut down.
    """
    import asyncio

    import nbformat

    from evaluation.pipeline.execute import execute, prepare
    from evaluation.pipeline.render import notebook_pages
    from evaluation.reports.i18n import page_name

    name = nb_path.stem
    work = staging / ".work" / name
    try:
        for needed in after:
            await needed.wait()
        async with semaphore:
            executed_at = now()
            try:
                nb = prepare(nb_path, parameters)
                result = await execute(nb, cwd=nb_path.parent, output_dir=work / "outputs",
                                       log=work / "kernel.log",
                                       on_progress=lambda d, t: progress.cells_done(name, d, t),
                                       server=server)
                failure = result.failure.summary(nb_path.name) if result.failure else None
                duration, nb = result.duration_s, result.notebook
            except Exception as exc:  # noqa: BLE001 - a kernel that cannot start or dies
                failure = (f"Notebook {nb_path.name} could not be run: "
                           f"{type(exc).__name__}: {exc}")
                duration, nb = 0.0, None
    finally:
        if done is not None:
            done.set()
    status = "failed" if failure else "ok"
    progress.finished(name, status)
    outputs = sorted(p.relative_to(work / "outputs").as_posix()
                     for p in (work / "outputs").rglob("*") if p.is_file())
    record = NotebookRecord(name=name, status=status, duration_s=round(duration, 3),
                            cache_key=key, parameters=parameters, executed_at=executed_at,
                            html=f"{name}.html", ipynb=f"{name}.ipynb", outputs=outputs,
                            error=failure,
                            pages=[page_name(name, lang, default=languages[0])
                                   for lang in languages[1:]], role=role)
    if nb is not None:
        nb.metadata["papermill"].update({"duration": duration, "exception": bool(failure)})
        nbformat.write(nb, str(work / record.ipynb))
        pages = await asyncio.to_thread(notebook_pages, nb, name=name, edition=edition,
                                        notebook=nb_path.name, finished=now(),
                                        languages=languages, order=order or [name])
        for page, html in pages.items():
            (work / page).write_text(html, encoding="utf-8")
    return Outcome(record=record, summary=failure)
