"""The staging folder laid out as an edition: each notebook's files claimed once, and failures
kept as evidence in ``<edition>.failed/``."""

from __future__ import annotations

import shutil
from pathlib import Path

from evaluation.errors import RunError, problem
from evaluation.pipeline.batch import Outcome, now
from evaluation.pipeline.index import FAILURE_NAME, write_index
from evaluation.pipeline.manifest import NotebookRecord, write_json
from evaluation.pipeline.publish import failed_dir, link_or_copy, swap_in

SUMMARY_NAME = "summary.txt"


def assemble(outcomes: list[Outcome], *, reused: dict[str, NotebookRecord],
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
        claim(record, files, claimed, staging)
        records.append(record)
    for record in reused.values():
        files = [(published_dir / f, f)
                 for f in (record.ipynb, record.html, *record.pages, *record.outputs)]
        claim(record, files, claimed, staging)
        records.append(NotebookRecord(**{**record.__dict__, "cached": True}))
    return sorted(records, key=lambda r: r.name)


def claim(record: NotebookRecord, files: list[tuple[Path, str]], claimed: dict[str, str],
           staging: Path) -> None:
    """Put ``files`` into the edition; two notebooks writing the same output is an error."""
    for source, name in files:
        if name in claimed:
            raise RunError(problems=[problem(staging / name, "output file",
                                             f"written by both {claimed[name]} and {record.name}",
                                             "output names unique across notebooks")])
        claimed[name] = record.name
        link_or_copy(source, staging / name)


def record_no_space(error: RunError, *, reports_dir: Path, edition: str) -> None:
    """Show a full-disk failure in ``<edition>.failed/`` and the index, where space allows."""
    try:
        folder = failed_dir(reports_dir, edition)
        folder.mkdir(exist_ok=True)
        write_json({"edition": edition, "finished": now(), "summaries": [str(error)],
                    "notebooks": []}, folder / FAILURE_NAME)
        write_index(reports_dir)
    except OSError:
        pass  # the disk is still full: the message on the terminal is all there is


def remove_work_folders(staging: Path) -> None:
    """Remove the notebooks' work folders once their files are in place."""
    shutil.rmtree(staging / ".work", ignore_errors=True)


def record_failure(outcomes: list[Outcome], *, staging: Path, reports_dir: Path,
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
    write_json({"edition": edition, "finished": now(), "summaries": summaries,
                "notebooks": kept}, evidence / FAILURE_NAME)
    swap_in(evidence, failed_dir(reports_dir, edition))
