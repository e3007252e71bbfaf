"""``evaluation run``: an edition's notebooks executed in parallel, published code-free.

Order of work:

0. start the kernels' fork server (``warm_kernels``), which imports the notebooks' common stack
   while the next two steps run;
1. load the edition and validate it against every notebook's parameters (``editions``);
2. checksum the inputs and compute each notebook's cache key (``fingerprint``); a notebook whose
   key matches its last good run is reused, not executed; when nothing changed, stop the fork
   server and stop here;
3. execute the other notebooks, longest first, ``jobs`` kernels at a time, in one event loop
   (``execute``; each kernel forked by the fork server, or started from scratch with
   ``warm_kernels=False``), each writing tables and figures into its own folder of the staging
   area; render HTML in-process (``htmlexport``) as each notebook finishes;
4. all succeeded: with ``extras``, write the edition files (``tables.xlsx``, the memo's PDF,
   the replication ``README.md``: ``edition_files``); write ``manifest.json`` and swap the
   staging folder in (``publish``);
   any failed: keep the published edition untouched, write ``<edition>.failed/``, raise
   :class:`RunError`;
5. rewrite ``reports/index.html`` (``index``).

Ctrl-C and SIGTERM cancel the run: every kernel is shut down, the staging folder is removed, the
published edition is untouched, and :class:`KeyboardInterrupt` propagates.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from evaluation.errors import ConfigError, RunError, problem
from evaluation.pipeline import extras as edition_files
from evaluation.pipeline.editions import (
    code_size,
    discover_notebooks,
    edition_languages,
    load_edition,
    validate_edition,
)
from evaluation.pipeline.fingerprint import LIBRARY_DIR, cache_key, collect_inputs
from evaluation.pipeline.index import FAILURE_NAME, INDEX_NAME, write_index
from evaluation.pipeline.kernels.client import ForkServer, start_fork_server
from evaluation.pipeline.manifest import (
    MANIFEST_NAME,
    NotebookRecord,
    build_manifest,
    notebook_records,
    read_manifest,
    write_json,
)
from evaluation.pipeline.publish import (
    NO_SPACE,
    edition_lock,
    failed_dir,
    link_or_copy,
    new_staging,
    no_space_error,
    recover,
    swap_in,
)
from evaluation.project import Project, display_path

if TYPE_CHECKING:
    import asyncio

    from evaluation.pipeline.progress import Progress

INTERRUPTS = (signal.SIGINT, signal.SIGTERM)
SUMMARY_NAME = "summary.txt"


@dataclass
class RunReport:
    """What a run did."""

    edition: str
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    published: bool = False
    duration_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    """One-line remarks on the edition files, e.g. why no PDF was written."""

    def summary(self, reports_dir: Path) -> str:
        """One line for the terminal."""
        where = display_path(reports_dir / self.edition)
        counts = f"{len(self.executed)} executed, {len(self.reused)} unchanged"
        if self.published:
            return f"published {where} ({counts}) in {self.duration_s:.1f} s"
        return f"{where} is up to date ({counts}) [{self.duration_s:.1f} s]"


@dataclass
class _Outcome:
    """The result of executing one notebook in the staging area."""

    record: NotebookRecord
    summary: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`KeyboardInterrupt` so that clean-up code runs."""
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_edition(edition: str, *, project: Project | None = None, only: tuple[str, ...] = (),
                force: bool = False, jobs: int | None = None, reports_dir: Path | None = None,
                library_dir: Path | None = None, stream: TextIO | None = None,
                extras: bool = False, warm_kernels: bool = True) -> RunReport:
    """Run ``edition`` and publish it to ``reports_dir/<edition>/`` (see the module docstring).

    Parameters
    ----------
    edition
        Name of ``data/editions/<edition>.yaml``.
    only
        Run only these notebooks (name, stem or ``NN`` prefix); the others keep their published
        outputs.
    force
        Execute the selected notebooks even when their inputs are unchanged.
    jobs
        Kernels running at once; default ``os.cpu_count()``.
    project
        The project whose data, notebooks and editions are used (default: found from the
        working folder or ``EVALUATION_ROOT``); its kernels see the same project.
    reports_dir
        Publish under this folder instead of the project's ``reports/`` (tests, benchmarks).
    library_dir
        Which source files the cache key covers (benchmarks), not the code the kernels import.
    stream
        Where progress is drawn (only if it is a terminal); default stderr.
    extras
        Also publish the edition files (:mod:`evaluation.pipeline.extras`); a published edition
        without them is rebuilt (reusing every notebook) even when nothing else changed.
    warm_kernels
        Fork each kernel from one process that has imported the notebooks' stack
        (:mod:`evaluation.pipeline.kernels.client`, Linux); ``False`` starts every kernel from
        scratch.

    Raises
    ------
    ConfigError
        The edition does not fit the notebooks' parameters, or there is no notebook.
    RunError
        A notebook failed; the published edition is unchanged.
    """
    here = project or Project.find()
    with here.activated():
        return _run(edition, here=here, reports_dir=Path(reports_dir or here.reports_dir),
                    only=only, force=force, jobs=jobs, library_dir=library_dir, stream=stream,
                    extras=extras, warm_kernels=warm_kernels)


