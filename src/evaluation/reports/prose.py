"""Prose from templates: one Jinja2 template per language under ``templates/<area>/<lang>/``.

The library computes values and cites them (:class:`~evaluation.reports.provenance.Citations`
spans, labels from the registry, each escaped); the templates word them. :func:`render` marks
the context safe (it was escaped when it was built) and refuses an undefined name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from evaluation.reports import TEMPLATES_DIR
from evaluation.reports.labels import check_language

BYTECODE_PATTERN = "evaluation-%s.cache"
"""File names of compiled templates in Jinja2's per-user cache folder."""


@cache
def environment() -> Any:
    """The Jinja2 environment over ``templates/`` (autoescape on, undefined names an error).

    Compiled templates are kept in Jinja2's per-user folder of the system's temporary folder
    (:class:`jinja2.FileSystemBytecodeCache`), so each kernel does not compile them again
    (about 0.1 s a template); one is used only while its source is unchanged (Jinja2 stores the
    source's checksum with it). Where no safe folder exists or one cannot be written, templates
    are compiled each time.
    """
    import jinja2

    class KeptTemplates(jinja2.FileSystemBytecodeCache):
        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:  # folder removed, disk full: compiled again next time
                pass

    try:
        compiled: jinja2.BytecodeCache | None = KeptTemplates(pattern=BYTECODE_PATTERN)
    except (RuntimeError, OSError):  # no private temporary folder for this user
        compiled = None
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, bytecode_cache=compiled)


def markup(value: object) -> object:
    """``value`` with every string marked safe: each was escaped (or built from escaped parts
    and cited spans) by the code that computed it."""
    from markupsafe import Markup

    if isinstance(value, str):
        return Markup(value)  # noqa: S704 (escaped where it was built)
    if isinstance(value, dict):
        return {k: markup(v) for k, v in value.items()}
    if isinstance(value, list):
        return [markup(v) for v in value]
    return value


def render(template: str, language: str, **context: Any) -> str:
    """Render ``templates/<area>/<language>/<name>`` (``template`` is ``"<area>/<name>"``)."""
    check_language(language)
    area, _, name = template.partition("/")
    return str(environment().get_template(f"{area}/{language}/{name}").render(
        **{k: markup(v) for k, v in context.items()}))


def templates(*, partials: bool = False) -> list[str]:
    """Every prose template as ``"<area>/<name>"`` (each exists in every language).

    Partials (macro files named ``_*.j2``, imported by other templates) are left out unless
    ``partials``.
    """
    from evaluation.reports.labels import LANGUAGES

    found = set()
    for lang in LANGUAGES:
        for path in TEMPLATES_DIR.glob(f"*/{lang}/*.j2"):
            if path.name.startswith("_") == partials:
                found.add(f"{path.parent.parent.name}/{path.name}")
    return sorted(found)


def label(text: str) -> str:
    """A reader's label (a check or indicator name may hold digits: 10 bn, 20%), escaped and
    exempt from the provenance check: it names something, it is not a figure."""
    from html import escape

    return f'<span data-prov-ignore="label">{escape(text)}</span>'


def render_languages(template: str, context: Callable[[str], Mapping[str, Any]]) -> str:
    """``template`` rendered in every report language with ``context(lang)``, each language's
    block marked for its page (:func:`evaluation.reports.i18n.bilingual`)."""
    from evaluation.reports.i18n import bilingual
    from evaluation.reports.labels import LANGUAGES

    rendered = {lang: render(template, lang, **context(lang)) for lang in LANGUAGES}
    return bilingual(zh=rendered["zh"], en=rendered["en"])
