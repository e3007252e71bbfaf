"""Stored script injection: a payload in every text field that reaches a report never executes.

One throwaway copy of the project gets the payload in a fact's quote (and the document it
quotes), a fact's note, a check's description and note, an indicator's names, a parameter's and
a scenario's description, a source's titles and issuer, and an edition value; one run publishes
it (few draws, so it stays fast); every published HTML page must then be free of executable
markup: no ``<script>``, no event-handler attribute, no ``javascript:`` URL, no ``<iframe>``.
The text fields also begin with a spreadsheet formula (:data:`FORMULAS`): no published table may
hold a formula (CSV cells neutralised with a leading apostrophe, workbook cells strings).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from evaluation import project

PAYLOAD = ("<img src=x onerror=alert(document.domain)><script>alert(document.cookie)</script>"
           "<iframe src=javascript:alert(document.domain)></iframe>"
           "[click](javascript:alert(document.domain))<a href=javascript:alert(document.domain)>"
           "x</a><svg onload=alert(document.domain)>")
"""No digits, so the completeness check of the documents is not disturbed."""
FORMULAS = {  # the scenario's description and a fact's note reach no table; kept as hostile text
    "check": '=HYPERLINK("http://example.invalid/?x="&A1,"click")',
    "indicator_en": "=1+2",
    "indicator_zh": "@SUM(1,2)",
    "parameter": "+cmd|' /C calc'!A0",
    "scenario": "-2+3+cmd|' /C calc'!A0",
    "fact_note": "\t=1+2",
}
"""A formula at the start of each text field (a spreadsheet would run it if a table held it)."""
FACT = "plan2013.2012.sales_revenue"
CHECK_ID = "projects_2012_split"
INDICATOR = "sales_revenue"
PARAMETER = "loan_long_term_share"
SCENARIO = "no_special_fund"
CLI = str(Path(sys.executable).parent / "evaluation")


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def hostile_project(root: Path) -> Path:
    """A copy of the project's data and notebooks with the payload in every text field."""
    here = project.current().root
    shutil.copytree(here / "data", root / "data")
    shutil.copytree(here / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    data = root / "data"
    # a fact's quote (the document is changed with it, its checksum re-registered) and note
    with open(data / "facts.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        fields = list(rows[0])
    row = next(r for r in rows if r["fact_id"] == FACT)
    document = data / "raw" / "2013-plan_shuangbai-implementation-plan.txt"
    old_quote = row["quote"]
    _replace_once(document, old_quote, old_quote + PAYLOAD)
    row["quote"] = old_quote + PAYLOAD
    row["note"] = FORMULAS["fact_note"] + PAYLOAD
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (data / "facts.csv").write_text(out.getvalue(), encoding="utf-8")
    sources = data / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    old_sha = re.search(r"sha256: ([0-9a-f]{64})", text).group(1)
    new_sha = hashlib.sha256(document.read_bytes()).hexdigest()
    text = text.replace(old_sha, new_sha, 1)
    text = re.sub(r"title_zh: (.*)", lambda m: f"title_zh: {_yaml_str(m.group(1) + PAYLOAD)}",
                  text, count=1)
    text = re.sub(r"title_en: (.*)", lambda m: f"title_en: {_yaml_str(m.group(1) + PAYLOAD)}",
                  text, count=1)
    text = re.sub(r"issuer: (.*)", lambda m: f"issuer: {_yaml_str(PAYLOAD)}", text, count=1)
    sources.write_text(text, encoding="utf-8")
    # a check's description and note
    _replace_once(data / "checks.yaml", f"  - id: {CHECK_ID}\n",
                  f"  - id: {CHECK_ID}\n    note: {_yaml_str(PAYLOAD)}\n")
    text = (data / "checks.yaml").read_text(encoding="utf-8")
    text = re.sub(rf"(- id: {CHECK_ID}\n(?:    .*\n)*?    description: )(.*)",
                  lambda m: m.group(1) + _yaml_str(FORMULAS["check"] + m.group(2) + PAYLOAD),
                  text, count=1)
    (data / "checks.yaml").write_text(text, encoding="utf-8")
    # an indicator's names
    text = (data / "indicators.yaml").read_text(encoding="utf-8")
    text = re.sub(rf"(\{{id: {INDICATOR}, name_zh: )([^,]*)(, name_en: )([^,]*)",
                  lambda m: (m.group(1) + _yaml_str(FORMULAS["indicator_zh"] + m.group(2)
                                                    + PAYLOAD)
                             + m.group(3) + _yaml_str(FORMULAS["indicator_en"] + m.group(4)
                                                      + PAYLOAD)), text, count=1)
    (data / "indicators.yaml").write_text(text, encoding="utf-8")
    # a parameter's and a scenario's description
    _replace_once(data / "model" / "parameters.yaml",
                  f"  {PARAMETER}:\n    description: ",
                  f"  {PARAMETER}:\n    description: "
                  f"{_yaml_str(FORMULAS['parameter'] + PAYLOAD)}\n    # ")
    _replace_once(data / "model" / "scenarios.yaml",
                  f"  {SCENARIO}:\n    description: ",
                  f"  {SCENARIO}:\n    description: "
                  f"{_yaml_str(FORMULAS['scenario'] + PAYLOAD)}\n    # ")
    # an edition value that reaches prose (few draws: fast)
    edition = (data / "editions" / "2013.yaml").read_text(encoding="utf-8")
    edition = re.sub(r"^draws: .*$", "draws: 2000", edition, flags=re.M)
    edition = re.sub(r"^tier_draws: .*$", "tier_draws: 500", edition, flags=re.M)
    edition += (f"outcome: {_yaml_str('log_sales')}\nrecovery_panels: 2\nsobol_n: 64\n"
                "workers: 1\n")
    (data / "editions" / "2013.yaml").write_text(edition, encoding="utf-8")
    return root


class _Executable(HTMLParser):
    """Collects every piece of markup a browser could execute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "svg", "form", "base"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            url = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name in ("href", "src", "action", "formaction", "xlink:href") and (
                    url.startswith(("javascript:", "vbscript:"))
                    or (url.startswith("data:") and not url.startswith("data:image/"))):
                self.found.append(f"<{tag} {name}={value[:40]!r}>")


def executable_markup(html: str) -> list[str]:
    """Every script, event handler, ``javascript:`` URL or embedding element in ``html``."""
    parser = _Executable()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = hostile_project(tmp_path_factory.mktemp("hostile") / "project")
    env = {**os.environ, "EVALUATION_ROOT": str(root), "MPLBACKEND": "Agg"}
    done = subprocess.run([CLI, "run", "--edition", "2013"], env=env, capture_output=True,
                          text=True, timeout=900)
    return root, done


def test_the_payload_detector_finds_the_payload():
    assert len(executable_markup(PAYLOAD)) >= 5


def test_payloads_in_every_text_field_never_reach_published_html(hostile_run):
    root, done = hostile_run
    assert done.returncode == 0, done.stderr[-3000:]
    pages = sorted((root / "reports").rglob("*.html"))
    assert len(pages) >= 6, pages  # five notebooks and the index
    seen_escaped = False
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert executable_markup(html) == [], page.name
        seen_escaped = seen_escaped or "onerror=alert(document.domain)" in html
    # the payload is shown as text (escaped), not silently dropped from the data
    assert seen_escaped


def test_executed_notebooks_keep_the_payload_as_text_only(hostile_run):
    root, _ = hostile_run
    for nb in sorted((root / "reports" / "2013").glob("*.ipynb")):
        text = nb.read_text(encoding="utf-8")
        for html in re.findall(r'"text/html": \[(.*?)\]', text, flags=re.S):
            assert "<script>alert" not in html.replace("\\n", "")


def _csv_cells(root: Path) -> dict[str, list[str]]:
    """Every cell of every published CSV table, by file name."""
    cells = {}
    for path in sorted((root / "reports" / "2013" / "tables").glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            cells[path.name] = [c for row in csv.reader(handle) for c in row]
    return cells


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_no_published_csv_cell_is_a_formula_and_each_payload_is_shown_inert(hostile_run):
    root, done = hostile_run
    assert done.returncode == 0, done.stderr[-3000:]
    cells = _csv_cells(root)
    live = [(name, c[:40]) for name, found in cells.items() for c in found
            if c.startswith(("=", "+", "-", "@", "\t", "\r")) and not _is_number(c)]
    assert live == []
    # where the fields reach a CSV table (the others reach the workbook, in words, or no table)
    for field, table in (("check", "audit_results.csv"), ("parameter", "model_assumptions.csv")):
        assert any(c.startswith("'" + FORMULAS[field]) for c in cells[table]), (field, table)


def test_no_workbook_cell_is_a_formula(hostile_run):
    from zipfile import ZipFile

    from openpyxl import load_workbook

    root, done = hostile_run
    assert done.returncode == 0, done.stderr[-3000:]
    workbook = root / "reports" / "2013" / "tables.xlsx"
    with ZipFile(workbook) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n)
                                  for n in sheets)
    book = load_workbook(workbook)
    formulas = [(s.title, c.coordinate) for s in book.worksheets for row in s.iter_rows()
                for c in row if c.data_type == "f"]
    assert formulas == []
    def text(sheet: str) -> list[str]:
        return [c.value for row in book[sheet].iter_rows() for c in row
                if isinstance(c.value, str)]

    # each formula shown as text where the issue found it live
    for field, sheet in (("check", "audit_results"), ("parameter", "model_assumptions"),
                         ("indicator_en", "implied_values"), ("indicator_zh", "implied_values"),
                         ("indicator_en", "model_inputs"), ("indicator_zh", "model_inputs")):
        assert any(FORMULAS[field] in t for t in text(sheet)), (field, sheet)


def test_cell_neutralisation_keeps_numbers_and_plain_text():
    import pandas as pd

    from evaluation.reports.cells import neutral_table

    frame = pd.DataFrame({"text": ["=1+2", "+cmd", "-x", "@SUM(1)", "\t=1", "\r=1", "plain",
                                   "'=kept", None],
                          "value": [-1.5, 2.0, -3.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
    out = neutral_table(frame)
    assert out["text"].iloc[:-1].tolist() == ["'=1+2", "'+cmd", "'-x", "'@SUM(1)", "'\t=1",
                                              "'\r=1", "plain", "'=kept"]
    assert pd.isna(out["text"].iloc[-1])
    assert out["value"].tolist() == frame["value"].tolist() and out["value"].dtype == float
    assert frame["text"].iloc[0] == "=1+2"  # the caller's frame unchanged


def test_a_workbook_from_a_table_of_formulas_holds_strings(tmp_path):
    """Text read from a CSV (even one not written by save_table) is a string cell."""
    from openpyxl import load_workbook

    from evaluation.reports.workbook import write_workbook

    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "audit_results.csv").write_text(
        'check_id,description,gap\nx,"=HYPERLINK(""http://e.invalid"",""c"")",-0.5\n'
        "y,@SUM(1;2),1\n", encoding="utf-8")
    book = load_workbook(write_workbook(tmp_path, languages=("en",)))
    cells = {c.value: c.data_type for s in book.worksheets for row in s.iter_rows()
             for c in row if c.value is not None}
    assert cells['=HYPERLINK("http://e.invalid","c")'] == "s"
    assert cells["@SUM(1;2)"] == "s"
    assert cells[-0.5] == "n"  # numbers stay numbers


CHROMIUM = Path("/usr/bin/chromium")


def test_hostile_pages_in_chromium_open_no_dialog_send_no_request_run_no_payload(hostile_run):
    """Each published page of the hostile run loaded in headless Chromium: the payloads
    (``alert(...)``, ``onerror``, ``onload``, ``javascript:`` links) must not open a dialog,
    call ``alert``/``confirm``/``prompt``, or make a request off the machine."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package `chromium`; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (test extra)")
    from test_browser import CHROMIUM_ARGS

    root, done = hostile_run
    assert done.returncode == 0, done.stderr[-3000:]
    pages = sorted((root / "reports").rglob("*.html"))
    assert len(pages) >= 6
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            raw = root / "raw_payload.html"  # the detector sees the payload run when it does
            raw.write_text(f"<!DOCTYPE html><html><body>{PAYLOAD}</body></html>",
                           encoding="utf-8")
            dialogs, ran, _, links = _visit(browser, raw)
            assert (dialogs or ran) and links
            for path in pages:
                assert _visit(browser, path) == ([], [], [], []), path.name
        finally:
            browser.close()


_HOOK = """for (const name of ["alert", "confirm", "prompt"]) {
    window[name] = function () {
        (window.__payload_ran = window.__payload_ran || []).push(name);
    };
}"""
"""Records every call of a function the payloads use (before any script of the page runs)."""


def _visit(browser, path: Path) -> tuple[list[str], list[str], list[str], list[str]]:  # noqa: ANN001
    """Dialogs opened, hooked functions called, requests off the machine and ``javascript:``
    links of ``path`` loaded in ``browser``."""
    page = browser.new_page()
    dialogs: list[str] = []
    remote: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: remote.append(r.url)
            if not r.url.startswith(("file://", "data:")) else None)
    page.add_init_script(_HOOK)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(200)  # an onerror handler or a timer has had its turn
    ran = page.evaluate("() => window.__payload_ran || []")
    links = page.evaluate("""() => Array.from(document.querySelectorAll('[href],[src]'))
        .map(e => e.getAttribute('href') || e.getAttribute('src'))
        .filter(u => /^\\s*javascript:/i.test(u))""")
    page.close()
    return dialogs, ran, remote, links


