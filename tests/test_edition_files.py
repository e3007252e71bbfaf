"""Edition files published with a run: tables.xlsx, the memo PDF, the replication README."""

from __future__ import annotations

import json
import shutil

import pytest
from openpyxl import load_workbook
from test_runner import NOTEBOOKS, make_project, run, snapshot

from evaluation.reports.pdf import find_chromium, unavailable_message

MEMO_PDF = "04-policy-memo.pdf"  # the memo notebook of memo_project, by its role

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="no headless Chromium")


def memo_project(tmp_path):
    """A project whose second notebook has the memo's role (outputs renamed)."""
    root = make_project(tmp_path, {"01-ok.ipynb": "ok", "04-policy-memo.ipynb": "ok"})
    memo = root / "notebooks" / "04-policy-memo.ipynb"
    nb = json.loads(memo.read_text(encoding="utf-8").replace('label: str = \\"ok\\"',
                                                              'label: str = \\"memo\\"'))
    nb["metadata"]["evaluation"] = {"role": "memo"}
    memo.write_text(json.dumps(nb), encoding="utf-8")
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
    rows = list(book["contents"].iter_rows(min_row=4, values_only=True))  # below the header
    assert rows[0][6].endswith("From the documents and the model")
    assert rows[1][2].endswith("Same table as sheet memo_values")
    readme = (edition / "README.md").read_text(encoding="utf-8")
    assert f"Measured run time: {manifest['duration_s']:.1f} s wall clock" in readme
    assert "make report EDITION=test" in readme and f"`{MEMO_PDF}`" in readme
    index = (root / "reports" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="test/{name}"' in index
               for name in ("tables.xlsx", "README.html", MEMO_PDF))
    # nothing changed: nothing rebuilt, nothing rewritten
    before = snapshot(edition)
    again = run(root, extras=True)
    assert not again.published and again.executed == []
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


def with_metadata(notebook, **values):
    """Set ``values`` in ``notebook``'s ``metadata.evaluation`` (a role, as the memo notebook
    has; the notebooks it needs)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["metadata"].setdefault("evaluation", {}).update(values)
    notebook.write_text(json.dumps(nb), encoding="utf-8")


def refused_in_one_line(root, key: str) -> str:
    """Run ``root``'s edition expecting a configuration error: one line naming ``key``, exit
    status 2, nothing published. Returns the message."""
    from evaluation.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        run(root, warm_kernels=False)
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and key in message and caught.value.exit_code == 2
    assert not (root / "reports" / "test").exists()
    return message


def test_the_memo_is_found_by_its_role_not_its_name(tmp_path):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok", "04-policy-memo.ipynb": "ok",
                                   "05-brief.ipynb": "ok"})
    for name in ("04-policy-memo", "05-brief"):  # distinct outputs
        path = root / "notebooks" / f"{name}.ipynb"
        path.write_text(path.read_text(encoding="utf-8").replace(
            'label: str = \\"ok\\"', f'label: str = \\"{name[:2]}\\"'), encoding="utf-8")
    with_metadata(root / "notebooks" / "05-brief.ipynb", role="memo")
    run(root)
    index = (root / "reports" / "index.en.html").read_text(encoding="utf-8")
    start = next(line for line in index.splitlines() if 'class="start"' in line)
    assert 'href="test/05-brief.en.html"' in start and "04-policy-memo" not in start
    manifest = json.loads((root / "reports" / "test" / "manifest.json").read_text("utf-8"))
    assert {n["name"]: n["role"] for n in manifest["notebooks"]} == {
        "01-ok": "report", "04-policy-memo": "report", "05-brief": "memo"}


def test_without_a_memo_the_index_does_not_point_to_one(tmp_path):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    run(root)
    index = (root / "reports" / "index.en.html").read_text(encoding="utf-8")
    assert 'class="start"' not in index


def cell_times(path, which):
    """When a published notebook's first cell started or its last cell replied."""
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code"]
    cell, key = ((cells[0], "iopub.execute_input") if which == "start"
                 else (cells[-1], "shell.execute_reply"))
    return cell["metadata"]["execution"][key]


def test_a_notebook_starts_after_the_notebooks_it_needs(tmp_path):
    # Two cores' worth of jobs: without needs, the memo (a second) would run during the
    # other notebook's three-second sleep.
    root = make_project(tmp_path, {"01-ok.ipynb": "ok", "02-slow.ipynb": "slow"},
                        edition='edition: "test"\nscale: 2.0\nseed: 7\nsleep_s: 3.0\n')
    with_metadata(root / "notebooks" / "01-ok.ipynb", role="memo")
    with_metadata(root / "notebooks" / "01-ok.ipynb", needs=["02-slow"])
    report = run(root, jobs=2)
    assert report.executed == ["01-ok", "02-slow"]
    edition = root / "reports" / "test"
    assert cell_times(edition / "01-ok.ipynb", "start") > cell_times(edition / "02-slow.ipynb",
                                                                      "end")
    # the needed notebook not run this time (published, unchanged): nothing to wait for
    again = run(root, jobs=2, only=("01",), force=True)
    assert again.executed == ["01-ok"] and again.reused == ["02-slow"]


def test_a_notebook_whose_need_fails_still_runs_and_only_the_failure_is_reported(tmp_path):
    import threading

    from evaluation.errors import RunError

    root = make_project(tmp_path, {"01-ok.ipynb": "ok"})
    shutil.copy(NOTEBOOKS / "broken.ipynb", root / "notebooks" / "02-broken.ipynb")
    with_metadata(root / "notebooks" / "01-ok.ipynb", needs=["02-broken"])
    raised: list[BaseException] = []

    def attempt() -> None:
        try:
            run(root, jobs=2)
        except RunError as exc:
            raised.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the run waits forever for a notebook that failed"
    assert raised and "02-broken.ipynb" in str(raised[0]) and "01-ok" not in str(raised[0])
    failure = json.loads((root / "reports" / "test.failed" / "failure.json").read_text("utf-8"))
    assert failure["notebooks"] == ["02-broken.ipynb"]


@pytest.mark.parametrize(("key", "metadata", "found"), [
    ("role", {"01-ok": "brief"}, "'brief'"),
    ("role", {"01-ok": "memo", "02-ok": "memo"}, "one memo per edition (01-ok.ipynb is the memo)"),
    ("needs", {"01-ok": ["03-absent"]}, "'03-absent'"),
    ("needs", {"01-ok": ["01-ok"]}, "'01-ok'"),
    ("needs", {"01-ok": "02-ok"}, "'02-ok'; expected a list of notebook names"),
    ("needs", {"01-ok": ["02-ok"], "02-ok": ["01-ok"]}, "01-ok -> 02-ok -> 01-ok")])
def test_wrong_metadata_is_one_line_naming_the_notebook(tmp_path, key, metadata, found):
    root = make_project(tmp_path, {"01-ok.ipynb": "ok", "02-ok.ipynb": "ok"})
    for name, value in metadata.items():
        with_metadata(root / "notebooks" / f"{name}.ipynb", **{key: value})
    message = refused_in_one_line(root, f"metadata.evaluation.{key}")
    assert found in message and "01-ok.ipynb" in message
