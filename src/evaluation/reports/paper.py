"""The memo on paper: its HTML turned into Typst markup and compiled to PDF, no browser needed.

Typst comes from PyPI (``typst``), the CJK font too (``manimgx-fonts-cjk``: Noto Sans CJK as a
variable font, SIL Open Font License), so ``make report`` writes the PDF on any machine with
Python alone. The variable font carries every weight, so bold text is set in a bold face (the
one-weight ``noto-cjk-sans-otc`` that the charts use cannot: Typst would print bold as regular).
The PDF is A4 with a running header (title, edition, date, issuing body), page numbers
(``Page 1 of 4`` / ``第 1 页，共 4 页``), the document title in its metadata, the memo on the
first pages, the appendix from a new page, and the notes in reading order at 8.5 pt. Elements
marked ``screen-only`` (hover hints) are left out; the font is embedded (subset) in the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.errors import RunError, problem

FONT_FAMILY = "Noto Sans CJK SC"
BODY_PT = 9.5
NOTES_PT = 8.5
_ESCAPE = re.compile(r"([\\#*_\[\]$<>@`~/=\-+\"';])")  # ; would end a call before it
_SPACE = re.compile(r"\s+")
SKIP_CLASSES = frozenset({"screen-only"})
WORD_JOINER = "\u2060"
"""Keeps a note mark on the line of the word it follows (no line starts with a mark)."""
LATIN_FONT = {"en": "Libertinus Serif"}
"""The font for Latin text per language (Typst's own); Chinese text, and Chinese pages, use
:data:`FONT_FAMILY`, so English quotation marks are Latin glyphs, not full-width ones."""
_NUMERIC = re.compile(r"[\d−+\-.,%（(]")
KEEP_TOGETHER_ROWS = 14
"""A table up to this many rows is never split across pages (no orphaned rows)."""


def font_dir() -> Path:
    """The folder of the packaged CJK variable font (``manimgx_fonts_cjk``, every weight)."""
    import manimgx_fonts_cjk

    return Path(str(manimgx_fonts_cjk.__file__)).parent


@dataclass(frozen=True)
class PaperMeta:
    """What the running header and the PDF metadata say."""

    title: str
    edition: str
    date: str
    issuer: str
    lang: str
    page_words: str
    """``Page {page} of {total}`` with both fields, in the memo's language."""


def escape_typst(text: str) -> str:
    """``text`` as literal Typst markup (every markup character escaped)."""
    return _ESCAPE.sub(r"\\\1", text)


def _string(text: str) -> str:
    """``text`` as a Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _inline(node: Any) -> str:
    """Inline markup of ``node``'s children (text, bold, italic, superscripts, spans)."""
    from bs4 import NavigableString, Tag

    out = []
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child).__name__ in ("Comment", "Doctype"):
                continue
            out.append(escape_typst(_SPACE.sub(" ", str(child))))
        elif isinstance(child, Tag):
            if SKIP_CLASSES & set(child.get("class") or []) or child.name in ("style", "script"):
                continue
            inner = _inline(child)
            if child.name in ("b", "strong"):
                out.append(f"#strong[{inner}]")
            elif child.name in ("i", "em"):
                out.append(f"#emph[{inner}]")
            elif child.name == "sup":  # [n], joined to the word before: copied text keeps
                out.append(f"{WORD_JOINER}#super[{inner}]")  # 101[1], never 1011
            elif child.name == "br":
                out.append(" \\ ")
            else:
                out.append(inner)
    return "".join(out)


def _block(node: Any) -> list[str]:
    """Block markup of ``node``'s children, one item per paragraph, heading, list or table."""
    from bs4 import NavigableString, Tag

    blocks: list[str] = []
    for child in node.children:
        if isinstance(child, NavigableString):
            if str(child).strip() and type(child).__name__ not in ("Comment", "Doctype"):
                blocks.append(escape_typst(_SPACE.sub(" ", str(child)).strip()))
            continue
        if not isinstance(child, Tag) or child.name in ("style", "script"):
            continue
        if SKIP_CLASSES & set(child.get("class") or []):
            continue
        classes = set(child.get("class") or [])
        if "memo-appendix" in classes:
            blocks.append("#pagebreak(weak: true)")
        if "provenance-notes" in classes:
            blocks.append(f"#set text(size: {NOTES_PT}pt)")
        name = child.name
        if name == "h1":
            blocks.append(f"#heading(level: 1)[{_inline(child)}]")
        elif name == "h2":
            blocks.append(f"#heading(level: 2)[{_inline(child)}]")
        elif name in ("h3", "h4"):
            blocks.append(f"#heading(level: 3)[{_inline(child)}]")
        elif name == "p":
            blocks.append(_inline(child).strip())
        elif name in ("ul", "ol"):
            blocks.append(_list(child, numbered=name == "ol"))
        elif name == "dl":
            blocks.extend(f"#strong[{_inline(dt)}] #h(0.5em) {_inline(dd)}"
                          for dt, dd in zip(child.find_all("dt"), child.find_all("dd"),
                                            strict=False))
        elif name == "table":
            blocks.append(_table(child))
        else:
            blocks.extend(_block(child))
    return [b for b in blocks if b]


def _list(node: Any, *, numbered: bool) -> str:
    items = node.find_all("li", recursive=False)
    if numbered:
        lines = [f"+ #block[{_inline(li).strip()}]" for li in items]
        start = items[0].get("value", "1") if items else "1"
        return f"#set enum(start: {int(start)})\n" + "\n".join(lines)
    return "\n".join(f"- {_inline(li).strip()}" for li in items)


