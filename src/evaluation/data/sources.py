"""The document registry: reading ``data/sources.yaml``, raw texts and checksums."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evaluation import project
from evaluation.cache import reloaded_on_change
from evaluation.errors import DataError, Problem, problem

REQUIRED_KEYS = ("id", "title_zh", "title_en", "issuer", "plan_year", "language", "file",
                 "original_file_name", "sha256")
# Optional keys and what a registry without them means (registries written before they existed
# stay valid): a plan, published in its plan year, in the script its language tag implies.
OPTIONAL_KEYS = ("doc_type", "published", "script")
DOC_TYPES = ("plan", "progress_report", "news_release", "statistical_communique", "other")
SCRIPTS = ("simplified", "traditional")
PUBLISHED_FORMAT = "a date written YYYY, YYYY-MM or YYYY-MM-DD"
_PUBLISHED = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, in C (libyaml) where available: ten times faster than pure Python."""


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

    @property
    def published_key(self) -> tuple[int, int, int]:
        """The publication date as a sortable ``(year, month, day)``; unknown parts are 0."""
        return published_key(self.published or str(self.plan_year))

    def text(self) -> str:
        """Return the document's text (checksum already verified at load)."""
        return read_text(self.path)


def published_key(text: str) -> tuple[int, int, int]:
    """``"2014-02"`` -> ``(2014, 2, 0)``: a partial date sorts before any full date in it."""
    match = _PUBLISHED.fullmatch(str(text).strip())
    if not match:
        raise ValueError(f"publication date {text!r}: expected {PUBLISHED_FORMAT}")
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


def _optional_fields(entry: dict[str, Any], *, path: Path, where: str) -> tuple[dict[str, str],
                                                                                list[Problem]]:
    """``doc_type``, ``published`` and ``script`` of one entry, defaults filled in."""
    language = str(entry.get("language", ""))
    fields = {
        "doc_type": str(entry.get("doc_type", "plan")),
        "published": str(entry.get("published", entry.get("plan_year", ""))),
        "script": str(entry.get("script", "traditional" if language.endswith("Hant")
                                else "simplified")),
    }
    problems = []
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


def sha256_file(path: str | Path) -> str:
    """Return the hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file, turning every failure into one :class:`DataError` line."""
    path = Path(path)
    if not path.exists():
        raise DataError(problems=[problem(path, "", "no such file", "an existing YAML file")])
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(problems=[problem(path, "", "an empty file", "a YAML document")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(problems=[problem(path, f"byte {exc.start}", "bytes that are not UTF-8",
                                          "UTF-8 text")]) from None
    try:
        return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataError(problems=[problem(path, where, f"malformed YAML ({reason})",
                                          "valid YAML")]) from None


def read_yaml_list(path: str | Path, key: str, *, items: str) -> list[Any]:
    """Read a YAML file whose entries are a list under the top-level ``key``.

    Parameters
    ----------
    path
        The YAML file.
    key
        The top-level key holding the list (``"sources"``, ``"checks"`` ...).
    items
        What the list holds, for the error message (``"source entries"``).

    Raises
    ------
    DataError
        When the file cannot be read (see :func:`read_yaml`) or has no list under ``key``.
    """
    path = Path(path)
    doc = read_yaml(path)
    entries = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise DataError(problems=[problem(path, key, type(entries).__name__,
                                          f"a list of {items} under the key {key!r}")])
    return entries


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file or raise :class:`DataError` naming the first bad byte."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(problems=[problem(path, f"byte {exc.start}", "bytes that are not UTF-8",
                                          "UTF-8 text")]) from None


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
            problems.append(problem(path, where, repr(entry), "a mapping"))
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
        doc_path = raw_dir / str(entry["file"])
        if not doc_path.exists():
            problems.append(problem(path, f"{where}.file ({sid})", f"{entry['file']!r} missing "
                                    f"from {project.display_path(raw_dir)}", "an existing file"))
            continue
        digest = sha256_file(doc_path)
        if digest != entry["sha256"]:
            problems.append(problem(doc_path, f"sha256 (source {sid})", digest,
                                    f"{entry['sha256']} as registered in "
                                    f"{project.display_path(path)}"))
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


@reloaded_on_change(lambda p: [p.sources_file, p.raw_dir])
def default_sources() -> dict[str, Source]:
    """The project's registry, loaded again when it or a document changes."""
    return load_sources()
