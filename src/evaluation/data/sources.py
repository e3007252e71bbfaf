"""The document registry: reading ``data/sources.yaml``, raw texts and checksums."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation import project
from evaluation.cache import reloaded_on_change
from evaluation.core.numbers import ID_EXPECTED, id_problem
from evaluation.errors import DataError, Problem, problem
from evaluation.io import describe, read_text, read_yaml, read_yaml_list, sha256_file
from evaluation.paths import display_path

__all__ = ["REQUIRED_KEYS", "TABLE_TYPES", "Source", "default_sources", "load_sources", "read_text",
           "read_yaml", "read_yaml_list", "sha256_file"]

REQUIRED_KEYS = ("id", "title_zh", "title_en", "issuer", "plan_year", "language", "file",
                 "original_file_name", "sha256")
# Optional keys and what a registry without them means (registries written before they existed
# stay valid): a plan, published in its plan year, in the script its language tag implies, its
# issuer shown as written in `issuer` on pages of every language.
OPTIONAL_KEYS = ("doc_type", "published", "script", "issuer_zh")
DOC_TYPES = ("plan", "progress_report", "news_release", "statistical_communique",
             "statistical_table", "other")
TABLE_TYPES = ("statistical_table",)
"""Document types that are data tables, not prose: their numbers are not facts of the documents."""
SCRIPTS = ("simplified", "traditional")
PUBLISHED_FORMAT = "a date written YYYY, YYYY-MM or YYYY-MM-DD"
_PUBLISHED = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

@dataclass(frozen=True)
class Source:
    """One registered source document."""

    id: str
    title_zh: str
    title_en: str
    issuer: str
    plan_year: int
    language: str
    file: str
    original_file_name: str
    sha256: str
    path: Path
    doc_type: str = "plan"
    published: str = ""
    script: str = "simplified"
    issuer_zh: str = ""
    """The issuer in Chinese for Chinese pages (``issuer`` when not given)."""

    def issuer_in(self, lang: str) -> str:
        """The issuer as a page in ``lang`` shows it."""
        return self.issuer_zh if lang == "zh" and self.issuer_zh else self.issuer

    @property
    def published_key(self) -> tuple[int, int, int]:
        """The publication date as a sortable ``(year, month, day)``; unknown parts are 0."""
        return published_key(self.published or str(self.plan_year))

    @property
    def is_table(self) -> bool:
        """Whether the source is a statistical table (data), not a document to read facts from."""
        return self.doc_type in TABLE_TYPES

    def text(self) -> str:
        """Return the document's text (checksum already verified at load)."""
        return read_text(self.path)


def published_key(text: str) -> tuple[int, int, int]:
    """``"2014-02"`` -> ``(2014, 2, 0)``; a part not written is 0 (how such dates compare:
    :func:`evaluation.data.resolve.comparable_dates`)."""
    match = _PUBLISHED.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"publication date {text!r}: expected {PUBLISHED_FORMAT}")
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


def _optional_fields(entry: dict[str, Any], *, path: Path, where: str) -> tuple[dict[str, str],
                                                                                list[Problem]]:
    """``doc_type``, ``published``, ``script`` and ``issuer_zh`` of one entry, defaults filled
    in."""
    language = str(entry.get("language", ""))
    fields = {
        "doc_type": str(entry.get("doc_type", "plan")),
        "published": str(entry.get("published", entry.get("plan_year", ""))),
        "script": str(entry.get("script", "traditional" if language.endswith("Hant")
                                else "simplified")),
        "issuer_zh": str(entry.get("issuer_zh", "")),
    }
    problems = []
    if "issuer_zh" in entry and (not isinstance(entry["issuer_zh"], str)
                                 or not entry["issuer_zh"].strip()):
        problems.append(problem(path, f"{where}.issuer_zh", describe(entry["issuer_zh"]),
                                "non-empty text (the issuer in Chinese)"))
    if fields["doc_type"] not in DOC_TYPES:
        problems.append(problem(path, f"{where}.doc_type", repr(fields["doc_type"]),
                                f"one of {', '.join(DOC_TYPES)}"))
    if fields["script"] not in SCRIPTS:
        problems.append(problem(path, f"{where}.script", repr(fields["script"]),
                                f"one of {', '.join(SCRIPTS)}"))
    try:
        published_key(fields["published"])
    except ValueError:
        problems.append(problem(path, f"{where}.published", repr(fields["published"]),
                                PUBLISHED_FORMAT))
    return fields, problems


