"""Every label a reader sees, in Chinese and English, from one registry.

Indicator names come from ``data/indicators.yaml`` (``name_zh``, ``name_en``); everything else
(units, table columns, scenarios, instruments, parameters, estimators, checks, statuses, report
titles, interface words) from ``labels.yaml`` beside this module (wording ships with the
templates, so a project folder without it still renders). Reports ask :class:`Labels` for a label by
kind and id; an id without a label is a :class:`~evaluation.errors.DataError` naming the file and
section, never an identifier shown to a reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evaluation import project
from evaluation.errors import DataError, problem
from evaluation.io import read_yaml_mapping

if TYPE_CHECKING:  # for annotations only: reading labels does not need pandas
    import pandas as pd

LANGUAGES = ("zh", "en")
"""Report languages, the default edition language first."""
LABELS_FILE = Path(__file__).resolve().parent / "labels.yaml"
SECTIONS = ("units", "columns", "scenarios", "instruments", "parameters", "estimators",
            "designs", "checks", "statuses", "kinds", "qualifiers", "quantities", "readings",
            "calibration", "reports", "tables", "derivations", "refusals", "provinces",
            "text", "doc_types", "vintage_statuses", "resolution_steps", "conflicts", "periods",
            "claims", "actions", "restrictions")
HTML_LANG = {"zh": "zh-CN", "en": "en"}
"""The ``lang`` attribute of a page in each language."""


def check_language(lang: str) -> str:
    """``lang`` when it is one of :data:`LANGUAGES`.

    Raises
    ------
    ValueError
        Any other value.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"report language {lang!r}: expected one of {list(LANGUAGES)}")
    return lang


@dataclass(frozen=True)
class Labels:
    """The bilingual label registry: ``entries[section][id] = {"zh": ..., "en": ...}``."""

    entries: Mapping[str, Mapping[str, Mapping[str, str]]]
    path: Path

    def get(self, section: str, key: str, lang: str) -> str:
        """The label of ``key`` in ``section`` in ``lang``.

        Raises
        ------
        DataError
            No such section or id, or no label in ``lang``.
        """
        check_language(lang)
        entry = self.entries.get(section, {}).get(key)
        if entry is None or lang not in entry:
            raise DataError(problems=[problem(self.path, f"section {section!r}, id {key!r}",
                                              "no label" if entry is None else f"no {lang!r} label",
                                              f"an entry {{zh: ..., en: ...}} under {section}")])
        return str(entry[lang])

    def find(self, section: str, key: str, lang: str) -> str | None:
        """Like :meth:`get`, ``None`` when there is no label."""
        entry = self.entries.get(section, {}).get(key)
        return None if entry is None or lang not in entry else str(entry[lang])

    def entry(self, section: str, key: str) -> Mapping[str, str]:
        """The whole entry (both languages and extras such as ``unit``); ``{}`` when absent."""
        return self.entries.get(section, {}).get(key, {})

    def text(self, key: str, lang: str, **values: Any) -> str:
        """An interface word or phrase (section ``text``), ``{name}`` fields filled."""
        return self.get("text", key, lang).format(**values)

    def unit(self, unit: str, lang: str) -> str:
        """The unit's name (``亿元``, ``percent`` ...)."""
        return self.get("units", unit, lang)

    def unit_symbol(self, unit: str, lang: str) -> str:
        """What is written after a number in ``unit`` (``亿元``, ``%`` ...)."""
        entry = self.entry("units", unit)
        return str(entry.get(f"symbol_{lang}", self.unit(unit, lang)))

    def column(self, column: str, lang: str, *, unit: str | None = None) -> str:
        """A table header in words, with its unit in brackets (``变化（%）``, ``Change (%)``)."""
        label = self.get("columns", column, lang)
        unit = unit or self.entry("columns", column).get("unit")
        if not unit:
            return label
        name = self.unit(unit, lang)
        return f"{label}（{name}）" if lang == "zh" else f"{label} ({name})"

    def report_title(self, notebook: str, lang: str) -> str:
        """A report's title (section ``reports``); the notebook name when it has none."""
        return self.find("reports", notebook, lang) or notebook

    def report_blurb(self, notebook: str, lang: str) -> str:
        """A report's one-line description, ``""`` when it has none."""
        return str(self.entry("reports", notebook).get(f"blurb_{lang}", ""))