def _table(node: Any) -> str:
    rows = node.find_all("tr")
    if not rows:
        return ""
    width = max(len(r.find_all(["th", "td"])) for r in rows)
    head: list[str] = []
    cells: list[str] = []
    for i, row in enumerate(rows):
        for cell in row.find_all(["th", "td"]):
            text = _inline(cell).strip()
            if i == 0 and cell.name == "th":
                head.append(f"[#strong[{text}]]")
            else:
                cells.append(f"[{text}]")
    columns = "(" + ", ".join(["2fr"] + ["1fr"] * (width - 1)) + ",)"
    body = [r.find_all(["th", "td"]) for r in rows[1:]]
    numeric = [j > 0 and all(_NUMERIC.match(cells_[j].get_text().strip() or "0")
                             for cells_ in body if len(cells_) > j) for j in range(width)]
    align = "(" + ", ".join("right" if n else "left" for n in numeric) + ",)"
    header = f"table.header({', '.join(head)}), " if head else ""
    caption = node.find("caption")
    title = f"#strong[{_inline(caption).strip()}] \\\n" if caption else ""
    table = (f"#table(columns: {columns}, align: {align}, stroke: (x: none, y: 0.4pt + gray), "
             f"inset: 3pt, {header}{', '.join(cells)})")
    breakable = "false" if len(rows) <= KEEP_TOGETHER_ROWS else "true"
    return f"#block(breakable: {breakable})[{title}{table}]"


def typst_source(html: str, meta: PaperMeta) -> str:
    """The Typst document of one language's memo HTML."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    root = soup.find(class_="memo") or soup
    edition = f"{meta.edition}年度" if meta.lang == "zh" else f"{meta.edition} edition"
    header = escape_typst(f"{meta.title} · {edition} · {meta.date} · {meta.issuer}")
    page_words = meta.page_words.replace("{page}", "\x00P").replace("{total}", "\x00T")
    page_words = escape_typst(page_words).replace("\x00P", "#counter(page).display()").replace(
        "\x00T", "#counter(page).final().first()")
    region = ', region: "cn"' if meta.lang == "zh" else ""
    title, issuer = _string(meta.title), _string(meta.issuer)
    faces = (LATIN_FONT.get(meta.lang), FONT_FAMILY)
    fonts = "(" + ", ".join(_string(f) for f in faces if f) + ",)"
    preamble = f"""#set document(title: {title}, author: {issuer}, date: none)
#set page(paper: "a4", margin: (x: 18mm, top: 22mm, bottom: 20mm),
  header: context [#set text(size: 8pt, fill: luma(90)); {header} #h(1fr)
    #line(length: 100%, stroke: 0.3pt + luma(150))],
  footer: context [#set text(size: 8pt); #h(1fr) {page_words} #h(1fr)])
#set text(font: {fonts}, size: {BODY_PT}pt, lang: {_string(meta.lang)}{region})
#set par(justify: false, leading: 0.6em, spacing: 0.8em)
#show heading.where(level: 1): set text(size: 15pt)
#show heading.where(level: 2): set text(size: 12pt)
#show heading.where(level: 3): set text(size: 10.5pt)
#show heading: set block(above: 1em, below: 0.5em)
#set list(spacing: 0.6em)
#set enum(spacing: 0.5em)
"""
    return preamble + "\n\n".join(_block(root)) + "\n"


def compile_pdf(source: str, pdf_path: str | Path) -> Path:
    """Compile Typst ``source`` to ``pdf_path`` with the packaged CJK font (atomic write).

    Raises
    ------
    RunError
        Typst reports an error (its first line is named).
    """
    import typst

    pdf_path = Path(pdf_path)
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    src = pdf_path.with_name(f".{pdf_path.stem}.{os.getpid()}.typ")
    src.write_text(source, encoding="utf-8")
    try:
        data = typst.compile(str(src), font_paths=[str(font_dir())], ignore_system_fonts=True)
    except (typst.TypstError, RuntimeError) as exc:
        raise RunError(problems=[problem(pdf_path, "Typst", str(exc).splitlines()[0][:300],
                                         "a PDF")]) from None
    finally:
        src.unlink(missing_ok=True)
    partial = pdf_path.with_name(f".{pdf_path.name}.{os.getpid()}.tmp")
    partial.write_bytes(bytes(data) if not isinstance(data, bytes) else data)
    os.replace(partial, pdf_path)
    return pdf_path


def memo_pdf(html: str, pdf_path: str | Path, meta: PaperMeta) -> Path:
    """Print one language's memo HTML to ``pdf_path``."""
    return compile_pdf(typst_source(html, meta), pdf_path)


def memo_pdfs(pages: dict[str, str], *, notebook: str, edition: str, date: str,
              out: str | Path | None = None) -> list[Path]:
    """Print each language's memo (``{lang: html}``, default language first) as
    ``<notebook>.pdf`` and ``<notebook>.<lang>.pdf`` in the notebook's output folder."""
    from evaluation.reports.labels import default_labels
    from evaluation.reports.memo_findings import written_date
    from evaluation.reports.outputs import output_dir

    labels = default_labels()
    folder = output_dir(out)
    default = next(iter(pages))
    written = []
    for lang, html in pages.items():
        meta = PaperMeta(title=labels.report_title(notebook, lang), edition=edition,
                         date=written_date(date, lang),
                         issuer=labels.text("issuer", lang), lang=lang,
                         page_words=labels.get("text", "page", lang))
        name = f"{notebook}.pdf" if lang == default else f"{notebook}.{lang}.pdf"
        written.append(memo_pdf(html, folder / name, meta))
    return written