def load_sources(path: str | Path | None = None, *, raw_dir: str | Path | None = None
                 ) -> dict[str, Source]:
    """Load the registry and verify every document's checksum.

    Parameters
    ----------
    path
        The registry file; default ``data/sources.yaml``.
    raw_dir
        Folder of the documents; default ``data/raw`` beside the registry.

    Returns
    -------
    dict
        Sources by id.
    """
    path = Path(path or project.current().sources_file)
    raw_dir = Path(raw_dir) if raw_dir else path.parent / "raw"
    entries = read_yaml_list(path, "sources", items="source entries")
    problems, sources = [], {}
    for i, entry in enumerate(entries):
        where = f"sources[{i}]"
        if not isinstance(entry, dict):
            problems.append(problem(path, where, describe(entry), "a mapping"))
            continue
        missing = [k for k in REQUIRED_KEYS if k not in entry]
        if missing:
            problems.append(problem(path, f"{where} ({entry.get('id', '?')})",
                                    f"missing keys {missing}", f"all of {list(REQUIRED_KEYS)}"))
            continue
        sid = str(entry["id"])
        if sid in sources:
            problems.append(problem(path, f"{where}.id", f"duplicate id {sid!r}", "unique ids"))
            continue
        bad = _entry_problems(entry, path, f"{where} ({sid})")
        if bad:
            problems += bad
            continue
        doc_path = raw_dir / str(entry["file"])
        if not doc_path.exists() and not doc_path.is_symlink():
            problems.append(problem(path, f"{where}.file ({sid})", f"{entry['file']!r} missing "
                                    f"from {display_path(raw_dir)}", "an existing file"))
            continue
        try:
            digest = sha256_file(doc_path)
        except DataError as exc:
            problems += exc.problems
            continue
        if digest != entry["sha256"]:
            problems.append(problem(doc_path, f"sha256 (source {sid})", digest,
                                    f"{entry['sha256']} as registered in "
                                    f"{display_path(path)}"))
            continue
        optional, bad = _optional_fields(entry, path=path, where=f"{where} ({sid})")
        if bad:
            problems += bad
            continue
        text_fields = {k: str(entry[k]) for k in REQUIRED_KEYS if k != "plan_year"}
        sources[sid] = Source(**text_fields, plan_year=int(entry["plan_year"]), path=doc_path,
                              **optional)
    if problems:
        raise DataError(problems=problems)
    return sources


def _entry_problems(entry: dict[str, Any], path: Path, where: str) -> list[Problem]:
    """Values of one registry entry that are of the wrong kind (checked before any is used)."""
    found = []
    for key in REQUIRED_KEYS:
        value = entry[key]
        if key == "plan_year":
            if isinstance(value, bool) or not isinstance(value, int):
                found.append(problem(path, f"{where}.plan_year", describe(value),
                                     "a year as a whole number, e.g. 2013"))
        elif not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            found.append(problem(path, f"{where}.{key}", describe(value), "non-empty text"))
        elif key == "id" and id_problem(str(value)) is not None:
            found.append(problem(path, f"{where}.id", id_problem(str(value)), ID_EXPECTED))
    name = entry["file"]
    if isinstance(name, str) and name.strip() and (
            name in (".", "..") or "/" in name or "\\" in name or name != name.strip()):
        found.append(problem(path, f"{where}.file", describe(name),
                             "the plain name of a file in data/raw (no folders)"))
    return found


@reloaded_on_change(lambda p: [p.sources_file, p.raw_dir])
def default_sources() -> dict[str, Source]:
    """The project's registry, loaded again when it or a document changes."""
    return load_sources()
