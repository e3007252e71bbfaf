"""The shared published edition as a reader gets it: both languages, twins, titles, PDFs."""

from __future__ import annotations

import re

import pytest

from evaluation.reports.i18n import visible_identifiers, visible_text
from evaluation.reports.labels import default_labels

NOTEBOOKS = ("00-audit", "01-outcomes-vs-targets", "02-financing-and-subsidies",
             "03-firm-panel", "04-policy-memo")
WORDED = ("00-audit", "01-outcomes-vs-targets", "02-financing-and-subsidies", "04-policy-memo")
"""Reports whose every visible word comes from the registry and the templates."""


def test_every_report_in_both_languages_linked_to_its_twin(published_edition):
    folder, labels = published_edition.folder, default_labels()
    for name in NOTEBOOKS:
        zh = (folder / f"{name}.html").read_text(encoding="utf-8")
        en = (folder / f"{name}.en.html").read_text(encoding="utf-8")
        assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
        assert f'href="{name}.en.html"' in zh and f'href="{name}.html"' in en
        assert f"<title>{labels.report_title(name, 'zh')} · " in zh
        assert f"<title>{labels.report_title(name, 'en')} · " in en.replace("&#x27;", "'")


@pytest.mark.parametrize("name", WORDED)
def test_worded_reports_show_no_identifier(published_edition, name):
    for page in (f"{name}.html", f"{name}.en.html"):
        html = (published_edition.folder / page).read_text(encoding="utf-8")
        assert visible_identifiers(visible_text(html)) == [], page


def test_index_describes_each_report_and_starts_with_the_memo(published_edition):
    reports, labels = published_edition.reports, default_labels()
    for lang, index in (("zh", "index.html"), ("en", "index.en.html")):
        html = (reports / index).read_text(encoding="utf-8").replace("&#39;", "'")
        for name in NOTEBOOKS:
            assert labels.report_blurb(name, lang).replace("'", "'") in html, (lang, name)
        assert labels.text("start_here", lang) in html
        assert "SYNTHETIC" in html and 'class="synthetic"' in html
        assert re.search(r'<img src="[^"]+\.png" alt="[^"]{8,}"', html)
        assert "README.html" in html and visible_identifiers(visible_text(html)) == []


def test_memo_pdf_in_both_languages(published_edition):
    pypdf = pytest.importorskip("pypdf")
    for name, words in (("04-policy-memo.pdf", ("主要结论", "第 1 页")),
                        ("04-policy-memo.en.pdf", ("Key messages", "Page 1 of"))):
        reader = pypdf.PdfReader(published_edition.folder / name)
        first = reader.pages[0].extract_text()
        assert all(w in first for w in words), name
        assert 3 <= len(reader.pages) <= 8, len(reader.pages)
        texts = [p.extract_text() for p in reader.pages]
        appendix = next(i for i, t in enumerate(texts) if re.search(r"^(Annex|附件)\s*$", t, re.M))
        assert appendix <= 2, name  # the memo takes at most two pages, then the appendix
        assert all(re.search(rf"(Page {i + 1} of {len(texts)}|第 {i + 1} 页，共 {len(texts)} 页)",
                             t) for i, t in enumerate(texts)), name


def test_report_02_has_reader_tables_figures_notes_and_parameter_blocks(published_edition):
    from evaluation.model.parameters import default_inputs

    n_parameters = len(default_inputs().parameters)
    for page, lang in (("02-financing-and-subsidies.html", "zh"),
                       ("02-financing-and-subsidies.en.html", "en")):
        html = (published_edition.folder / page).read_text(encoding="utf-8")
        assert 'class="provenance-notes"' in html and 'data-prov="fact:' in html, page
        assert 'data-prov="model:' in html, page
        assert 'class="dataframe"' not in html, page  # every table through show_table
        alts = re.findall(r'<img [^>]*alt="([^"]*)"', html)
        assert len(alts) >= 4 and all(len(a) >= 20 and "No description" not in a
                                      for a in alts), (page, alts)
        assert html.count('class="param-block"') == n_parameters, page
        text = visible_text(html)
        assert ("情景" if lang == "zh" else "Scenario") in text
        assert "{'" not in text and "overrides" not in text, page  # scenarios in words
        # model notes send the reader to this page's assumptions, not to the memo's appendix
        assert ("文末的假设部分" if lang == "zh" else "assumptions at the end") in text, page
        assert "参数文献见附录" not in text and "in the appendix" not in text, page
