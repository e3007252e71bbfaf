"""``reports/index.html``: every edition, each notebook's status, run time and links.

Built from what is on disk (each edition's ``manifest.json`` and any ``<edition>.failed/
failure.json``), so it is always consistent with the published folders.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from evaluation.pipeline.manifest import read_manifest
from evaluation.pipeline.publish import FAILED_SUFFIX, STAGING
from evaluation.pipeline.sanitize import sanitize_document
from evaluation.reports import TEMPLATES_DIR

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


def write_index(reports_dir: Path) -> Path:
    """Render ``reports/index.html`` from the folders in ``reports_dir`` (atomic replace)."""
    import jinja2

    template = jinja2.Template(TEMPLATE.read_text(encoding="utf-8"), autoescape=True)
    html = sanitize_document(template.render(editions=_editions(reports_dir)))
    path = reports_dir / INDEX_NAME
    tmp = reports_dir / STAGING / f"{INDEX_NAME}.{os.getpid()}.tmp"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path
