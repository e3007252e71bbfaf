"""Numbers with provenance in HTML prose, and the check that finds numbers without one."""

from __future__ import annotations

import csv
import hashlib
import re

import nbformat
import pytest

from evaluation.errors import DataError
from evaluation.reports.provenance import Citations
from evaluation.reports.provenance_check import check_provenance

SALES = "plan2013.2012.sales_revenue"
TAX = "plan2013.2012.tax_relief_amount"
RANGE = "plan2013.2013.major_projects_planned"


@pytest.fixture(scope="module")
def facts_csv(root):
    with open(root / "data/facts.csv", encoding="utf-8") as handle:
        return {row["fact_id"]: row for row in csv.DictReader(handle)}


def _flagged(html):
    return [entry.split("'")[1] for entry in check_provenance(html)]


@pytest.mark.parametrize(("html", "flagged"), [
    ("<p>Sales grew 25.6% in 2012.</p>", ["25.6"]),
    ('<p><span data-prov="fact:x">25.6%<sup>[1]</sup></span></p>', []),
    ("<h2>3. Findings</h2><p>none</p>", []),
    ("<h2>Findings for 3 tiers</h2>", ["3"]),
    ("<nav>edition 2013 · run 2026-11-21T10:00</nav><p>ok</p>", []),
    ("<head><title>Memo 4</title><style>p{margin:3px}</style></head><script>x=42</script>", []),
    ('<section data-prov-ignore="footnotes"><li>“1571．6亿元”</li></section>', []),
    ("<p>plan2013 and CO2 and fact_12</p>", []),
    ("<p>465亿元 and １５７１．６</p>", ["465", "１５７１．６"]),
    ("<p>2000亿元 but the year 2000</p>", ["2000"]),
    ("<p>1,571.6 and 2,000 hires</p>", ["1,571.6", "2,000"]),
    ("<p>see note [3]</p>", []),
    ('<p title="46">x</p>', []),
    ('<span data-prov="x"><b>5</b></span> then <i>6</i>', ["6"]),
    ("<p>a<br>7<img src='x8.png'/></p>", ["7"]),
])
def test_check_provenance_rule(html, flagged):
    assert _flagged(html) == flagged


def test_check_reports_context():
    (entry,) = check_provenance("<p>Loans grew by 55.97 per cent in the year.</p>")
    assert entry.startswith("'55.97' in “") and "Loans grew by 55.97 per cent" in entry


def test_fact_span_carries_quote_source_and_footnote(facts_csv):
    c = Citations()
    span = c.fact(SALES)
    row = facts_csv[SALES]
    assert 'data-prov="fact:plan2013.2012.sales_revenue"' in span
    assert f"{float(row['value']):,.1f}亿元<sup>" in span           # 1,571.6亿元
    title = re.search(r'title="([^"]*)"', span).group(1)
    assert f"“{row['quote']}”" in title and "2013年工业“双百”行动实施方案" in title
    assert '<a href="#prov-1">[1]</a>' in span
    assert c.fact(SALES, fmt="{:,.2f}").startswith(span.split(">")[0])
    assert "1,571.60亿元" in c.fact(SALES, fmt="{:,.2f}")


def test_qualifiers_ranges_and_numbering():
    c = Citations()
    assert ">more than 7亿元<sup>" in c.fact(TAX)
    assert ">7亿元<sup>" in c.fact(TAX, qualifier=False)
    assert ">40–50<sup>" in c.fact(RANGE)
    assert "[1]" in c.fact(TAX) and "[2]" in c.fact(RANGE)   # same fact, same number
    derived = c.derived(472.8 / 465 * 100 - 100, formula="(target / actual - 1) × 100",
                        inputs=["plan2013.2013.project_investment",
                                "plan2013.2012.project_investment"], fmt="{:.1f}",
                        unit="percent")
    assert ">1.7%<sup>" in derived                             # 472.8/465 = 1.0168
    assert 'data-prov="derived:plan2013.2013.project_investment;' in derived
    assert "[5]" in derived  # notes 3 and 4 are its two input facts
    notes = c.footnotes_html()
    assert notes.count("<li ") == 5
    assert "Computed: (target ÷ actual − 1) × 100" in notes  # the formula in words
    assert 'from notes <a href="#prov-3">[3]</a>, <a href="#prov-4">[4]</a>' in notes


def test_model_span_names_parameters_and_references():
    c = Citations()
    span = c.model((12.34, 30.5), parameters=["deadweight_grants", "multiplier"],
                   references=["HM Treasury (2008) Additionality Guide"], fmt="{:.1f}",
                   unit="yi_yuan")
    assert ">12.3–30.5亿元<sup>" in span
    assert 'data-prov="model:deadweight_grants;multiplier"' in span
    assert span.count("HM Treasury (2008) Additionality Guide") == 1  # on hover, not in the note
    notes = c.footnotes_html()
    assert "depends on: deadweight_grants, multiplier" in notes  # no labels given: the ids
    zh = Citations(lang="zh", parameter_label={"multiplier": "乘数", "deadweight_grants": "无谓损失"})
    zh.model(0.5, parameters=["deadweight_grants", "multiplier"], references=["x"])
    assert "取决于：无谓损失、乘数" in zh.footnotes_html()


def test_footnotes_list_document_and_checksum(root, facts_csv):
    c = Citations()
    c.fact(SALES)
    notes = c.footnotes_html()
    raw = root / "data/raw/2013-plan_shuangbai-implementation-plan.txt"
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    assert f"SHA-256 {digest[:12]}" in notes
    assert raw.name in notes
    assert facts_csv[SALES]["quote"] in notes
    assert "2013年工业“双百”行动实施方案" in notes and "Implementation plan of the 2013" in notes
    assert 'id="prov-1"' in notes


def test_page_built_with_citations_passes_and_typed_number_fails():
    c = Citations()
    prose = (f"<h2>1. Findings</h2><p>In 2012 the firms sold {c.fact(SALES)}, and tax relief was "
             f"{c.fact(TAX)}; {c.derived(1.5, formula='a / b', inputs=['a', 'b'])}.</p>")
    page = prose + c.footnotes_html()
    assert check_provenance(page) == []
    assert _flagged(page.replace("</p>", " About 30 firms grew.</p>")) == ["30"]


def test_unknown_fact_is_a_clear_error():
    with pytest.raises(DataError, match="'plan2013.2012.nothing'.*no such fact"):
        Citations().fact("plan2013.2012.nothing")


def test_spans_survive_notebook_rendering():
    """Markdown output with spans, rendered code-free by nbconvert, keeps its provenance."""
    from nbconvert import HTMLExporter

    c = Citations()
    markdown = f"Sales reached {c.fact(SALES)} while **17** firms got relief."
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(Markdown(text))")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": markdown,
                                                                 "text/plain": "<Markdown>"}),
                    nbformat.v4.new_output("display_data", data={
                        "text/html": c.footnotes_html(), "text/plain": "<HTML>"})]
    nb.cells = [nbformat.v4.new_markdown_cell("# 2. Memo"), cell]
    html, _ = HTMLExporter(template_name="lab", exclude_input=True,
                           exclude_input_prompt=True, exclude_output_prompt=True
                           ).from_notebook_node(nb)
    assert 'data-prov="fact:plan2013.2012.sales_revenue"' in html
    assert _flagged(html) == ["17"]
