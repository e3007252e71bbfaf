"""Completeness: every number written in a document is a fact or ignored with a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import regex

from evaluation import project
from evaluation.core.numbers import NumberMention, find_numbers, normalise
from evaluation.data.schema import locate_value_text
from evaluation.data.sources import Source, default_sources
from evaluation.errors import DataError, Problem, problem
from evaluation.io import read_yaml_list
from evaluation.paths import display_path

PATTERN_TIMEOUT_S = 2.0
"""Longest time one ignore pattern may take on one document."""

# Characters of text shown either side of an uncovered number.
SNIPPET = 12


@dataclass(frozen=True)
class IgnoreEntry:
    """One entry of ``data/ignored_numbers.yaml``: a number that is not a fact, and why.

    Either ``pattern`` (a regex; every number inside a match is ignored) or ``context`` (a
    verbatim snippet of the document) with ``number`` (the number in it, as written).

    Patterns run on the ``regex`` engine with a time limit (:data:`PATTERN_TIMEOUT_S`), so a
    pattern with catastrophic backtracking is an error naming the entry, never a hang.
    """

    key: str
    source: str
    reason: str
    pattern: str | None = None
    context: str | None = None
    number: str | None = None
    file: str = ""

    def covers(self, text: str, mentions: list[NumberMention]) -> list[NumberMention]:
        """The mentions of ``text`` this entry ignores."""
        if self.pattern is not None:
            try:
                spans = [m.span() for m in regex.finditer(self.pattern, text,
                                                          timeout=PATTERN_TIMEOUT_S)]
            except TimeoutError:
                raise DataError(problems=[problem(
                    self.file or "data/ignored_numbers.yaml", f"{self.key}.pattern",
                    f"{self.pattern!r}, still matching after {PATTERN_TIMEOUT_S} s",
                    "a simple pattern (no nested repetition such as (.|.)*), or a 'context' "
                    "snippet")]) from None
            return [n for n in mentions if any(a <= n.start and n.end <= b for a, b in spans)]
        context, number = self.context or "", self.number or ""
        spans = [(m.start(), m.start() + len(context))
                 for m in re.finditer(re.escape(context), text)]
        wanted = normalise(number)
        return [n for n in mentions if normalise(n.text) == wanted
                and any(a <= n.start and n.end <= b for a, b in spans)]


@dataclass(frozen=True)
class Coverage:
    """How a document's numbers are accounted for."""

    source: Source
    mentions: list[NumberMention]
    by_fact: dict[int, str] = field(default_factory=dict)  # mention start -> fact_id
    by_entry: dict[int, str] = field(default_factory=dict)  # mention start -> entry key
    unused: list[IgnoreEntry] = field(default_factory=list)  # entries that ignore nothing
    overlaps: list[tuple[IgnoreEntry, str]] = field(default_factory=list)  # (entry, fact_id)

    @property
    def uncovered(self) -> list[NumberMention]:
        """Mentions that are neither a fact nor ignored."""
        return [m for m in self.mentions
                if m.start not in self.by_fact and m.start not in self.by_entry]


def load_ignored(path: str | Path | None = None, *, sources: dict[str, Source] | None = None
                 ) -> list[IgnoreEntry]:
    """Load and check ``data/ignored_numbers.yaml``.

    Raises
    ------
    DataError
        One problem per malformed entry (unknown source, no reason, bad regex, neither
        ``pattern`` nor ``context`` + ``number``).
    """
    path = Path(path or project.current().ignored_numbers_file)
    sources = default_sources() if sources is None else sources
    entries = read_yaml_list(path, "ignored", items="entries")
    problems, out = [], []
    for i, entry in enumerate(entries):
        key = f"ignored[{i}]"
        if not isinstance(entry, dict):
            problems.append(problem(path, key, repr(entry), "a mapping"))
            continue
        found = _entry_problems(entry, sources)
        problems += [problem(path, f"{key}.{k}", f, e) for k, f, e in found]
        if not found:
            out.append(IgnoreEntry(key=key, source=entry["source"], reason=entry["reason"],
                                   pattern=entry.get("pattern"),
                                   context=None if entry.get("context") is None
                                   else str(entry["context"]),
                                   number=None if entry.get("number") is None
                                   else str(entry["number"]), file=str(path)))
    if problems:
        raise DataError(problems=problems)
    return out


