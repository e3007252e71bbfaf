"""The second line of defence: every published HTML page goes through an allow-list sanitiser.

Text from the data is escaped where it becomes HTML or Markdown
(:mod:`evaluation.reports.escape`). Should anything slip through, :func:`sanitize_document`
passes the page's ``<head>`` and ``<body>`` through `nh3 <https://nh3.readthedocs.io>`_ (the
Python binding of the Rust sanitiser *ammonia*) before the page is published. It keeps what the
reports legitimately use, namely tables, lists, headings, figures embedded as ``data:image/...``
URIs, footnote links (``#...``), relative links between reports, ``class``/``id``/``title``/
``data-*`` attributes and ``<style>`` sheets; it removes every ``<script>`` (with its content),
every event-handler attribute (``onerror``, ``onload`` ...), ``<iframe>``/``<object>``/
``<embed>``/``<form>`` and every URL whose scheme is not in :data:`URL_SCHEMES` (``javascript:``
first of all). A ``data:`` URL is kept only as an image source of a raster or SVG image.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
_HEAD_OPEN = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_HEAD_CLOSE = re.compile(r"</head\s*>", re.IGNORECASE)

BODY_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "main", "mark",
    "nav", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span", "strong", "style",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u",
    "ul", "var", "wbr", "article", "aside",
})
HEAD_TAGS = frozenset({"meta", "title", "style"})
GENERIC_ATTRIBUTES = frozenset({"class", "id", "title", "lang", "dir", "style", "tabindex",
                                "role", "aria-label", "aria-hidden"})
TAG_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "halign", "valign", "align"},
    "th": {"colspan", "rowspan", "halign", "valign", "align", "scope"},
    "table": {"border"},
    "col": {"span"},
    "li": {"value"},
    "ol": {"start", "type"},
    "style": {"type", "scoped", "media"},
    "meta": {"charset", "name", "content"},
    "time": {"datetime"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto", "data"})
"""URL schemes kept; ``data:`` only for images (see :func:`_filter`)."""
_IMAGE_DATA = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]*\Z")


def _filter(tag: str, attribute: str, value: str) -> str | None:
    """Drop ``data:`` URLs anywhere but an image's ``src``, and any non-image ``data:`` URL."""
    if attribute in ("href", "src") and value.strip().lower().startswith("data:"):
        if tag == "img" and attribute == "src" and _IMAGE_DATA.match(value.strip()):
            return value
        return None
    return value


@cache
def _nh3() -> Any:
    import nh3

    return nh3


def sanitize_fragment(html: str, *, tags: frozenset[str] = BODY_TAGS) -> str:
    """``html`` (a fragment) with everything outside the allow-list removed."""
    nh3 = _nh3()
    attributes = {tag: set(names) for tag, names in TAG_ATTRIBUTES.items()}
    attributes["*"] = set(GENERIC_ATTRIBUTES)
    return str(nh3.clean(html, tags=set(tags), attributes=attributes,
                         generic_attribute_prefixes={"data-"}, url_schemes=set(URL_SCHEMES),
                         attribute_filter=_filter, link_rel=None, strip_comments=True,
                         clean_content_tags={"script"}))


def sanitize_document(html: str) -> str:
    """A whole page with its ``<head>`` and ``<body>`` contents sanitised.

    The doctype and the ``<html>``, ``<head>`` and ``<body>`` tags themselves are kept (their
    attributes come from the template, never from data); a page without a ``<body>`` is
    sanitised as one fragment.
    """
    body_open, body_close = _BODY_OPEN.search(html), None
    if body_open:
        closes = list(_BODY_CLOSE.finditer(html, body_open.end()))
        body_close = closes[-1] if closes else None
    if body_open is None or body_close is None:
        return sanitize_fragment(html)
    prefix = html[:body_open.start()]
    head_open = _HEAD_OPEN.search(prefix)
    head_close = _HEAD_CLOSE.search(prefix, head_open.end()) if head_open else None
    if head_open and head_close:
        head = sanitize_fragment(prefix[head_open.end():head_close.start()], tags=HEAD_TAGS)
        prefix = prefix[:head_open.end()] + head + prefix[head_close.start():]
    else:
        prefix = _strip_before_body(prefix)
    body = sanitize_fragment(html[body_open.end():body_close.start()])
    return prefix + body_open.group(0) + body + html[body_close.start():]


def _strip_before_body(prefix: str) -> str:
    """Without a ``<head>``, keep only the doctype and ``<html>`` tag before ``<body>``."""
    kept = re.findall(r"<!DOCTYPE[^>]*>|<html\b[^>]*>", prefix, re.IGNORECASE)
    return "\n".join(kept) + "\n"