def load_labels(path: str | Path | None = None) -> Labels:
    """Read the labels file (default :data:`LABELS_FILE`); check every entry has both languages.

    Raises
    ------
    DataError
        The file is unreadable or not a YAML mapping (:func:`evaluation.io.read_yaml_mapping`);
        an unknown section, or an entry without ``zh`` or ``en`` (one problem each).
    """
    path = Path(path) if path is not None else LABELS_FILE
    raw = read_yaml_mapping(path, expected="a YAML mapping of label sections")
    problems = []
    entries: dict[str, dict[str, dict[str, str]]] = {}
    for section, items in raw.items():
        if section not in SECTIONS:
            problems.append(problem(path, f"section {section!r}", "unknown section",
                                    f"one of {list(SECTIONS)}"))
            continue
        entries[section] = {}
        for key, entry in (items or {}).items():
            missing = [lang for lang in LANGUAGES
                       if not isinstance(entry, dict) or lang not in entry]
            if missing:
                problems.append(problem(path, f"{section}.{key}", f"no {' or '.join(missing)}",
                                        "an entry {zh: ..., en: ...}"))
                continue
            entries[section][str(key)] = {str(k): str(v) for k, v in entry.items()}
    if problems:
        raise DataError(problems=problems)
    return Labels(entries=entries, path=path)


def with_indicators(labels: Labels, indicators: pd.DataFrame) -> Labels:
    """``labels`` plus an ``indicators`` section from the indicator table's zh/en names."""
    section = {str(i): {"zh": str(r["name_zh"]), "en": str(r["name_en"]), "unit": str(r["unit"])}
               for i, r in indicators.iterrows()}
    return Labels(entries={**labels.entries, "indicators": section}, path=labels.path)


def with_checks(labels: Labels, checks_file: str | Path) -> Labels:
    """``labels`` plus, for each check of ``checks_file`` that the ``checks`` section does not
    name, its own words: ``description_zh`` and ``description`` (a check added next year is
    named on every page without editing this package). A file that cannot be read adds
    nothing (``evaluation check`` reports it)."""
    from evaluation.errors import EvaluationError
    from evaluation.io import read_yaml_list

    try:
        entries = read_yaml_list(checks_file, "checks", items="checks")
    except EvaluationError:
        return labels
    own = {str(e["id"]): {"zh": str(e["description_zh"]), "en": str(e["description"])}
           for e in entries if isinstance(e, dict) and {"id", "description", "description_zh"}
           <= e.keys()}
    section = {**own, **labels.entries.get("checks", {})}
    return Labels(entries={**labels.entries, "checks": section}, path=labels.path)


def default_labels() -> Labels:
    """The current project's labels with its indicator names and its checks' own words (read
    again when a file changes)."""
    here = project.current()
    indicators_file, checks_file = here.indicators_file, here.checks_file
    stamp = indicators_file.stat().st_mtime_ns if indicators_file.is_file() else None
    checks_stamp = checks_file.stat().st_mtime_ns if checks_file.is_file() else None
    return _labels(str(indicators_file), stamp, LABELS_FILE.stat().st_mtime_ns,
                   str(checks_file), checks_stamp)


@cache
def _labels(indicators_file: str, stamp: int | None, labels_stamp: int, checks_file: str,
            checks_stamp: int | None) -> Labels:
    from evaluation.data.facts import load_indicators

    labels = load_labels()
    if checks_stamp is not None:
        labels = with_checks(labels, checks_file)
    if stamp is None:
        return labels
    return with_indicators(labels, load_indicators(indicators_file))


def missing_labels(labels: Labels, section: str, ids: Iterable[str]) -> list[str]:
    """The ids of ``ids`` with no label in ``section`` (for tests and ``check``)."""
    return [i for i in ids if i not in labels.entries.get(section, {})]
