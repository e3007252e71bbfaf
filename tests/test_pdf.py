"""The memo's PDF through headless Chromium; a clear message where there is no Chromium."""

from __future__ import annotations

import logging

import pytest

from evaluation.errors import RunError
from evaluation.reports.pdf import find_chromium, html_to_pdf, unavailable_message

PAGE = """<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">
<style>body { font-family: "WenQuanYi Micro Hei", sans-serif; }</style></head><body>
<h1>政策简报 Policy memo</h1>
<p>2012年，工业“双百”行动100户企业累计实现销售收入1571．6亿元，同比增长25．6％。</p>
</body></html>"""


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="no headless Chromium on this machine "
                    "(set EVALUATION_CHROMIUM or install chromium)")
def test_pdf_of_a_chinese_page(tmp_path):
    html = tmp_path / "memo.html"
    html.write_text(PAGE, encoding="utf-8")
    pdf = html_to_pdf(html, tmp_path / "out" / "memo.pdf")
    assert pdf == tmp_path / "out" / "memo.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 10_000            # a page with an embedded CJK font, not an empty shell
    assert b"WenQuanYiMicroHei" in data  # the Chinese text was set in the CJK font
    assert list(pdf.parent.iterdir()) == [pdf]  # no temporary file left behind


def test_no_chromium_gives_none_and_one_clear_line(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("EVALUATION_CHROMIUM", "")
    html = tmp_path / "memo.html"
    html.write_text(PAGE, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="evaluation.reports.pdf"):
        assert html_to_pdf(html, tmp_path / "memo.pdf") is None
    assert caplog.messages == [unavailable_message()]
    assert "\n" not in unavailable_message() and "no headless Chromium" in unavailable_message()
    assert not (tmp_path / "memo.pdf").exists()


@pytest.mark.parametrize("case", ["missing_html", "failing_browser"])
def test_pdf_failures_are_run_errors(tmp_path, monkeypatch, case):
    html = tmp_path / "memo.html"
    if case == "failing_browser":
        html.write_text(PAGE, encoding="utf-8")
        monkeypatch.setenv("EVALUATION_CHROMIUM", "/bin/false")
        match = "memo.html: PDF: found Chromium exit status 1"
    else:
        match = "memo.html: found no such file"
    with pytest.raises(RunError, match=match):
        html_to_pdf(html, tmp_path / "memo.pdf")
