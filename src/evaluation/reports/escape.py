"""The one escaping helper: data-derived text becoming HTML or Markdown goes through here.

Reports are read by reviewers who did not write the data, so every piece of text that comes from
an input file (a check's description, a fact's quote, an indicator's name, a parameter's or
scenario's description, a source's title, a note, an edition value) is escaped at the point where
it is put into HTML or Markdown. :func:`html` is for HTML (text and attribute values);
:func:`markdown` for Markdown that nbconvert renders (it also neutralises Markdown syntax, so a
``[link](javascript:...)`` or ``**`` in the data shows as written). The rendered page is then
sanitised once more before it is published (:mod:`evaluation.pipeline.sanitize`).
"""

from __future__ import annotations

from html import escape as _escape

_MARKDOWN_SPECIAL = frozenset("\\`*_[]{}|~$#!")


def html(text: object) -> str:
    """``text`` as HTML text or a quoted attribute value: ``&<>"'`` become entities."""
    return _escape(str(text), quote=True)


def markdown(text: object) -> str:
    """``text`` shown literally in (inline) Markdown.

    Markdown's punctuation is backslash-escaped, then ``&``, ``<`` and ``>`` become entities
    (so no HTML tag can start), and line breaks become spaces (data text is inline: a line break
    would start a new block).
    """
    flat = " ".join(str(text).splitlines())
    escaped = "".join("\\" + char if char in _MARKDOWN_SPECIAL else char for char in flat)
    return _escape(escaped, quote=False)


def markdown_code(text: object) -> str:
    """``text`` as inline Markdown code (backticks in it cannot end the span)."""
    flat = " ".join(str(text).splitlines())
    longest, current = 0, 0
    for char in flat:
        current = current + 1 if char == "`" else 0
        longest = max(longest, current)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
