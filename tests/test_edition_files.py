"""Edition files published with a run: tables.xlsx, the memo PDF, the replication README."""

from __future__ import annotations

import json
import time

import pytest
from openpyxl import load_workbook
from test_runner import make_project, run, snapshot

from evaluation.pipeline.extras import MEMO_PDF
from evaluation.reports.pdf import find_chromium, unavailable_message

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no headless Chromium")


def memo_project(tmp_path):
    """A project whose second notebook is called 04-policy-memo (outputs renamed)."""
    root = make_project(tmp_path, {"01-ok.ipynb": "ok", "04-policy-memo.ipynb": "ok"})
    memo = root / "notebooks" / "04-policy-memo.ipynb"
    memo.write_text(memo.read_text(encoding="utf-8").replace('label: str = \\"ok\\"',
                                                              'label: str = \\"memo\\"'),
                    encoding="utf-8")
    return root


@needs_chromium
def test_edition_files_are_published_listed_and_not_rebuilt_when_nothing_changed(tmp_path):
    root = memo_project(tmp_path)
    edition = root / "reports" / "test"
    report = run(root, extras=True)
    assert report.published and report.notes == []
    manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
    listed = [f["name"] for f in manifest["edition_files"]["files"]]
    assert listed == ["tables.xlsx", "README.md", MEMO_PDF]
    assert (edition / MEMO_PDF).read_bytes()[:5] == b"%PDF-"
    book = load_workbook(edition / "tables.xlsx")
    assert book.sheetnames == ["contents", "memo_values"]  # ok_values holds the same table
    assert [r[4] for r in book["contents"].iter_rows(min_row=2, values_only=True)] == [
        "from documents and model", "same table as sheet memo_values"]
    readme = (edition / "README.md").read_text(encoding="utf-8")
    assert f"Measured run time: {manifest['duration_s']:.1f} s wall clock" in readme
    assert "make report EDITION=test" in readme and f"`{MEMO_PDF}`" in readme
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="test/{name}"' in index
               for name in ("tables.xlsx", "README.html", MEMO_PDF))
    # nothing changed: nothing rebuilt, nothing rewritten
    before = snapshot(edition)
    started = time.perf_counter()
    again = run(root, extras=True)
    assert not again.published and time.perf_counter() - started < 1.0
    assert snapshot(edition) == before
    # only notebook 01 rerun: the memo's PDF is the published file, not printed again
    pdf_inode = (edition / MEMO_PDF).stat().st_ino
    third = run(root, extras=True, only=("01",), force=True)
    assert third.executed == ["01-ok"] and third.reused == ["04-policy-memo"]
    assert (edition / MEMO_PDF).stat().st_ino == pdf_inode


@needs_chromium
def test_without_chromium_a_note_not_a_failure_then_the_pdf_once_it_is_back(tmp_path,
                                                                           monkeypatch):
    root = memo_project(tmp_path)
    edition = root / "reports" / "test"
    monkeypatch.setenv("EVALUATION_CHROMIUM", "")
    report = run(root, extras=True)
    assert report.published and report.notes == [unavailable_message()]
    manifest = json.loads((edition / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["edition_files"]["notes"] == [unavailable_message()]
    assert not (edition / MEMO_PDF).exists() and (edition / "tables.xlsx").is_file()
    assert unavailable_message() in (root / "reports" / "index.html").read_text(encoding="utf-8")
    monkeypatch.delenv("EVALUATION_CHROMIUM")
    later = run(root, extras=True)  # no input changed, but the PDF can now be made
    assert later.published and later.executed == [] and (edition / MEMO_PDF).is_file()


def test_a_published_edition_without_edition_files_gets_them(tmp_path):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    run(root)  # the runner alone: no edition files
    assert not (root / "reports" / "test" / "tables.xlsx").exists()
    report = run(root, extras=True)
    assert report.published and report.executed == [] and report.reused == ["01-ok"]
    assert (root / "reports" / "test" / "tables.xlsx").is_file()
    assert (root / "reports" / "test" / "README.md").is_file()
    assert not (root / "reports" / "test" / MEMO_PDF).exists()  # no memo notebook, no note
    assert report.notes == []
