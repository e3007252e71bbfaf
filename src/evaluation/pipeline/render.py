"""Code-free, self-contained HTML for reviewers, rendered in-process with nbconvert.

Input cells, prompts and the parameters cells are removed; figures stay embedded as base64
``data:`` URIs (nbconvert's default); the template (``templates/report.html.j2``) drops every
script the stock template loads from a CDN, so a report opens with no network at all. Every
page is passed through the allow-list sanitiser (:mod:`evaluation.pipeline.sanitize`) before it is
written, a second line of defence behind the escaping of data-derived text.
"""

from __future__ import annotations

import threading
from functools import cache

import nbformat

from evaluation.pipeline.sanitize import sanitize_document
from evaluation.reports import TEMPLATES_DIR

HIDDEN_CELL_TAGS = ("parameters", "injected-parameters")
_LOCK = threading.Lock()


@cache
def _exporter():  # noqa: ANN202 (nbconvert is imported lazily)
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    conf = Config()
    conf.TagRemovePreprocessor.remove_cell_tags = set(HIDDEN_CELL_TAGS)
    conf.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=conf, template_name="lab",
                            extra_template_paths=[str(TEMPLATES_DIR)],
                            template_file="report.html.j2",
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(config=conf), enabled=True)
    return exporter


def warm_up() -> None:
    """Import nbconvert and compile the template now (about 0.3 s), e.g. while kernels start."""
    notebook_html(nbformat.v4.new_notebook(), title="", edition="", notebook="", finished="")


def notebook_html(nb: nbformat.NotebookNode, *, title: str, edition: str, notebook: str,
                  finished: str) -> str:
    """Render an executed notebook as a reviewer's HTML page.

    Safe to call from several threads (rendering is serialised). The page is sanitised
    (:func:`evaluation.pipeline.sanitize.sanitize_document`).
    """
    resources = {"metadata": {"name": title},
                 "evaluation": {"edition": edition, "notebook": notebook, "finished": finished}}
    with _LOCK:
        body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return sanitize_document(body)


def notebook_pages(nb: nbformat.NotebookNode, *, name: str, edition: str, notebook: str,
                   finished: str, languages: tuple[str, ...],
                   order: list[str]) -> dict[str, str]:
    """One page per language: ``{file name: HTML}`` (see :mod:`evaluation.reports.i18n`).

    Cells tagged for another language are dropped before rendering; blocks marked for another
    language are removed after; each page gets its ``lang``, title, twin link, contents and
    previous / next links.
    """
    from evaluation.reports.i18n import cells_for, language_page, page_name
    from evaluation.reports.labels import default_labels

    labels = default_labels()
    pages = {}
    for lang in languages:
        html = notebook_html(cells_for(nb, lang), title=labels.report_title(name, lang),
                             edition=edition, notebook=notebook, finished=finished)
        pages[page_name(name, lang, default=languages[0])] = language_page(
            html, lang, notebook=name, labels=labels, languages=languages, order=order)
    return pages
