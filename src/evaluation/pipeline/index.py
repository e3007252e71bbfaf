"""``reports/index.html``: every edition, each notebook's status, run time and links.

Built from what is on disk (each edition's ``manifest.json`` and any ``<edition>.failed/
failure.json``), so it is always consistent with the published folders.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from evaluation.pipeline.manifest import read_manifest
from evaluation.pipeline.notebooks import MEMO_ROLE
from evaluation.pipeline.publish import FAILED_SUFFIX, STAGING
from evaluation.pipeline.sanitize import sanitize_document
from evaluation.reports import TEMPLATES_DIR
from evaluation.reports.labels import LANGUAGES, Labels
from evaluation.reports.outputs import SYNTHETIC_LABEL

INDEX_NAME = "index.html"
FAILURE_NAME = "failure.json"
TEMPLATE = TEMPLATES_DIR / "reports_index.html.j2"


def _editions(reports_dir: Path) -> list[dict[str, Any]]:
    names = set()
    for entry in reports_dir.iterdir() if reports_dir.is_dir() else []:
        if not entry.is_dir() or entry.name.startswith((".", "_")):
            continue
        name = entry.name.removesuffix(FAILED_SUFFIX)
        names.add(name)
    editions = []
    for name in sorted(names, reverse=True):
        manifest = read_manifest(reports_dir / name)
        failure = _read_failure(reports_dir / f"{name}{FAILED_SUFFIX}")
        if manifest is None and failure is None:
            continue
        git = (manifest or {}).get("git") or {}
        editions.append({
            "name": name,
            "published": manifest is not None,
            "finished": (manifest or {}).get("finished"),
            "commit": git.get("commit"),
            "dirty": git.get("dirty"),
            "notebooks": (manifest or {}).get("notebooks", []),
            "files": ((manifest or {}).get("edition_files") or {}).get("files", []),
            "notes": ((manifest or {}).get("edition_files") or {}).get("notes", []),
            "failure": failure and {**failure, "folder": f"{name}{FAILED_SUFFIX}"},
        })
    return editions


def _read_failure(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / FAILURE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def index_name(lang: str) -> str:
    """``index.html`` for the default language, ``index.<lang>.html`` for the others."""
    return INDEX_NAME if lang == LANGUAGES[0] else f"index.{lang}.html"


def _for_reader(edition: dict[str, Any], lang: str, labels: Labels,
                reports_dir: Path) -> dict[str, Any]:
    """One edition as the index shows it in ``lang``: titles, blurbs, figures, page links."""
    from evaluation.reports.i18n import page_name

    folder = reports_dir / edition["name"]
    notebooks = []
    for nb in edition["notebooks"]:
        pages = [nb["html"], *nb.get("pages", [])]
        page = next((p for p in pages if p == page_name(nb["name"], lang)), nb["html"])
        figures = [o for o in nb.get("outputs", []) if o.endswith(".png")]
        own = ([f for f in figures if f.endswith(f".{lang}.png")] if lang != LANGUAGES[0] else
               [f for f in figures if not re.search(r"\.[a-z]{2}\.png$", f)]) or figures
        main = labels.entry("reports", nb["name"]).get("figure")  # the report's own chart
        own = sorted(own, key=lambda f: not (main and Path(f).name.startswith(f"{main}.")))
        notebooks.append({
            "name": nb["name"], "status": nb["status"], "executed_at": nb.get("executed_at"),
            "page": page, "title": labels.report_title(nb["name"], lang),
            "blurb": labels.report_blurb(nb["name"], lang),
            "synthetic": any(SYNTHETIC_LABEL.lower() in o for o in nb.get("outputs", [])),
            "figure": own[0] if own else None,
            "figure_alt": labels.text("figure_of", lang,
                                      title=labels.report_title(nb["name"], lang)),
        })
    memo_record = next((nb for nb in edition["notebooks"] if nb.get("role") == MEMO_ROLE), None)
    memo = next((n for n in notebooks if memo_record and n["name"] == memo_record["name"]), None)
    pdf = None
    if memo_record is not None:
        names = {f["name"] for f in edition["files"]} | set(memo_record.get("outputs", []))
        stem = memo_record["name"]
        wanted = f"{stem}.pdf" if lang == LANGUAGES[0] else f"{stem}.{lang}.pdf"
        pdf = next((n for n in (wanted, f"{stem}.pdf") if n in names), None)
    files = [{"href": f["name"], "label": labels.find("text", f"file_{f['name']}", lang)
              or f["name"]} for f in edition["files"]
             if not f["name"].endswith((".pdf", ".md"))]
    if (folder / "README.html").is_file():
        files.append({"href": "README.html", "label": labels.text("replication", lang)})
    files.append({"href": "manifest.json", "label": labels.text("manifest", lang)})
    return {**edition, "notebooks": notebooks, "files": files,
            "memo_page": memo["page"] if memo else "",
            "memo_title": memo["title"] if memo else "", "memo_pdf": pdf}


def write_index(reports_dir: Path, *, languages: tuple[str, ...] = LANGUAGES) -> Path:
    """Render ``reports/index.html`` and ``index.<lang>.html`` from the folders in
    ``reports_dir`` (atomic replace); returns the default language's index."""
    import jinja2

    from evaluation.reports.labels import HTML_LANG, default_labels

    labels = default_labels()
    template = jinja2.Template(TEMPLATE.read_text(encoding="utf-8"), autoescape=True)
    editions = _editions(reports_dir)
    first = None
    for lang in languages:
        html = sanitize_document(template.render(
            editions=[_for_reader(e, lang, labels, reports_dir) for e in editions],
            html_lang=HTML_LANG[lang], t=lambda key, lang=lang: labels.text(key, lang),
            others=[{"href": index_name(o), "html_lang": HTML_LANG[o]}
                    for o in languages if o != lang]))
        path = reports_dir / index_name(lang)
        tmp = reports_dir / STAGING / f"{path.name}.{os.getpid()}.tmp"
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, path)
        first = first or path
    assert first is not None
    return first
