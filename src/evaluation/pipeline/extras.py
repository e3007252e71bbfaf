"""Edition-level files built in the staging folder beside the notebooks' outputs.

``tables.xlsx`` (every table, one sheet each), the memo's PDF (``<memo>.pdf``, for the notebook
whose role is ``memo``, through headless Chromium where the memo did not print it itself) and the
replication ``README.md``. They are written
into the staging folder before publishing, so they are published all or nothing with the
notebooks, listed in ``manifest.json`` under ``edition_files`` and linked from the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.errors import EvaluationError
from evaluation.pipeline.manifest import NotebookRecord
from evaluation.pipeline.notebooks import MEMO_ROLE
from evaluation.pipeline.publish import link_or_copy

WORKBOOK = "tables.xlsx"
README = "README.md"
DESCRIPTIONS = {WORKBOOK: "every table of the edition, one sheet each, units in headers",
                README: "how to reproduce this edition: command, run time, seed, packages, "
                        "sources with checksums, which notebook made which file"}
PDF_DESCRIPTION = "the policy memo for print (from its HTML, headless Chromium)"
MANIFEST_KEY = "edition_files"


def memo_pdf_name(memo: str) -> str:
    """The memo's PDF beside its page: ``<memo notebook>.pdf``."""
    return f"{memo}.pdf"


@dataclass
class EditionFiles:
    """What :func:`build_edition_files` wrote, and why a file is missing."""

    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """One line each, e.g. why there is no PDF; shown in the run output and the manifest."""

    def as_manifest(self) -> dict[str, Any]:
        """The manifest entry: files with descriptions, and the notes."""
        return {"files": [{"name": f, "description": DESCRIPTIONS.get(f, PDF_DESCRIPTION)}
                          for f in self.files],
                "notes": self.notes}


def build_edition_files(staging: Path, *, records: list[NotebookRecord],
                        published_dir: Path, languages: tuple[str, ...] | None = None
                        ) -> EditionFiles:
    """Write ``tables.xlsx`` and the memo PDF into ``staging``; list the README too (it is
    written by :func:`write_readme` once the manifest is in place).

    The PDF is reused from ``published_dir`` when the memo notebook was not executed in this run
    (its HTML is the published one, so the PDF would be the same bytes); otherwise Chromium
    prints the memo's HTML. No Chromium, or Chromium failing, gives a note, not an error.
    """
    from evaluation.reports.pdf import find_chromium, html_to_pdf, unavailable_message
    from evaluation.reports.workbook import write_workbook

    made = EditionFiles()
    if any((staging / "tables").glob("*.csv")):
        write_workbook(staging, **({"languages": languages} if languages else {}))
        made.files.append(WORKBOOK)
    made.files.append(README)
    memo = next((r for r in records if r.role == MEMO_ROLE and r.status == "ok"), None)
    if memo is None or memo_pdf_name(memo.name) in memo.outputs:
        return made  # no memo, or it printed its PDFs itself (Typst, no browser)
    pdf = memo_pdf_name(memo.name)
    previous = published_dir / pdf
    if memo.cached and previous.is_file():
        link_or_copy(previous, staging / pdf)
        made.files.append(pdf)
    elif find_chromium() is None:
        made.notes.append(unavailable_message())
    else:
        try:
            html_to_pdf(staging / memo.html, staging / pdf)
            made.files.append(pdf)
        except EvaluationError as exc:
            made.notes.append(f"PDF not written: {str(exc).splitlines()[0]}")
    return made


def write_readme(staging: Path, *, data_dir: Path) -> None:
    """Write the replication ``README.md`` from the manifest already in ``staging``."""
    from evaluation.data.sources import load_sources
    from evaluation.pipeline.replication import write_replication_readme

    registry = data_dir / "sources.yaml"
    sources = load_sources(registry, raw_dir=data_dir / "raw") if registry.is_file() else {}
    write_replication_readme(staging, sources=sources)
    write_readme_html(staging)


def write_readme_html(staging: Path) -> Path:
    """``README.html``: the replication README rendered for a browser (no raw Markdown)."""
    import html as html_lib

    import mistune

    text = (staging / README).read_text(encoding="utf-8")
    body = mistune.html(html_lib.escape(text, quote=False).replace("&gt;", ">"))
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n"
            "<title>How to reproduce this edition</title>\n<style>body {font-family: system-ui, "
            "\"Noto Sans CJK SC\", sans-serif; max-width: 50rem; margin: 1.5rem auto; "
            "padding: 0 1rem; line-height: 1.5; overflow-wrap: anywhere;} "
            "pre, table {display: block; "
            "overflow-x: auto; max-width: 100%;} code {font-size: 90%;}</style>\n</head>\n<body>\n"
            "<p><a href=\"../index.en.html\">All reports</a> · "
            "<a href=\"../index.html\" lang=\"zh-CN\">全部报告</a></p>\n"
            f"{body}</body>\n</html>\n")
    path = staging / "README.html"
    path.write_text(page, encoding="utf-8")
    return path


def stale(edition_dir: Path, manifest: dict[str, Any] | None) -> bool:
    """Whether a published edition lacks its edition files (older run, deleted file, or a
    PDF skipped for want of Chromium that is now installed)."""
    from evaluation.reports.pdf import find_chromium

    entry = (manifest or {}).get(MANIFEST_KEY)
    if entry is None:
        return True
    if not all((edition_dir / f["name"]).is_file() for f in entry.get("files", [])):
        return True
    memo = next((n["name"] for n in (manifest or {}).get("notebooks", [])
                 if n.get("role") == MEMO_ROLE), None)
    return (memo is not None and (edition_dir / f"{memo}.html").is_file()
            and not (edition_dir / memo_pdf_name(memo)).is_file()
            and find_chromium() is not None)
