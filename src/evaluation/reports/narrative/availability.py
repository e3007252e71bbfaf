"""What a computation cannot compute for a year and why, for the templates to word.

Takes an :class:`~evaluation.data.availability.Availability` (the effects model's from
:mod:`evaluation.model.availability`, the SYNTHETIC panel's from
:mod:`evaluation.panel.calibration`) and returns the values
``templates/availability/<lang>/<subject>.html.j2`` words: the parts computed and not, and the
missing figures by year and kind, named by the label registry. No sentence is built here.
"""

from __future__ import annotations

from html import escape
from typing import Any

from evaluation.data.availability import Availability
from evaluation.reports.i18n import bilingual
from evaluation.reports.labels import LANGUAGES, Labels, default_labels
from evaluation.reports.prose import label, render


def availability_context(found: Availability, lang: str, *, labels: Labels | None = None,
                         **extra: Any) -> dict[str, Any]:
    """The template's values: ``year``, ``computed`` and ``blocked`` parts (ids the template
    words), ``missing`` groups ``{year, kind, names}``, ``waiting`` ``{part: parts it needs
    that cannot be computed}``, ``sections_below`` (the page has empty model sections below
    the statement; default false) and ``extra`` values (escaped)."""
    labels = labels or default_labels()
    groups: dict[tuple[int, str], list[str]] = {}
    for need in found.missing():
        names = groups.setdefault((need.year, need.kinds[0]), [])
        name = label(labels.find("indicators", need.indicator, lang) or need.indicator)
        if name not in names:
            names.append(name)
    missing = [{"year": year, "kind": kind,
                "kind_label": escape(labels.get("kinds", kind, lang)), "names": names}
               for (year, kind), names in groups.items()]
    waiting = {part: [p for p in found.requires.get(part, ()) if not found.can(p)]
               for part in found.blocked}
    return {"year": found.year, "computed": list(found.computable),
            "blocked": list(found.blocked), "missing": missing, "waiting": waiting,
            "complete": found.complete, "sections_below": False,
            **{k: escape(str(v)) if isinstance(v, str) else v for k, v in extra.items()}}


def availability_html(found: Availability, lang: str, **extra: Any) -> str:
    """One language's statement (``templates/availability/<lang>/<subject>.html.j2``)."""
    return render(f"availability/{found.subject}.html.j2", lang,
                  **availability_context(found, lang, **extra))


def availability_page(found: Availability, *, always: bool = False, **extra: Any) -> str:
    """The statement in every language (one shown at a time); ``""`` when nothing is missing,
    unless ``always``."""
    if found.complete and not always:
        return ""
    zh, en = (availability_html(found, lang, **extra) for lang in LANGUAGES)
    return bilingual(zh=zh, en=en)