# --- the two defences on their own (fast) -------------------------------------------------------

def test_escaped_markdown_renders_as_text():
    from nbconvert.filters.markdown import markdown2html

    from evaluation.reports.escape import markdown

    rendered = markdown2html(f"- **{markdown(PAYLOAD)}** and `{PAYLOAD[:5]}`")
    assert executable_markup(rendered) == []
    assert "onerror=alert(document.domain)" in rendered  # shown, not dropped
    assert markdown2html(markdown("a_b *c* [d](e) 1.5")).count("<em>") == 0


def test_markdown_code_cannot_be_closed_by_backticks():
    from nbconvert.filters.markdown import markdown2html

    from evaluation.reports.escape import markdown_code

    rendered = markdown2html(markdown_code("x` <script>alert(document.domain)</script> `y"))
    assert executable_markup(rendered) == []


def test_sanitiser_keeps_report_markup_and_drops_executable_markup():
    from evaluation.pipeline.sanitize import sanitize_document

    page = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/><title>t</title>'
            '<style>.a > .b { color: red; }</style><script>alert(document.domain)</script>'
            '</head><body class="jp-Notebook"><table class="dataframe" border="1"><tr>'
            '<th colspan="2" style="text-align: right;">h</th></tr></table>'
            '<img src="data:image/png;base64,iVBORw0KGgo=" alt="figure" width="600">'
            '<a href="#prov-1">[1]</a><a href="../index.html">All reports</a>'
            '<span class="prov" data-prov="fact:x" title="q">1</span>'
            '<li id="prov-1" value="1">n</li>' + PAYLOAD +
            '<a href="data:text/html;base64,PHNjcmlwdD4=">d</a></body></html>')
    clean = sanitize_document(page)
    assert executable_markup(clean) == []
    for kept in ('<style>.a > .b { color: red; }</style>', 'class="dataframe"',
                 'colspan="2"', 'style="text-align: right;"', 'src="data:image/png;base64,',
                 'href="#prov-1"', 'href="../index.html"', 'data-prov="fact:x"',
                 'id="prov-1"', 'value="1"', "<title>t</title>", 'class="jp-Notebook"'):
        assert kept in clean, kept
    assert "alert(document.cookie)" not in clean
