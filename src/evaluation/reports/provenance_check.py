"""The check that every number in a page's prose has its provenance: :func:`check_provenance`
reads a rendered page back and lists each number outside a
:class:`~evaluation.reports.provenance.Citations` span that no exemption covers (the rule is in
its notes)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from evaluation.core.numbers import normalise

NOT_PROSE = frozenset({"script", "style", "head", "title", "nav", "template", "noscript"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "param", "source", "track", "wbr"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NUMBER = re.compile(r"(?<![A-Za-z_\d])\d+(?:[.,]\d+)*(?![\d_])")
_SECTION_NUMBER = re.compile(r"\s*\d+(?:\.\d+)*[.)]?(?=\s)")
_YEAR = re.compile(r"(?:19|20)\d\d")
_MAGNITUDE_AFTER = re.compile(r"\s*[%亿万]")
CONTEXT = 30


def check_provenance(html: str) -> list[str]:
    """Every number in a page's prose that carries no provenance.

    Parameters
    ----------
    html
        A rendered page (e.g. the memo's HTML).

    Returns
    -------
    list of str
        One entry per number found, ``'<number>' in “…context…”``, in document order; empty when
        every number has provenance.

    Notes
    -----
    The rule. A number is a run of digits (full-width digits count) with optional ``.``/``,``
    groups, in the page's text (attribute values are not text). It is exempt when it stands

    - inside an element with a ``data-prov`` attribute (a :class:`Citations` span, its footnote
      marker included) or a ``data-prov-ignore`` attribute (the footnotes themselves, whose quotes
      are the provenance; any other element a page labels as not a figure);
    - inside ``script``, ``style``, ``head``, ``title``, ``nav`` (the report banner with the
      edition and run time), ``template`` or ``noscript``: not prose;
    - at the start of an ``h1``-``h6`` heading as a section number (``2.``, ``3.1``) followed by
      a space;
    - as a footnote marker ``[n]``;
    - glued to an identifier (after a letter or ``_``, before ``_``: ``plan2013``, ``CO2``);
    - as a calendar year: four digits 1900-2099 with no separator or decimals and not followed by
      ``%``, 亿 or 万. (Figures above 999 are printed with a thousands separator, so a
      four-digit figure left without provenance looks like ``2,000``, not ``2000``; a bare
      ``2000`` in prose is read as a year.)

    Chinese numerals (三户) are not detected.
    """
    parser = _ProseNumbers()
    parser.feed(html)
    parser.close()
    return parser.unsourced


class _ProseNumbers(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._stack: list[tuple[str, bool]] = []  # (tag, exempt)
        self._heading_start = False
        self.unsourced: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        exempt = (bool(self._stack and self._stack[-1][1]) or tag in NOT_PROSE
                  or "data-prov" in names or "data-prov-ignore" in names)
        if tag in HEADINGS:
            self._heading_start = True
        if tag not in VOID:
            self._stack.append((tag, exempt))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        return  # a self-closed element holds no text

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        text = normalise(data)
        if self._stack and self._stack[-1][1]:
            return
        skip_to = 0
        if self._heading_start and text.strip():
            self._heading_start = False
            section = _SECTION_NUMBER.match(text)
            skip_to = section.end() if section else 0
        for match in _NUMBER.finditer(text, skip_to):
            if not _exempt(text, match):
                start, end = max(0, match.start() - CONTEXT), match.end() + CONTEXT
                context = " ".join(data[start:end].split())
                self.unsourced.append(f"'{data[match.start():match.end()]}' in “…{context}…”")


def _exempt(text: str, match: re.Match[str]) -> bool:
    token, start, end = match.group(0), match.start(), match.end()
    if text[start - 1:start] == "[" and text[end:end + 1] == "]":
        return True
    after = _MAGNITUDE_AFTER.match(text, end)
    return bool(_YEAR.fullmatch(token)) and after is None