def _entry_problems(entry: dict, sources: dict[str, Source]) -> list[tuple[str, str, str]]:
    """(key, found, expected) for each thing wrong with one ignore entry."""
    found = []
    if entry.get("source") not in sources:
        found.append(("source", repr(entry.get("source")),
                      f"a source id from data/sources.yaml ({', '.join(sorted(sources))})"))
    if not isinstance(entry.get("reason"), str) or not entry["reason"].strip():
        found.append(("reason", repr(entry.get("reason")), "a reason (non-empty text)"))
    has_pattern, has_context = "pattern" in entry, "context" in entry
    if has_pattern == has_context:
        found.append(("pattern", "both 'pattern' and 'context'" if has_pattern else "neither",
                      "either 'pattern' or 'context' with 'number'"))
    elif has_pattern:
        try:
            if not isinstance(entry["pattern"], str) or not entry["pattern"].strip():
                raise regex.error("not a non-empty string")
            regex.compile(entry["pattern"])
        except regex.error as exc:
            found.append(("pattern", f"{entry['pattern']!r} ({exc})", "a valid regex"))
    elif entry.get("number") is None or not str(entry.get("context") or "").strip():
        found.append(("number", repr(entry.get("number")),
                      "a 'number' as written inside the non-empty 'context'"))
    return found


def coverage(source: Source, *, facts: pd.DataFrame, ignored: list[IgnoreEntry]) -> Coverage:
    """Match every digit-written number of ``source`` to a fact or an ignore entry.

    Notes
    -----
    A fact covers the mention that starts at ``text.find(quote) + offset(value_text in quote)``.
    Chinese-numeral figures (三次) are not scanned; they are curated by hand. A statistical table
    (:attr:`Source.is_table`) is data, not prose: it has no written numbers to account for.
    """
    text = "" if source.is_table else source.text()
    mentions = find_numbers(text)
    starts = {m.start for m in mentions}
    by_fact = {}
    for row in facts[facts["source_id"] == source.id].itertuples():
        at = text.find(row.quote)
        offset = locate_value_text(row.quote, row.value_text)
        if at >= 0 and offset >= 0 and at + offset in starts:
            by_fact[at + offset] = row.fact_id
    by_entry: dict[int, str] = {}
    unused: list[IgnoreEntry] = []
    overlaps: list[tuple[IgnoreEntry, str]] = []
    for entry in (e for e in ignored if e.source == source.id):
        covered = entry.covers(text, mentions)
        if not covered:
            unused.append(entry)
        for mention in covered:
            if mention.start in by_fact:
                overlaps.append((entry, by_fact[mention.start]))
            by_entry.setdefault(mention.start, entry.key)
    return Coverage(source, mentions, by_fact, by_entry, unused, overlaps)


def uncovered(source: Source, *, facts: pd.DataFrame | None = None,
              ignored: list[IgnoreEntry] | None = None) -> list[NumberMention]:
    """Numbers written in ``source`` that are neither a fact nor in the ignore list."""
    from evaluation.data.facts import default_facts

    facts = default_facts() if facts is None else facts
    ignored = load_ignored() if ignored is None else ignored
    return coverage(source, facts=facts, ignored=ignored).uncovered


def completeness_problems(coverages: list[Coverage], *,
                          ignored_path: str | Path | None = None) -> list[Problem]:
    """One problem per uncovered number, per ignore entry that ignores nothing, and per entry
    that ignores a number a fact already records."""
    ignored_path = Path(ignored_path or project.current().ignored_numbers_file)
    problems = []
    for cov in coverages:
        text = cov.source.text()
        for m in cov.uncovered:
            line = text.count("\n", 0, m.start) + 1
            problems.append(problem(
                cov.source.path, f"line {line}, offset {m.start}",
                f"the number {m.text} in “…{text[max(m.start - SNIPPET, 0):m.end + SNIPPET]}…”",
                f"a fact in {display_path(project.current().facts_file)} or an entry in "
                f"{display_path(ignored_path)}"))
        for entry in cov.unused:
            what = (f"pattern {entry.pattern!r}" if entry.pattern is not None
                    else f"context {entry.context!r} with number {entry.number!r}")
            problems.append(problem(ignored_path, f"{entry.key} (source {entry.source})",
                                    f"{what} that matches no number in the document",
                                    "an entry that ignores at least one number (else delete it)"))
        for entry, fact_id in cov.overlaps:
            problems.append(problem(ignored_path, f"{entry.key} (source {entry.source})",
                                    f"an ignored number that fact {fact_id} records",
                                    "numbers that are not facts"))
    return problems