def _run(edition: str, *, here: Project, reports_dir: Path, only: tuple[str, ...], force: bool,
         jobs: int | None, library_dir: Path | None, stream: TextIO | None, extras: bool,
         warm_kernels: bool) -> RunReport:
    """:func:`run_edition` for a resolved project."""
    started_clock, started = time.perf_counter(), _now()
    root, notebooks_dir = here.root, here.notebooks_dir
    editions_dir, data_dir = here.editions_dir, here.data_dir

    ed = load_edition(edition, editions_dir=editions_dir)
    notebooks = discover_notebooks(notebooks_dir)
    if not notebooks:
        raise ConfigError(problems=[problem(notebooks_dir, "", "no notebook",
                                            "notebooks named NN-name.ipynb")])
    # The kernels' fork server starts importing now, while the edition is checked and the
    # inputs hashed; it is stopped on every way out (at once if nothing needs to run).
    server = start_fork_server(notebooks) if warm_kernels else None
    try:
        selected = discover_notebooks(notebooks_dir, only=only)
        parameters = validate_edition(ed, notebooks)
        from evaluation.analysis.years import check_edition_years  # pandas: only when running

        check_edition_years(ed.parameters, path=ed.path)  # before any notebook runs
        languages = edition_languages(ed)
        inputs = collect_inputs(root=root, data_dir=data_dir, editions_dir=editions_dir,
                                edition_file=ed.path, notebooks=notebooks,
                                library_dir=Path(library_dir or LIBRARY_DIR))
        keys = {nb.stem: cache_key(notebook=nb, parameters=parameters[nb], inputs=inputs, root=root)
                for nb in notebooks}

        target = reports_dir / edition
        with edition_lock(reports_dir, edition), _sigterm_as_interrupt():
            recover(reports_dir, edition)
            previous_manifest = read_manifest(target)
            published = notebook_records(previous_manifest)
            to_run, reused = _plan(notebooks, selected=selected, keys=keys, published=published,
                                   target=target, force=force)
            report = RunReport(edition=edition, reused=sorted(reused))
            if (not to_run and set(reused) == set(published)
                    and not (extras and edition_files.stale(target, previous_manifest))):
                stale_failure = failed_dir(reports_dir, edition)
                if stale_failure.exists() or not (reports_dir / INDEX_NAME).exists():
                    shutil.rmtree(stale_failure, ignore_errors=True)
                    write_index(reports_dir)
                report.duration_s = time.perf_counter() - started_clock
                return report
            staging = new_staging(reports_dir, edition)
            try:
                outcomes = _execute_all(to_run, parameters=parameters, keys=keys,
                                        staging=staging, edition=edition,
                                        languages=languages,
                                        order=[nb.stem for nb in notebooks],
                                        jobs=jobs or os.cpu_count() or 1, stream=stream,
                                        server=server)
                report.executed = sorted(o.record.name for o in outcomes if o.record.status == "ok")
                report.failed = sorted(o.record.name for o in outcomes if o.record.status != "ok")
                if report.failed:
                    _record_failure(outcomes, staging=staging, reports_dir=reports_dir,
                                    edition=edition)
                    write_index(reports_dir)
                    raise RunError("\n".join(o.summary for o in outcomes if o.summary) +
                                   f"\nthe published edition {display_path(target)} is "
                                   f"unchanged; details in "
                                   f"{display_path(failed_dir(reports_dir, edition))}")
                records = _assemble(outcomes, reused=reused, published_dir=target, staging=staging)
                made = (edition_files.build_edition_files(staging, records=records,
                                                          published_dir=target) if extras else None)
                manifest = build_manifest(
                    edition=edition, edition_file=display_path(ed.path),
                    parameters=ed.parameters, seed=ed.seed, inputs=inputs, root=root,
                    started=started, finished=_now(), notebooks=records)
                if made is not None:
                    manifest["duration_s"] = round(time.perf_counter() - started_clock, 1)
                    manifest[edition_files.MANIFEST_KEY] = made.as_manifest()
                    report.notes = made.notes
                write_json(manifest, staging / MANIFEST_NAME)
                if made is not None:
                    edition_files.write_readme(staging, data_dir=data_dir)
                _remove_work_folders(staging)
                swap_in(staging, target)
                shutil.rmtree(failed_dir(reports_dir, edition), ignore_errors=True)
                write_index(reports_dir)
            except OSError as exc:
                if exc.errno not in NO_SPACE:
                    raise
                error = no_space_error(exc, reports_dir=reports_dir, edition=edition,
                                       staging=staging)
                _record_no_space(error, reports_dir=reports_dir, edition=edition)
                raise error from None
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        report.published = True
        report.duration_s = time.perf_counter() - started_clock
        return report

    finally:
        if server is not None:
            server.close()

