"""One executed notebook, one page per language.

A notebook writes both languages once: prose cells tagged ``lang-zh`` / ``lang-en``, outputs as
:func:`bilingual` blocks (``data-lang`` attributes). :func:`language_page` keeps one language's
blocks, sets ``<html lang>``, the tab title, a link to the twin page, a table of contents and
previous / next links. The page in the edition's first (default) language is
``<notebook>.html``; the others are ``<notebook>.<lang>.html`` (:func:`page_name`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from evaluation.reports.labels import HTML_LANG, LANGUAGES, Labels, check_language

LANG_ATTR = "data-lang"
CELL_TAG = "lang-{lang}"
TOC_MIN_HEADINGS = 3
_SLUG = re.compile(r"[^\w一-鿿-]+")


def page_name(notebook: str, lang: str, *, default: str = LANGUAGES[0]) -> str:
    """``04-policy-memo.html`` (``default`` language) or ``04-policy-memo.en.html``."""
    check_language(lang)
    return f"{notebook}.html" if lang == default else f"{notebook}.{lang}.html"


def bilingual(*, zh: str, en: str, inline: bool = False) -> str:
    """Both languages' HTML, each in an element marked with its language."""
    tag = "span" if inline else "div"
    return "".join(f'<{tag} {LANG_ATTR}="{lang}" lang="{HTML_LANG[lang]}">{text}</{tag}>'
                   for lang, text in (("zh", zh), ("en", en)))


def cells_for(nb: Any, lang: str) -> Any:
    """A copy of notebook ``nb`` without the cells tagged for the other languages."""
    import copy

    other = {CELL_TAG.format(lang=x) for x in LANGUAGES if x != lang}
    out = copy.copy(nb)
    out.cells = [c for c in nb.cells if not other & set(c.get("metadata", {}).get("tags", []))]
    return out


def language_page(html: str, lang: str, *, notebook: str, labels: Labels,
                  languages: Sequence[str] = LANGUAGES, order: Sequence[str] = ()) -> str:
    """Keep ``lang``'s blocks of a rendered page and dress it for that language.

    ``order`` lists the edition's notebooks in reading order, for previous / next links.
    """
    from bs4 import BeautifulSoup

    check_language(lang)
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select(f"[{LANG_ATTR}]"):
        if element.get(LANG_ATTR) != lang and element.parent is not None:
            element.decompose()
    root = soup.find("html")
    if root is not None:
        root["lang"] = HTML_LANG[lang]
    title = labels.report_title(notebook, lang)
    if soup.title is not None:
        soup.title.string = f"{title} · {labels.text('site_title', lang)}"
    _add_twins(soup, lang, notebook=notebook, labels=labels, languages=languages)
    _add_toc(soup, lang, labels)
    _add_neighbours(soup, lang, notebook=notebook, labels=labels, order=order,
                    default=languages[0])
    return str(soup)


def _slug(text: str, used: set[str]) -> str:
    base = _SLUG.sub("-", text.strip().lower()).strip("-") or "section"
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    used.add(slug)
    return slug


def _add_toc(soup: Any, lang: str, labels: Labels) -> None:
    headings = [h for h in soup.find_all("h2") if h.get_text(strip=True)]
    if len(headings) < TOC_MIN_HEADINGS:
        return
    used = {str(e["id"]) for e in soup.find_all(id=True)}
    nav = soup.new_tag("nav", attrs={"class": "evaluation-toc",
                                     "aria-label": labels.text("contents", lang)})
    heading = soup.new_tag("p")
    heading.string = labels.text("contents", lang)
    nav.append(heading)
    items = soup.new_tag("ul")
    for h in headings:
        text = h.get_text(" ", strip=True).rstrip("¶").strip()
        if not h.get("id"):
            h["id"] = _slug(text, used)
        li = soup.new_tag("li")
        a = soup.new_tag("a", href=f"#{h['id']}")
        a.string = text
        li.append(a)
        items.append(li)
    nav.append(items)
    banner = soup.find("nav", class_="evaluation-banner")
    if banner is not None:
        banner.insert_after(nav)


def _add_twins(soup: Any, lang: str, *, notebook: str, labels: Labels,
               languages: Sequence[str]) -> None:
    """Links to the same page in the other languages, in the banner."""
    banner = soup.find("nav", class_="evaluation-banner")
    if banner is None:
        return
    for other in languages:
        if other == lang:
            continue
        a = soup.new_tag("a", href=page_name(notebook, other, default=languages[0]),
                         hreflang=HTML_LANG[other], lang=HTML_LANG[other])
        a["class"] = "evaluation-twin"
        a.string = labels.text("other_language", lang)
        banner.append(" · ")
        banner.append(a)


def _add_neighbours(soup: Any, lang: str, *, notebook: str, labels: Labels,
                    order: Sequence[str], default: str) -> None:
    if notebook not in order:
        return
    i = list(order).index(notebook)
    nav = soup.new_tag("nav", attrs={"class": "evaluation-neighbours"})
    for j, word in ((i - 1, "previous"), (i + 1, "next")):
        if 0 <= j < len(order):
            a = soup.new_tag("a", href=page_name(order[j], lang, default=default),
                             rel="prev" if j < i else "next")
            a.string = f"{labels.text(word, lang)}: {labels.report_title(order[j], lang)}"
            nav.append(a)
    if nav.contents:
        (soup.find("body") or soup).append(nav)


IDENTIFIER = re.compile(r"(?<![\w./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/])|\bNaN\b|<NA>|\bNone\b"
                        r"|\bplan20\d\d\.\S+")
"""What a reader must never see: snake_case ids, fact ids, ``NaN``, ``<NA>``, ``None``."""


def visible_identifiers(text: str) -> list[str]:
    """Identifiers in a page's visible text (see :data:`IDENTIFIER`), in order, without repeats.

    File names (``tables/x_y.csv``) and paths are not flagged: a slash or dot before or after
    the token marks it as a path a reader may need.
    """
    return list(dict.fromkeys(m.group(0) for m in IDENTIFIER.finditer(text)))


def visible_text(html: str) -> str:
    """The text a browser shows of ``html`` (no script, style, head or attribute values)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "template", "noscript"]):
        tag.decompose()
    return soup.get_text(" ")
