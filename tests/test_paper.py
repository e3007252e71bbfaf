"""The memo on paper through Typst: bold set in a bold face, fonts embedded, text extractable."""

from __future__ import annotations

import pytest

from evaluation.reports.paper import PaperMeta, memo_pdf

pypdf = pytest.importorskip("pypdf")


def _meta(lang: str) -> PaperMeta:
    return PaperMeta(title="政策建议备忘录" if lang == "zh" else "Policy memo", edition="2013",
                     date="2026-01-01", issuer="双百行动评估组", lang=lang,
                     page_words="第 {page} 页，共 {total} 页" if lang == "zh"
                     else "Page {page} of {total}")


def _font_programs(path) -> list[bytes]:
    """The embedded font programs of the PDF's first page, one per font resource."""
    page = pypdf.PdfReader(path).pages[0]
    programs = []
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        target = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = target["/FontDescriptor"].get_object()
        key = next(k for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor)
        programs.append(descriptor[key].get_object().get_data())
    return programs


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bold_is_set_in_another_weight(tmp_path, lang):
    # The same words, once plain and once bold, each alone in a PDF: with one weight (the old
    # font) Typst embeds the same outlines twice; with a bold face the outlines differ.
    words = "双百项目投资 Investment" if lang == "zh" else "Investment 双百"
    plain = memo_pdf(f'<div class="memo"><p>{words}</p></div>', tmp_path / "plain.pdf",
                     _meta(lang))
    bold = memo_pdf(f'<div class="memo"><p><b>{words}</b></p></div>', tmp_path / "bold.pdf",
                    _meta(lang))
    # the running header and page number are plain in both; bold words add a bold program
    # (English: one for its Latin font and one for the Chinese words)
    faces = 1 if lang == "zh" else 2
    assert len(set(_font_programs(bold))) == len(set(_font_programs(plain))) + faces
    for path in (plain, bold):
        text = pypdf.PdfReader(path).pages[0].extract_text()
        assert words.split()[0] in text and ("第 1 页" in text or "Page 1 of 1" in text)