def _plan(notebooks: list[Path], *, selected: list[Path], keys: dict[str, str],
          published: dict[str, NotebookRecord], target: Path, force: bool
          ) -> tuple[list[Path], dict[str, NotebookRecord]]:
    """Split the notebooks into those to execute and the published ones to reuse.

    A selected notebook is reused when its last good run had the same cache key (unless
    ``force``); an unselected one keeps its published outputs. Notebooks to execute come
    longest first, so the slowest one does not start last and leave the other cores idle:
    those never run before first, by the length of their code (a rough proxy), then the others
    by their last recorded run time.
    """
    reused: dict[str, NotebookRecord] = {}
    to_run: list[Path] = []
    for nb in notebooks:
        record = published.get(nb.stem)
        if nb not in selected:
            if record is not None:
                reused[nb.stem] = record
        elif record is not None and not force and _still_valid(record, keys[nb.stem], target):
            reused[nb.stem] = record
        else:
            to_run.append(nb)
    to_run.sort(key=lambda nb: (0, -published[nb.stem].duration_s) if nb.stem in published
                else (-1, -code_size(nb)))
    return to_run, reused


def _still_valid(record: NotebookRecord | None, key: str, target: Path) -> bool:
    """Whether a published notebook can be reused: last run good, same key, files present."""
    if record is None or record.status != "ok" or record.cache_key != key:
        return False
    return all((target / name).is_file()
               for name in (record.html, *record.pages, record.ipynb, *record.outputs))


