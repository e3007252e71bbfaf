"""``evaluation run``: an edition's notebooks executed in parallel, published code-free.

Order of work:

1. load the edition and validate it against every notebook's parameters (``editions``);
2. checksum the inputs and compute each notebook's cache key (``fingerprint``); a notebook whose
   key matches its last good run is reused, not executed; when nothing changed, stop here
   (nothing else is imported or started);
3. start the kernels' fork server (``warm_kernels``), which imports the notebooks' common stack
   while the edition's years are checked against the documents (``analysis.years``);
   execute the other notebooks, longest first, ``jobs`` kernels at a time, in one event loop
   (``batch``; each kernel forked by the fork server, or started from scratch with
   ``warm_kernels=False``), each writing tables and figures into its own folder of the staging
   area; render HTML in-process (``render``) as each notebook finishes;
4. all succeeded: lay the staging folder out as the edition (``assemble``); with ``extras``,
   write the edition files (``tables.xlsx``, the memo's PDF, the replication ``README.md``:
   ``extras``); write ``manifest.json`` and swap the staging folder in (``publish``);
   any failed: keep the published edition untouched, write ``<edition>.failed/``
   (``assemble``), raise :class:`RunError`;
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
from pathlib import Path
from typing import Any, TextIO

from evaluation.errors import ConfigError, RunError, problem
from evaluation.paths import display_path
from evaluation.pipeline import assemble, batch
from evaluation.pipeline import extras as edition_files
from evaluation.pipeline.batch import now
from evaluation.pipeline.editions import (
    edition_context_of,
    edition_languages,
    load_edition,
    validate_edition,
)
from evaluation.pipeline.fingerprint import LIBRARY_DIR, cache_key, collect_inputs
from evaluation.pipeline.index import INDEX_NAME, write_index
from evaluation.pipeline.kernels.client import ForkServer, start_fork_server
from evaluation.pipeline.manifest import (
    MANIFEST_NAME,
    NotebookRecord,
    build_manifest,
    notebook_records,
    read_manifest,
    write_json,
)
from evaluation.pipeline.notebooks import (
    code_size,
    discover_notebooks,
    notebook_needs,
    notebook_roles,
)
from evaluation.pipeline.publish import (
    NO_SPACE,
    check_reports_tree,
    edition_lock,
    failed_dir,
    new_staging,
    no_space_error,
    recover,
    swap_in,
)
from evaluation.project import Project


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


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM (and SIGINT) into :class:`KeyboardInterrupt` so that clean-up code runs.

    The first signal interrupts; any later SIGINT or SIGTERM is ignored until the run has
    cleaned up (kernels stopped, staging removed), so a SIGTERM right after a SIGINT neither
    cuts the clean-up short nor ends the process by the signal (exit 143): it exits 130.
    """
    def interrupt(signum: int, frame: Any) -> None:
        for other in (signal.SIGINT, signal.SIGTERM):
            signal.signal(other, signal.SIG_IGN)
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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
    with here.activated(), _sigterm_as_interrupt():
        return _run(edition, here=here, reports_dir=Path(reports_dir or here.reports_dir),
                    only=only, force=force, jobs=jobs, library_dir=library_dir, stream=stream,
                    extras=extras, warm_kernels=warm_kernels)


def _run(edition: str, *, here: Project, reports_dir: Path, only: tuple[str, ...], force: bool,
         jobs: int | None, library_dir: Path | None, stream: TextIO | None, extras: bool,
         warm_kernels: bool) -> RunReport:
    """:func:`run_edition` for a resolved project."""
    started_clock, started = time.perf_counter(), now()
    root, notebooks_dir = here.root, here.notebooks_dir
    editions_dir, data_dir = here.editions_dir, here.data_dir

    ed = load_edition(edition, editions_dir=editions_dir)
    notebooks = discover_notebooks(notebooks_dir)
    if not notebooks:
        raise ConfigError(problems=[problem(notebooks_dir, "", "no notebook",
                                            "notebooks named NN-name.ipynb")])
    server: ForkServer | None = None
    try:
        selected = discover_notebooks(notebooks_dir, only=only)
        parameters = validate_edition(ed, notebooks)
        roles = notebook_roles(notebooks)
        needs = notebook_needs(notebooks)
        languages = edition_languages(ed)
        inputs = collect_inputs(root=root, data_dir=data_dir, editions_dir=editions_dir,
                                edition_file=ed.path, notebooks=notebooks,
                                library_dir=Path(library_dir or LIBRARY_DIR))
        keys = {nb.stem: cache_key(notebook=nb, parameters=parameters[nb], inputs=inputs, root=root)
                for nb in notebooks}

        target = reports_dir / edition
        check_reports_tree(reports_dir, edition)  # no link: nothing removed outside reports/
        with edition_lock(reports_dir, edition):
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
            # Something runs: the kernels' fork server starts importing the notebooks' stack
            # while the edition's years are checked (the published edition's inputs passed that
            # check already); it is stopped on every way out.
            server = start_fork_server(notebooks) if warm_kernels else None
            from evaluation.analysis.years import check_edition_years  # pandas: only now

            if "base_year" in ed.parameters:  # before any notebook runs
                check_edition_years(ed.parameters, path=ed.path,
                                    edition=edition_context_of(ed, project=here))
            staging = new_staging(reports_dir, edition)
            try:
                outcomes = batch.execute_all(to_run, parameters=parameters, keys=keys,
                                             staging=staging, edition=edition,
                                             languages=languages,
                                             order=[nb.stem for nb in notebooks],
                                             roles=roles, needs=needs,
                                             jobs=jobs or os.cpu_count() or 1, stream=stream,
                                             server=server)
                report.executed = sorted(o.record.name for o in outcomes if o.record.status == "ok")
                report.failed = sorted(o.record.name for o in outcomes if o.record.status != "ok")
                if report.failed:
                    assemble.record_failure(outcomes, staging=staging, reports_dir=reports_dir,
                                    edition=edition)
                    write_index(reports_dir)
                    raise RunError("\n".join(o.summary for o in outcomes if o.summary) +
                                   f"\nthe published edition {display_path(target)} is "
                                   f"unchanged; details in "
                                   f"{display_path(failed_dir(reports_dir, edition))}")
                records = assemble.assemble(outcomes, reused=reused, published_dir=target,
                                            staging=staging)
                made = (edition_files.build_edition_files(staging, records=records,
                                                          published_dir=target,
                                                          languages=languages)
                        if extras else None)
                manifest = build_manifest(
                    edition=edition, edition_file=display_path(ed.path),
                    parameters=ed.parameters, seed=ed.seed, inputs=inputs, root=root,
                    started=started, finished=now(), notebooks=records)
                if made is not None:
                    manifest["duration_s"] = round(time.perf_counter() - started_clock, 1)
                    manifest[edition_files.MANIFEST_KEY] = made.as_manifest()
                    report.notes = made.notes
                write_json(manifest, staging / MANIFEST_NAME)
                if made is not None:
                    edition_files.write_readme(staging, data_dir=data_dir)
                assemble.remove_work_folders(staging)
                swap_in(staging, target)
                shutil.rmtree(failed_dir(reports_dir, edition), ignore_errors=True)
                write_index(reports_dir)
            except OSError as exc:
                if exc.errno not in NO_SPACE:
                    raise
                error = no_space_error(exc, reports_dir=reports_dir, edition=edition,
                                       staging=staging)
                assemble.record_no_space(error, reports_dir=reports_dir, edition=edition)
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
