"""Chinese throughout: no run of Latin words on a Chinese page or in the workbook's Chinese text,
outside proper names and bibliographic titles (marked ``data-latin="bibliography"``)."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,;:()]+[A-Za-z][A-Za-z'’-]*){2,}")
"""Three or more Latin words in a row (a name of two words, Monte Carlo, is not a run)."""
PROPER_NAMES = ("Noto Sans CJK SC", "HM Treasury Green Book")
"""Names a Chinese page may write in Latin letters."""
PENDING = {
    "02-financing-and-subsidies.html": "parameter references and reasonings still in English",
    "README.html": "the replication guide is written for researchers, in English",
}
"""Chinese pages whose conversion is not finished, with what is left; each must still show a
run (so a page leaves this list as soon as it is clean)."""


def latin_runs(html: str) -> list[str]:
    """Runs of Latin words in the text a reader sees of ``html``, bibliographies left out."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "template", "noscript"]):
        tag.decompose()
    for tag in soup.select('[data-latin="bibliography"], [lang="en"][data-lang="en"]'):
        tag.decompose()  # a bibliography; the other language's half of a bilingual page
    text = soup.get_text(" ")
    for name in PROPER_NAMES:
        text = text.replace(name, " ")
    return [m.group(0) for m in LATIN_RUN.finditer(text)]


def test_the_rule_finds_a_run_and_spares_names_and_bibliographies():
    assert latin_runs("<p>双百项目 2015 figure is a plan</p>") == ["figure is a plan"]
    assert latin_runs("<p>蒙特卡洛（Monte Carlo）模拟，字体 Noto Sans CJK SC</p>") == []
    assert latin_runs('<ul data-latin="bibliography"><li>Banerjee, A. V.; Duflo, E. '
                      "(2014), Do firms want to borrow more?</li></ul>") == []


def test_no_run_of_latin_words_on_a_chinese_page(published_edition):
    folder = published_edition.folder
    pages = sorted(p for p in folder.glob("*.html") if not p.name.endswith(".en.html"))
    assert {"04-policy-memo.html", "01-outcomes-vs-targets.html"} <= {p.name for p in pages}
    pages.append(folder.parent / "index.html")
    for page in pages:
        runs = latin_runs(page.read_text(encoding="utf-8"))
        if page.name in PENDING:
            assert runs, f"{page.name} is clean: remove it from PENDING"
        else:
            assert runs == [], (page.name, runs[:5])


@pytest.mark.xfail(reason="the workbook's descriptions and caveats are English only (issue 25, "
                          "part 6, left for a follow-up)", strict=True)
def test_no_run_of_latin_words_in_the_workbooks_chinese_text(published_edition):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(published_edition.folder / "tables.xlsx", read_only=True)
    runs = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str) and re.search(r"[\u4e00-\u9fff]", value):
                    runs += latin_runs(f"<p>{value}</p>")
    assert runs == []


def test_caveats_are_worded_in_chinese_clause_by_clause():
    from evaluation.reports.tables import caveats_in

    english = ("2015 figure is a plan (planned amount), not an outcome target; "
               "different lists: 101 projects (2012) vs 100 (2015)")
    assert caveats_in(english, "en") == english
    assert caveats_in(english, "zh") == ("2015年数据为计划投资额，不是完成目标；"
                                         "名单不同：2012年101个，2015年100个")
    assert caveats_in("firms not stated for 2013, 2015", "zh") == "2013年、2015年未载明企业数"
    assert caveats_in("a new kind of caveat", "zh") == "a new kind of caveat"  # shows, untranslated


def test_reader_numbers_follow_each_languages_convention():
    from evaluation.reports.labels import default_labels
    from evaluation.reports.tables import Column, _cell

    labels, number = default_labels(), Column("v", "number")
    assert _cell(101.0, number, "zh", labels) == "101"  # a count among amounts, not 101.00
    assert _cell(1571.6, number, "zh", labels) == "1571.60"  # no thousands separator
    assert _cell(1571.6, number, "en", labels) == "1,571.60"