def _execute_all(notebooks: list[Path], *, parameters: dict[Path, dict[str, Any]],
                 keys: dict[str, str], staging: Path, edition: str, jobs: int,
                 languages: tuple[str, ...] = ("en",), order: list[str] | None = None,
                 stream: TextIO | None, server: ForkServer | None) -> list[_Outcome]:
    """Execute ``notebooks`` in one event loop, ``jobs`` at a time (in a fresh thread if a loop
    is already running, as in JupyterLab)."""
    if not notebooks:
        return []
    import asyncio

    from evaluation.pipeline import render as htmlexport
    from evaluation.pipeline.progress import Progress

    progress = Progress(sorted(nb.stem for nb in notebooks), title=f"edition {edition}",
                        stream=stream)

    async def main() -> list[_Outcome]:
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
            return await asyncio.gather(*(
                _execute_one(nb, parameters=parameters[nb], key=keys[nb.stem], staging=staging,
                             edition=edition, semaphore=semaphore, progress=progress,
                             server=server, languages=languages,
                             order=order or [n.stem for n in notebooks])
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


async def _execute_one(nb_path: Path, *, parameters: dict[str, Any], key: str, staging: Path,
                       edition: str, semaphore: asyncio.Semaphore, progress: Progress,
                       server: ForkServer | None, languages: tuple[str, ...] = ("en",),
                       order: list[str] | None = None) -> _Outcome:
    """Execute one notebook in the staging area and render its HTML; never raises on failure."""
    import asyncio

    import nbformat

    from evaluation.pipeline.execute import execute, prepare
    from evaluation.pipeline.render import notebook_pages
    from evaluation.reports.i18n import page_name

    name = nb_path.stem
    work = staging / ".work" / name
    async with semaphore:
        executed_at = _now()
        try:
            nb = prepare(nb_path, parameters)
            result = await execute(nb, cwd=nb_path.parent, output_dir=work / "outputs",
                                   log=work / "kernel.log",
                                   on_progress=lambda d, t: progress.cells_done(name, d, t),
                                   server=server)
            failure = result.failure.summary(nb_path.name) if result.failure else None
            duration, nb = result.duration_s, result.notebook
        except Exception as exc:  # noqa: BLE001 - a kernel that cannot start or dies is reported
            failure = f"Notebook {nb_path.name} could not be run: {type(exc).__name__}: {exc}"
            duration, nb = 0.0, None
    status = "failed" if failure else "ok"
    progress.finished(name, status)
    outputs = sorted(p.relative_to(work / "outputs").as_posix()
                     for p in (work / "outputs").rglob("*") if p.is_file())
    record = NotebookRecord(name=name, status=status, duration_s=round(duration, 3),
                            cache_key=key, parameters=parameters, executed_at=executed_at,
                            html=f"{name}.html", ipynb=f"{name}.ipynb", outputs=outputs,
                            error=failure,
                            pages=[page_name(name, lang, default=languages[0])
                                   for lang in languages[1:]])
    if nb is not None:
        nb.metadata["papermill"].update({"duration": duration, "exception": bool(failure)})
        nbformat.write(nb, str(work / record.ipynb))
        pages = await asyncio.to_thread(notebook_pages, nb, name=name, edition=edition,
                                        notebook=nb_path.name, finished=_now(),
                                        languages=languages, order=order or [name])
        for page, html in pages.items():
            (work / page).write_text(html, encoding="utf-8")
    return _Outcome(record=record, summary=failure)


def _assemble(outcomes: list[_Outcome], *, reused: dict[str, NotebookRecord],
              published_dir: Path, staging: Path) -> list[NotebookRecord]:
    """Lay out the edition in ``staging``: executed notebooks' files, then reused ones'."""
    records = []
    claimed: dict[str, str] = {}
    for outcome in outcomes:
        record = outcome.record
        work = staging / ".work" / record.name
        files = [(work / record.ipynb, record.ipynb), (work / record.html, record.html)]
        files += [(work / page, page) for page in record.pages]
        files += [(work / "outputs" / out, out) for out in record.outputs]
        _claim(record, files, claimed, staging)
        records.append(record)
    for record in reused.values():
        files = [(published_dir / f, f)
                 for f in (record.ipynb, record.html, *record.pages, *record.outputs)]
        _claim(record, files, claimed, staging)
        records.append(NotebookRecord(**{**record.__dict__, "cached": True}))
    return sorted(records, key=lambda r: r.name)


def _claim(record: NotebookRecord, files: list[tuple[Path, str]], claimed: dict[str, str],
           staging: Path) -> None:
    """Put ``files`` into the edition; two notebooks writing the same output is an error."""
    for source, name in files:
        if name in claimed:
            raise RunError(problems=[problem(staging / name, "output file",
                                             f"written by both {claimed[name]} and {record.name}",
                                             "output names unique across notebooks")])
        claimed[name] = record.name
        link_or_copy(source, staging / name)


def _record_no_space(error: RunError, *, reports_dir: Path, edition: str) -> None:
    """Show a full-disk failure in ``<edition>.failed/`` and the index, where space allows."""
    try:
        folder = failed_dir(reports_dir, edition)
        folder.mkdir(exist_ok=True)
        write_json({"edition": edition, "finished": _now(), "summaries": [str(error)],
                    "notebooks": []}, folder / FAILURE_NAME)
        write_index(reports_dir)
    except OSError:
        pass  # the disk is still full: the message on the terminal is all there is


def _remove_work_folders(staging: Path) -> None:
    shutil.rmtree(staging / ".work", ignore_errors=True)


def _record_failure(outcomes: list[_Outcome], *, staging: Path, reports_dir: Path,
                    edition: str) -> None:
    """Replace ``<edition>.failed/`` with this run's failed notebooks and their summaries."""
    evidence = staging / ".failed"
    evidence.mkdir()
    failed = [o for o in outcomes if o.record.status != "ok"]
    kept = []
    for outcome in failed:
        work = staging / ".work" / outcome.record.name
        for name in (outcome.record.ipynb, outcome.record.html, "kernel.log"):
            if (work / name).is_file():
                dest = f"{outcome.record.name}.kernel.log" if name == "kernel.log" else name
                shutil.copy2(work / name, evidence / dest)
                if name == outcome.record.ipynb:
                    kept.append(dest)
    summaries = [o.summary for o in failed if o.summary]
    (evidence / SUMMARY_NAME).write_text("\n\n".join(summaries) + "\n", encoding="utf-8")
    write_json({"edition": edition, "finished": _now(), "summaries": summaries,
                "notebooks": kept}, evidence / FAILURE_NAME)
    swap_in(evidence, failed_dir(reports_dir, edition))
