"""Prose from templates: one Jinja2 template per language under ``templates/<area>/<lang>/``.

The library computes values and cites them (:class:`~evaluation.reports.provenance.Citations`
spans, labels from the registry, each escaped); the templates word them. :func:`render` marks
the context safe (it was escaped when it was built) and refuses an undefined name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from evaluation import project
from evaluation.cache import CACHE_FOLDER, seal, unseal
from evaluation.project import ProjectNotFoundError
from evaluation.reports import TEMPLATES_DIR
from evaluation.reports.labels import check_language

COMPILED_FOLDER = "templates"
"""Where compiled templates are kept, under the project's ``reports/.cache/``."""


@cache
def environment() -> Any:
    """The Jinja2 environment over ``templates/`` (autoescape on, undefined names an error).

    Compiled templates are kept in the current project's ``reports/.cache/templates/``, so each
    kernel does not compile them again (about 0.1 s a template). A kept form is used only while
    its template's source is unchanged (Jinja2 stores the source's checksum with it) and under
    the same Jinja2 version and options (both in its file name), and only when it carries this
    user's MAC (:func:`evaluation.cache.seal`: compiled code is run, so a planted file in
    ``reports/`` is never loaded); one that cannot be kept or read only means compiling again.
    """
    import jinja2

    class CompiledTemplates(jinja2.BytecodeCache):
        """Compiled templates as files under the current project's ``reports/.cache/``;
        ``variant`` names the Jinja2 version and options they were compiled with."""

        def __init__(self, variant: str) -> None:
            self.variant = variant

        def path(self, bucket: jinja2.bccache.Bucket) -> Path | None:
            try:
                reports = project.current().reports_dir
            except ProjectNotFoundError:
                return None
            folder = reports / CACHE_FOLDER / COMPILED_FOLDER
            if any(p.is_symlink() for p in (folder.parent, folder)):
                return None  # never read or written through a link
            return folder / f"{bucket.key}-{self.variant}.cache"

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            path = self.path(bucket)
            if path is None or not path.is_file():
                return
            with contextlib.suppress(OSError):
                code = unseal(path.read_bytes(), path.name)
                if code is not None:  # sealed by this user: never a planted one
                    bucket.bytecode_from_string(code)  # an out-of-date form is dropped

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            path = self.path(bucket)
            sealed = None if path is None else seal(bucket.bytecode_to_string(), path.name)
            if path is None or sealed is None:
                return
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial.write_bytes(sealed)
                partial.replace(path)
            except OSError:  # folder removed, disk full: compiled again next time
                with contextlib.suppress(OSError):
                    partial.unlink(missing_ok=True)

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    options = (jinja2.__version__, env.autoescape, env.trim_blocks, env.lstrip_blocks)
    env.bytecode_cache = CompiledTemplates(hashlib.sha256(repr(options).encode()).hexdigest()[:16])
    return env


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
